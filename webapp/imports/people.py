"""Accounts, contacts and leads from rows."""

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.services import can_edit_account
from ..contacts.services import can_edit_contact
from ..extensions import db
from ..leads.services import can_convert_lead
from ..models import Account, Contact, Lead
from ..models.lead import LEAD_STATUSES
from .bulk import among
from .references import NewRow, Rejected, contact_key, core_key, name_key, row_id
from .writers import Writer, current_row


class AccountWriter(Writer):
    model = Account
    columns = ("name", "industry", "website", "phone", "email", "address", "city", "country",
               "description")  # fmt: skip

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        self.refs.load_accounts({v["name"] for v in rows if v.get("name")})

    def match(self, values: dict):
        if not values.get("name"):
            raise Rejected(self.label("name"), _("This field is required."))
        found = self.refs.account(values["name"], self.label("name"), 0, create=False)
        if isinstance(found, NewRow):
            raise Rejected(
                self.label("name"),
                _("The account “%(name)s” is already in the file.", name=values["name"]),
            )
        if found is not None:
            del values["name"]  # matched by its name: the name as stored stays
        return current_row(Account, found)

    def new(self, values: dict) -> NewRow:
        owner_id = self.resolve_owner(values)
        row = self.base_values(values)
        row.update(name=values["name"][:200], name_key=name_key(values["name"]),
                   core_key=core_key(values["name"]), owner_id=owner_id)  # fmt: skip
        new = NewRow(row)
        self.refs.accounts[row["name_key"]] = new
        self.refs.cores.setdefault(row["core_key"], new)
        return new

    def changes(self, current, values: dict) -> dict:
        if not can_edit_account(self.user, current):
            raise Rejected(None, _("You may not edit this account: it belongs to someone else."))
        changes = self.plain_changes(current, values)
        if "name" in changes:
            changes.update(name_key=name_key(changes["name"]), core_key=core_key(changes["name"]))
        if values.get("owner"):
            owner_id = self.resolve_owner(values)
            if owner_id != current.owner_id:
                changes["owner_id"] = owner_id
        return changes


class ContactWriter(Writer):
    model = Contact
    columns = ("first_name", "last_name", "email", "phone", "mobile", "title", "notes")

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        self.refs.load_accounts({v["account"] for v in rows if v.get("account")})
        names = set()
        for v in rows:
            account = v.get("account") and self.refs.accounts.get(name_key(v["account"]))
            if isinstance(account, int):
                names.add((account, contact_key(v.get("first_name"), v.get("last_name"))))
        self.refs.load_contacts({v["email"] for v in rows if v.get("email")}, names)

    def match(self, values: dict):
        if not values.get("last_name"):
            raise Rejected(self.label("last_name"), _("This field is required."))
        values["_account"] = None
        if values.get("account"):
            owner = self.refs.owner(values.get("owner"), self.label("owner"), None).id
            values["_account"] = self.refs.account(values["account"], self.label("account"), owner)
        found = None
        if values.get("email"):
            found = self.refs.contacts_by_email.get(values["email"].casefold())
        if found is None and isinstance(values["_account"], int):
            key = contact_key(values.get("first_name"), values["last_name"])
            found = self.refs.contacts_by_name.get((values["_account"], key))
        if isinstance(found, NewRow):
            raise Rejected(self.label("last_name"), _("This person is already in the file."))
        return current_row(Contact, found)

    def new(self, values: dict) -> NewRow:
        owner_id = self.resolve_owner(values)
        row = self.base_values(values)
        row.update(first_name=(values.get("first_name") or "")[:120],
                   last_name=values["last_name"][:120], owner_id=owner_id,
                   name_key=contact_key(values.get("first_name"), values["last_name"]),
                   account=values["_account"])  # fmt: skip
        new = NewRow(row)
        if values.get("email"):
            self.refs.contacts_by_email[values["email"].casefold()] = new
        if isinstance(values["_account"], int):
            self.refs.contacts_by_name[(values["_account"], row["name_key"])] = new
        return new

    def changes(self, current, values: dict) -> dict:
        if not can_edit_contact(self.user, current):
            raise Rejected(None, _("You may not edit this contact: it belongs to someone else."))
        changes = self.plain_changes(current, values)
        if "first_name" in changes or "last_name" in changes:
            changes["name_key"] = contact_key(
                changes.get("first_name", current.first_name),
                changes.get("last_name", current.last_name),
            )
        account = values.get("_account")
        if account is not None and account != current.account_id:
            changes["account_id"] = account
        if values.get("owner"):
            owner_id = self.resolve_owner(values)
            if owner_id != current.owner_id:
                changes["owner_id"] = owner_id
        return changes

    def write_inserts(self) -> None:
        accounts = [r.values.get("account") for r in self.inserts]
        accounts += [u["changes"].get("account_id") for u in self.updates]
        self.write_new_accounts(accounts)
        for u in self.updates:
            if "account_id" in u["changes"]:
                u["changes"]["account_id"] = row_id(u["changes"]["account_id"])
        self.write_new_contacts(self.inserts)


class LeadWriter(Writer):
    model = Lead
    columns = ("first_name", "last_name", "company", "email", "phone", "title", "description")

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        emails = {v["email"] for v in rows if v.get("email")}
        self.by_email = {}
        if emails:
            for lead_row in db.session.execute(
                select(Lead.__table__)
                .where(among(Lead.email, emails), Lead.deleted_at.is_(None))
                .order_by(Lead.id)
            ):
                self.by_email.setdefault(lead_row.email, lead_row)

    def _status(self, values: dict):
        text = values.get("status")
        if not text:
            return None
        status = " ".join(text.split()).casefold()
        if status not in LEAD_STATUSES or status == "converted":
            raise Rejected(self.label("status"), _("Unknown lead status “%(text)s”.", text=text))
        return status

    def match(self, values: dict):
        if not values.get("last_name"):
            raise Rejected(self.label("last_name"), _("This field is required."))
        return self.by_email.get(values.get("email")) if values.get("email") else None

    def new(self, values: dict) -> NewRow:
        row = self.base_values(values)
        lines = sorted(self.user.business_line_ids)
        row.update(first_name=(values.get("first_name") or "")[:120],
                   last_name=values["last_name"][:120], owner_id=self.resolve_owner(values),
                   source_id=self.refs.source(values.get("source"), self.label("source")),
                   status=self._status(values) or "new",
                   business_line_id=lines[0] if lines else None)  # fmt: skip
        return NewRow(row)

    def changes(self, current, values: dict) -> dict:
        if not can_convert_lead(self.user, current):
            raise Rejected(None, _("You may not change this lead."))
        changes = self.plain_changes(current, values)
        status = self._status(values)
        if status and status != current.status:
            changes["status"] = status
        if values.get("source"):
            source = self.refs.source(values["source"], self.label("source"))
            if source != current.source_id:
                changes["source_id"] = source
        if values.get("owner"):
            owner_id = self.resolve_owner(values)
            if owner_id != current.owner_id:
                changes["owner_id"] = owner_id
        return changes
