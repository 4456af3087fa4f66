"""The fields of each record kind as files carry them: one registry for import and export.

Each field has a key (a column of the model, or a reference such as ``account`` or ``stage``
resolved by name), the English header an export writes, and the other header names an
import recognises (Italian, and the names Vtiger, Pipedrive and Odoo exports use).
Custom fields (``CustomField``) join as ``custom.<key>`` with their label as header.
"""

from dataclasses import dataclass

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
    label: str
    kind: str = "text"
    aliases: tuple[str, ...] = ()
    required: bool = False


_EXTERNAL = DataField(
    "external_id", "External ID", "text", ("ID", "Id esterno", "Record ID", "ID esterno")
)
_OWNER = DataField(
    "owner",
    "Owner",
    "user",
    ("Proprietario", "Assegnato a", "Assigned To", "Salesperson", "Commerciale", "Responsabile"),
)
_DESCRIPTION = DataField("description", "Description", "text", ("Descrizione", "Note", "Notes"))

FIELDS: dict[str, tuple[DataField, ...]] = {
    "opportunity": (
        _EXTERNAL,
        DataField(
            "name",
            "Name",
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
            "Account",
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
            "Contact",
            "contact",
            ("Contatto", "Person", "Contact Name", "Contact person"),
        ),
        DataField("amount", "Amount", "money", ("Importo", "Valore", "Value", "Expected Revenue")),
        DataField("currency", "Currency", "text", ("Valuta",)),
        DataField("stage", "Stage", "stage", ("Fase", "Sales Stage", "Fase di vendita")),
        DataField("pipeline", "Pipeline", "pipeline", ("Pipeline di vendita",)),
        _OWNER,
        DataField(
            "close_date",
            "Close date",
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
        DataField("probability", "Probability", "percent", ("Probabilità", "Probability (%)")),
        DataField("status", "Status", "status", ("Stato",)),
        DataField(
            "forecast_category",
            "Forecast category",
            "forecast_category",
            ("Categoria previsione", "Categoria di previsione", "Forecast Category"),
        ),
        DataField("source", "Source", "source", ("Origine", "Fonte", "Lead Source")),
        DataField("tags", "Tags", "tags", ("Etichette", "Tag", "Labels", "Label")),
        DataField("lost_reason", "Lost reason", "lost_reason", ("Motivo perdita", "Lost Reason")),
        _DESCRIPTION,
    ),
    "account": (
        _EXTERNAL,
        DataField(
            "name",
            "Name",
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
        DataField("industry", "Industry", "text", ("Settore", "Industria")),
        DataField("website", "Website", "text", ("Sito web", "Sito", "Web")),
        DataField("phone", "Phone", "text", ("Telefono",)),
        DataField("email", "Email", "email", ("E-mail", "Posta elettronica")),
        DataField("address", "Address", "text", ("Indirizzo", "Street", "Via")),
        DataField("city", "City", "text", ("Città", "Comune")),
        DataField("country", "Country", "text", ("Paese", "Nazione", "Stato")),
        _OWNER,
        _DESCRIPTION,
    ),
    "contact": (
        _EXTERNAL,
        DataField("first_name", "First name", "text", ("Nome", "Given name", "First Name")),
        DataField(
            "last_name",
            "Last name",
            "text",
            ("Cognome", "Family name", "Last Name"),
            required=True,
        ),
        DataField("email", "Email", "email", ("E-mail", "Posta elettronica", "Email address")),
        DataField("phone", "Phone", "text", ("Telefono", "Office Phone", "Work phone")),
        DataField("mobile", "Mobile", "text", ("Cellulare", "Mobile Phone", "Cell")),
        DataField(
            "title", "Title", "text", ("Ruolo", "Job title", "Qualifica", "Titolo", "Job Position")
        ),
        DataField(
            "account",
            "Account",
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
        DataField("notes", "Notes", "text", ("Note", "Description", "Descrizione")),
    ),
    "lead": (
        _EXTERNAL,
        DataField("first_name", "First name", "text", ("Nome", "First Name")),
        DataField("last_name", "Last name", "text", ("Cognome", "Last Name"), required=True),
        DataField("company", "Company", "text", ("Azienda", "Organization", "Organizzazione")),
        DataField("email", "Email", "email", ("E-mail", "Posta elettronica")),
        DataField("phone", "Phone", "text", ("Telefono",)),
        DataField("title", "Title", "text", ("Ruolo", "Job title", "Qualifica")),
        DataField("source", "Source", "source", ("Origine", "Fonte", "Lead Source")),
        DataField("status", "Status", "text", ("Stato", "Lead Status")),
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
