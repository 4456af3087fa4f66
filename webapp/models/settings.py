"""Administration data: settings, plugin enablement, custom fields, saved views, rules, tokens."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import UTCDateTime, utcnow


class Setting(db.Model):
    """A key/value setting, global (business_line_id NULL) or per business line."""

    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("key", "business_line_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    business_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_lines.id", ondelete="CASCADE")
    )
    value: Mapped[object] = mapped_column(JSON)


class PluginEnablement(db.Model):
    """A plugin enabled for one business line."""

    __tablename__ = "plugin_enablements"
    business_line_id: Mapped[int] = mapped_column(
        ForeignKey("business_lines.id", ondelete="CASCADE"), primary_key=True
    )
    plugin: Mapped[str] = mapped_column(String(120), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class CustomField(db.Model):
    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("entity", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(30), default="opportunity")
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(20), default="text")
    choices: Mapped[list | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)


class SavedView(db.Model):
    """A named list: its filters and sort (``query``) and columns, private or team-shared."""

    __tablename__ = "saved_views"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Which list it belongs to: opportunity, account, contact or lead.
    entity: Mapped[str] = mapped_column(
        String(30), default="opportunity", server_default="opportunity"
    )
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[dict] = mapped_column(JSON)
    columns: Mapped[list | None] = mapped_column(JSON)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)


class SavedViewDefault(db.Model):
    """The view a user's list opens with, one per list."""

    __tablename__ = "saved_view_defaults"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    entity: Mapped[str] = mapped_column(String(30), primary_key=True)
    view_id: Mapped[int] = mapped_column(ForeignKey("saved_views.id", ondelete="CASCADE"))


class AutomationRule(db.Model):
    __tablename__ = "automation_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    event: Mapped[str] = mapped_column(String(40), index=True)
    conditions: Mapped[list | None] = mapped_column(JSON)
    actions: Mapped[list] = mapped_column(JSON)
    business_line_id: Mapped[int | None] = mapped_column(ForeignKey("business_lines.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
