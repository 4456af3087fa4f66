"""Users, groups, teams and business lines: who works where."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from ..auth.passwords import hash_password
from ..extensions import db
from ._base import UTCDateTime, utcnow

ROLES = ("admin", "manager", "sales", "readonly")
# Who sees which deals of a business line (enforced by webapp.permissions): everyone in the
# line sees all, a team sees its own members' deals, or each user sees only their own.
VISIBILITIES = ("all", "team", "own")
SALES_GROUP = "sales"

user_groups = Table(
    "user_groups",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)

user_business_lines = Table(
    "user_business_lines",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "business_line_id", ForeignKey("business_lines.id", ondelete="CASCADE"), primary_key=True
    ),
)


class BusinessLine(db.Model):
    """A division of the company with its own pipelines and enabled plugins."""

    __tablename__ = "business_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    visibility: Mapped[str] = mapped_column(String(10), default="all", server_default="all")

    def __repr__(self) -> str:
        return f"<BusinessLine {self.slug}>"


class Group(db.Model):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


# A user belongs to at most one team (the primary key is the user).
team_members = Table(
    "team_members",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), index=True, nullable=False),
)


class Team(db.Model):
    """People who work together under a manager; in a business line whose visibility is
    "team", members see each other's deals."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    manager: Mapped["User | None"] = relationship(foreign_keys=[manager_id])
    members: Mapped[list["User"]] = relationship(
        secondary=team_members, order_by="User.name", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="sales")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    # How much a board card shows: "compact" (name, account, amount, owner, flags) or
    # "comfortable" (also days in stage, next activity, tags).
    board_density: Mapped[str] = mapped_column(
        String(12), default="compact", server_default="compact"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    groups: Mapped[list[Group]] = relationship(secondary=user_groups, lazy="selectin")
    business_lines: Mapped[list[BusinessLine]] = relationship(
        secondary=user_business_lines, lazy="selectin"
    )

    # Set per request by webapp.auth.sessions: the signed-in session (not a column).
    session_id = None
    session_record_id = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: ``<id>:<session key>``."""
        return self.session_id or f"{self.id}:"

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or self.email[:2].upper()

    @property
    def business_line_ids(self) -> set[int]:
        return {bl.id for bl in self.business_lines}

    def in_group(self, name: str) -> bool:
        return any(g.name == name for g in self.groups)

    def __repr__(self) -> str:
        return f"<User {self.email}>"
