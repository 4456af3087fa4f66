"""The fields of each record kind as files carry them: one registry for import and export.

Each field has a key (a column of the model, or a reference such as ``account`` or ``stage``
resolved by name), its label (a lazy string: the header an export writes, in the exporter's
language; ``english(label)`` gives the English one), and the other header names an import
recognises (Italian, and the names Vtiger, Pipedrive and Odoo exports use).
Custom fields (``CustomField``) join as ``custom.<key>`` with their label as header.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from .extensions import db
from .models import CustomField

ENTITIES = ("opportunity", "account", "contact", "lead")
# What a value is, for reading and writing it: text, email, money, percent, integer, date,
# and references resolved by name: account, contact, stage, pipeline, user, source, tags,
# lost_reason, status (a fixed word), forecast_category (a label or its code), choice (custom
# field choices).


@dataclass(frozen=True)
class DataField:
    key: str
    label: str  # a lazy string for the built-in fields, the label as typed for custom ones
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False


_EXTERNAL = DataField(
    "external_id", _l("External ID"), "text", ("ID", "Id esterno", "Record ID", "ID esterno")
)
_OWNER = DataField(
    "owner",
    _l("Owner"),
    "user",
    ("Proprietario", "Assegnato a", "Assigned To", "Salesperson", "Commerciale", "Responsabile"),
)
_DESCRIPTION = DataField("description", _l("Description"), "text", ("Descrizione", "Note", "Notes"))

FIELDS: dict[str, tuple[DataField, ...]] = {
    "opportunity": (
        _EXTERNAL,
        DataField(
            "name",
            _l("Name"),
            "text",
            (
                "Nome",
                "Deal",
                "Title",
                "Titolo",
                "Opportunity Name",
                "Opportunity",
                "Nome opportunità",
                "Deal name",
                "Potential Name",
                "Opportunità",
                "Trattativa",
            ),
            required=True,
        ),
        DataField(
            "account",
            _l("Account"),
            "account",
            (
                "Azienda",
                "Organization",
                "Organizzazione",
                "Company",
                "Cliente",
                "Account Name",
                "Nome azienda",
                "Customer",
                "Organization Name",
            ),
        ),
        DataField(
            "contact",
            _l("Contact"),
            "contact",
            ("Contatto", "Person", "Contact Name", "Contact person"),
        ),
        DataField(
            "amount", _l("Amount"), "money", ("Importo", "Valore", "Value", "Expected Revenue")
        ),
        DataField("currency", _l("Currency"), "text", ("Valuta",)),
        DataField("stage", _l("Stage"), "stage", ("Fase", "Sales Stage", "Fase di vendita")),
        DataField("pipeline", _l("Pipeline"), "pipeline", ("Pipeline di vendita",)),
        _OWNER,
        DataField(
            "close_date",
            _l("Close date"),
            "date",
            (
                "Data chiusura",
                "Data di chiusura",
                "Expected close date",
                "Expected Close Date",
                "Data di chiusura prevista",
                "Closing Date",
                "Expected Closing",
                "Data chiusura prevista",
            ),
        ),
        DataField("probability", _l("Probability"), "percent", ("Probabilità", "Probability (%)")),
        DataField("status", _l("Status"), "status", ("Stato",)),
        DataField(
            "forecast_category",
            _l("Forecast category"),
            "forecast_category",
            ("Categoria previsione", "Categoria di previsione", "Forecast Category"),
        ),
        DataField("source", _l("Source"), "source", ("Origine", "Fonte", "Lead Source")),
        DataField("tags", _l("Tags"), "tags", ("Etichette", "Tag", "Labels", "Label")),
        DataField(
            "lost_reason", _l("Lost reason"), "lost_reason", ("Motivo perdita", "Lost Reason")
        ),
        _DESCRIPTION,
    ),
    "account": (
        _EXTERNAL,
        DataField(
            "name",
            _l("Name"),
            "text",
            (
                "Nome",
                "Account Name",
                "Organization",
                "Organizzazione",
                "Azienda",
                "Ragione sociale",
                "Company",
            ),
            required=True,
        ),
        DataField("industry", _l("Industry"), "text", ("Settore", "Industria")),
        DataField("website", _l("Website"), "text", ("Sito web", "Sito", "Web")),
        DataField("phone", _l("Phone"), "text", ("Telefono",)),
        DataField("email", _l("Email"), "email", ("E-mail", "Posta elettronica")),
        DataField("address", _l("Address"), "text", ("Indirizzo", "Street", "Via")),
        DataField("city", _l("City"), "text", ("Città", "Comune")),
        DataField("country", _l("Country"), "text", ("Paese", "Nazione", "Stato")),
        _OWNER,
        _DESCRIPTION,
    ),
    "contact": (
        _EXTERNAL,
        DataField("first_name", _l("First name"), "text", ("Nome", "Given name", "First Name")),
        DataField(
            "last_name",
            _l("Last name"),
            "text",
            ("Cognome", "Family name", "Last Name"),
            required=True,
        ),
        DataField("email", _l("Email"), "email", ("E-mail", "Posta elettronica", "Email address")),
        DataField("phone", _l("Phone"), "text", ("Telefono", "Office Phone", "Work phone")),
        DataField("mobile", _l("Mobile"), "text", ("Cellulare", "Mobile Phone", "Cell")),
        DataField(
            "title",
            _l("Title"),
            "text",
            ("Ruolo", "Job title", "Qualifica", "Titolo", "Job Position"),
        ),
        DataField(
            "account",
            _l("Account"),
            "account",
            (
                "Azienda",
                "Organization",
                "Organizzazione",
                "Company",
                "Account Name",
                "Organization Name",
                "Company Name",
            ),
        ),
        _OWNER,
        DataField("notes", _l("Notes"), "text", ("Note", "Description", "Descrizione")),
    ),
    "lead": (
        _EXTERNAL,
        DataField("first_name", _l("First name"), "text", ("Nome", "First Name")),
        DataField("last_name", _l("Last name"), "text", ("Cognome", "Last Name"), required=True),
        DataField("company", _l("Company"), "text", ("Azienda", "Organization", "Organizzazione")),
        DataField("email", _l("Email"), "email", ("E-mail", "Posta elettronica")),
        DataField("phone", _l("Phone"), "text", ("Telefono",)),
        DataField("title", _l("Title"), "text", ("Ruolo", "Job title", "Qualifica")),
        DataField("source", _l("Source"), "source", ("Origine", "Fonte", "Lead Source")),
        DataField("status", _l("Status"), "text", ("Stato", "Lead Status")),
        _OWNER,
        _DESCRIPTION,
    ),
}


def fields_for(entity: str) -> list[DataField]:
    """The entity's fields, then its custom fields (``custom.<key>``) in their order."""
    custom = db.session.scalars(
        select(CustomField)
        .where(CustomField.entity == entity)
        .order_by(CustomField.position, CustomField.id)
    ).all()
    kinds = {"number": "money", "date": "date", "choice": "choice", "checkbox": "text"}
    return [
        *FIELDS[entity],
        *(DataField(f"custom.{c.key}", c.label, kinds.get(c.type, "text")) for c in custom),
    ]


def english(label) -> str:
    """The English words of a field's label (a lazy string's message), whatever the reader's
    language; a custom field's label as it is."""
    return getattr(label, "_args", (label,))[0] if isinstance(label, LazyString) else str(label)
