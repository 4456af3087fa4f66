"""Accounts (client folders) and their contacts."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import ImportedMixin, TimestampMixin, TrashMixin, UTCDateTime
from .names import contact_key, core_key, name_key
from .user import User


class Account(TimestampMixin, TrashMixin, ImportedMixin, db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        Index("ix_accounts_name", "name"),
        # Duplicate checks: the same name (exact) and the same name without legal form (near).
        Index("ix_accounts_name_key", "name_key"),
        Index("ix_accounts_core_key", "core_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Kept in step with ``name`` on every insert and update (see names.py).
    name_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    core_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    industry: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the account was merged into another one (and put in the trash).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)

    owner: Mapped[User | None] = relationship(foreign_keys="[Account.owner_id]")
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="account", order_by="Contact.last_name"
    )

    def __repr__(self) -> str:
        return f"<Account {self.name}>"


class Contact(TimestampMixin, TrashMixin, ImportedMixin, db.Model):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_name", "last_name", "first_name"),
        # Duplicate checks: the same full name within an account.
        Index("ix_contacts_account_name_key", "account_id", "name_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(60))
    mobile: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)

    account: Mapped[Account | None] = relationship(back_populates="contacts")
    owner: Mapped[User | None] = relationship(foreign_keys="[Contact.owner_id]")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __repr__(self) -> str:
        return f"<Contact {self.full_name}>"


@event.listens_for(Account, "before_insert")
@event.listens_for(Account, "before_update")
def _account_keys(mapper, connection, account: Account) -> None:
    account.name_key, account.core_key = name_key(account.name), core_key(account.name)


@event.listens_for(Contact, "before_insert")
@event.listens_for(Contact, "before_update")
def _contact_keys(mapper, connection, contact: Contact) -> None:
    contact.name_key = contact_key(contact.first_name, contact.last_name)
