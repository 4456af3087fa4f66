"""Cloners: each part of a deal knows how to copy itself into a duplicate (Indico's model).

A cloner has a ``name``, a ``label`` for the dialog, the kinds it is selected for by default,
the names of the cloners it ``requires`` (they run first), and ``run(source, new, shared)``
that copies its part. ``shared`` holds the duplication options (``shared["options"]``: kind,
uplift factor, user) and what earlier cloners returned under their name. Plugins add their
own through the ``register_opportunity_cloners`` hook.
"""

import secrets
import shutil
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from webapp.extensions import db
from webapp.models import Document, Note, OpportunityAccount, OpportunityContact, OpportunityLine
from webapp.opportunities.services import sync_amount


class OpportunityCloner:
    """Base class: copies one part of ``source`` into ``new``."""

    name: str = ""
    label: str = ""
    requires: tuple[str, ...] = ()
    default_for: frozenset[str] = frozenset()

    def count(self, source) -> int | None:
        """How many items would be copied (shown in the dialog), or None when not countable."""
        return None

    def run(self, source, new, shared: dict) -> dict | None:
        """Copy the part; the returned dict is kept in ``shared[self.name]``."""
        raise NotImplementedError


ALL_KINDS = frozenset({"renewal", "upsell", "copy"})


class ContactsCloner(OpportunityCloner):
    name = "contacts"
    label = _l("Contacts with their roles")
    default_for = ALL_KINDS

    def count(self, source) -> int:
        return len(source.contact_links)

    def run(self, source, new, shared):
        new.primary_contact_id = source.primary_contact_id
        for link in source.contact_links:
            new.contact_links.append(OpportunityContact(contact_id=link.contact_id, role=link.role))
        return {"copied": len(source.contact_links)}


class PartnersCloner(OpportunityCloner):
    name = "partners"
    label = _l("Partners and competitors")
    default_for = ALL_KINDS

    def count(self, source) -> int:
        return len(source.account_links)

    def run(self, source, new, shared):
        for link in source.account_links:
            new.account_links.append(
                OpportunityAccount(account_id=link.account_id, role=link.role, note=link.note)
            )
        return {"copied": len(source.account_links)}


class LinesCloner(OpportunityCloner):
    """Product lines; a renewal's uplift raises their unit prices."""

    name = "lines"
    label = _l("Product lines")
    default_for = frozenset({"renewal", "copy"})

    def count(self, source) -> int:
        return len(source.lines)

    def run(self, source, new, shared):
        factor = shared["options"].get("uplift_factor") or Decimal(1)
        for position, line in enumerate(source.lines):
            new.lines.append(
                OpportunityLine(
                    product_id=line.product_id,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=(line.unit_price * factor).quantize(Decimal("0.01")),
                    discount=line.discount,
                    position=position,
                )
            )
        if source.lines:
            sync_amount(new, shared["options"]["user"])
        return {"copied": len(source.lines)}


class TagsCloner(OpportunityCloner):
    name = "tags"
    label = _l("Tags")
    default_for = ALL_KINDS

    def count(self, source) -> int:
        return len(source.tags)

    def run(self, source, new, shared):
        new.tags = list(source.tags)
        return {"copied": len(source.tags)}


class CustomFieldsCloner(OpportunityCloner):
    name = "custom"
    label = _l("Custom fields")
    default_for = ALL_KINDS

    def run(self, source, new, shared):
        new.custom = dict(source.custom) if source.custom else None
        return {"copied": len(source.custom or {})}


class NotesCloner(OpportunityCloner):
    name = "notes"
    label = _l("Notes")
    default_for = frozenset({"copy"})

    def count(self, source) -> int:
        return db.session.query(Note).filter(Note.opportunity_id == source.id).count()

    def run(self, source, new, shared):
        notes = db.session.query(Note).filter(Note.opportunity_id == source.id).all()
        for note in notes:
            db.session.add(
                Note(
                    opportunity_id=new.id,
                    author_id=note.author_id,
                    body=note.body,
                    pinned=note.pinned,
                )
            )
        return {"copied": len(notes)}


class DocumentsCloner(OpportunityCloner):
    """Documents: the stored file is copied under a new name, so each deal owns its files."""

    name = "documents"
    label = _l("Documents")
    default_for = frozenset({"copy"})

    def count(self, source) -> int:
        return db.session.query(Document).filter(Document.opportunity_id == source.id).count()

    def run(self, source, new, shared):
        folder = Path(current_app.config["UPLOAD_FOLDER"])
        docs = db.session.query(Document).filter(Document.opportunity_id == source.id).all()
        copied, missing, written = 0, [], shared.setdefault("files_written", [])
        for doc in docs:
            original = folder / doc.stored_name
            if not original.is_file():
                missing.append(doc.filename)
                continue
            stored_name = secrets.token_hex(16)
            shutil.copyfile(original, folder / stored_name)
            written.append(folder / stored_name)
            db.session.add(
                Document(
                    opportunity_id=new.id,
                    filename=doc.filename,
                    stored_name=stored_name,
                    content_type=doc.content_type,
                    size=doc.size,
                    uploaded_by_id=doc.uploaded_by_id,
                )
            )
            copied += 1
        return {"copied": copied, "missing": missing}


CORE_CLONERS = [
    ContactsCloner,
    PartnersCloner,
    LinesCloner,
    TagsCloner,
    CustomFieldsCloner,
    NotesCloner,
    DocumentsCloner,
]


def ordered(cloners: list[OpportunityCloner]) -> list[OpportunityCloner]:
    """Cloners sorted so that each runs after the ones it requires (stable otherwise)."""
    by_name = {c.name: c for c in cloners}
    done: dict[str, OpportunityCloner] = {}

    def visit(cloner, path=()):
        if cloner.name in done:
            return
        if cloner.name in path:
            raise ValueError(f"Cloners require each other in a circle: {path}")
        for required in cloner.requires:
            if required in by_name:
                visit(by_name[required], (*path, cloner.name))
        done[cloner.name] = cloner

    for cloner in cloners:
        visit(cloner)
    return list(done.values())
