"""The timeline in the reader's language. Entries keep English field names and messages
(old entries too, whoever wrote them); they are translated when shown: field names by a
table, messages by the shapes the services write (``Uploaded offer.pdf`` -> "Caricato
offer.pdf"). A message of another shape (a note's text, a plugin's) shows as stored."""

import re

from ..i18n.formats import local_digits
from ..locale import N_
from ..locale import translate as gettext

FIELD_LABELS = {
    "name": N_("Name"),
    "account": N_("Account"),
    "primary_contact": N_("Primary contact"),
    "contact": N_("Contact"),
    "owner": N_("Owner"),
    "amount": N_("Amount"),
    "objective": N_("Objective"),
    "probability": N_("Probability"),
    "forecast_category": N_("Forecast category"),
    "close_date": N_("Expected close"),
    "revenue_low": N_("Revenue range: low"),
    "revenue_high": N_("Revenue range: high"),
    "currency": N_("Currency"),
    "source": N_("Source"),
    "tags": N_("Tags"),
    "contract_start": N_("Contract start"),
    "contract_months": N_("Contract months"),
    "description": N_("Description"),
    "stage": N_("Stage"),
    "pipeline": N_("Pipeline"),
    "lost_reason": N_("Lost reason"),
    "role": N_("Role"),
    "quantity": N_("Quantity"),
    "unit_price": N_("Unit price"),
    "discount": N_("Discount"),
    "subtotal": N_("Subtotal"),
}

ACTIONS = {  # an entry without a message shows its action
    "created": N_("Created"),
    "updated": N_("Updated"),
    "stage": N_("Stage changed"),
    "won": N_("Closed won"),
    "lost": N_("Closed lost"),
    "reopened": N_("Reopened"),
    "deleted": N_("Moved to the trash"),
    "restored": N_("Restored from the trash"),
}

_ANY = r"(?P<{}>.+)"
# (action or None for any, message shape with {name} for a value, the msgid).
_SHAPES = (
    ("created", "Created in {stage}", N_("Created in %(stage)s")),
    ("document", "Uploaded {name}", N_("Uploaded %(name)s")),
    ("line", "Added {line} x {quantity}", N_("Added %(line)s x %(quantity)s")),
    ("line", "Changed {line}", N_("Changed %(line)s")),
    ("line", "Removed {line}", N_("Removed %(line)s")),
    ("note", "Pinned a note", N_("Pinned a note")),
    ("note", "Unpinned a note", N_("Unpinned a note")),
    ("contact", "Added {name} ({role})", N_("Added %(name)s (%(role)s)")),
    ("contact", "Role of {name}", N_("Role of %(name)s")),
    ("contact", "Removed {name}", N_("Removed %(name)s")),
    ("partner", "Added partner {account}", N_("Added partner %(account)s")),
    ("partner", "Removed partner {account}", N_("Removed partner %(account)s")),
    ("competitor", "Added competitor {account}", N_("Added competitor %(account)s")),
    ("competitor", "Removed competitor {account}", N_("Removed competitor %(account)s")),
    ("activity", "Planned {kind}: {subject}", N_("Planned %(kind)s: %(subject)s")),
    ("activity", "Completed {kind}: {subject}", N_("Completed %(kind)s: %(subject)s")),
    ("activity", "Rescheduled {kind}: {subject}", N_("Rescheduled %(kind)s: %(subject)s")),
    (None, "Amount follows the product lines", N_("Amount follows the product lines")),
    (None, "Amount taken from the accepted quote", N_("Amount taken from the accepted quote")),
    (None, "Duplicate merged", N_("Duplicate merged")),
    (None, "Owner follows the owner of {name}", N_("Owner follows the owner of %(name)s")),
    (None, "Converted from lead {name}", N_("Converted from lead %(name)s")),
    # The renewals plugin's duplication (its kind: Renewal, Upsell, Copy, in its catalogue).
    ("duplicated", "{kind} of “{name}”", N_("%(kind)s of “%(name)s”")),
    ("duplicated", "{kind} created", N_("%(kind)s created")),
    (None, "Closed won", N_("Closed won")),
    (None, "Closed lost", N_("Closed lost")),
    (None, "Reopened", N_("Reopened")),
    (None, "Moved to the trash", N_("Moved to the trash")),
    (None, "Restored from the trash", N_("Restored from the trash")),
)
_WORDS = {"role", "kind"}
_NUMBERS = {
    "quantity"
}  # written in the reader's digits  # values that are English labels themselves (a contact's role)


def pattern(shape: str) -> re.Pattern:
    """A message shape (``Uploaded {name}``) as a regular expression with a group a value."""
    parts = re.split(r"\{(\w+)\}", shape)
    return re.compile(
        "".join(_ANY.format(part) if i % 2 else re.escape(part) for i, part in enumerate(parts))
    )


_BY_ACTION: dict[str | None, list[tuple[re.Pattern, str]]] = {}
for _action, _shape, _msgid in _SHAPES:
    _BY_ACTION.setdefault(_action, []).append((pattern(_shape), _msgid))


def field_label(field: str | None) -> str:
    """A stored field name (``close_date``, ``owner_id``) as the reader calls it."""
    if not field:
        return ""
    key = field.removesuffix("_id")
    label = FIELD_LABELS.get(key)
    return gettext(label) if label else key.replace("_", " ")


def message(entry) -> str:
    """The entry's message (else its action) in the reader's language."""
    text = entry.message
    if not text:
        label = ACTIONS.get(entry.action)
        return gettext(label) if label else entry.action.replace("_", " ").capitalize()
    for pattern, msgid in (*_BY_ACTION.get(entry.action, ()), *_BY_ACTION[None]):
        found = pattern.fullmatch(text)
        if found:
            values = {
                key: gettext(value)
                if key in _WORDS
                else local_digits(value)
                if key in _NUMBERS
                else value
                for key, value in found.groupdict().items()
            }
            return gettext(msgid, **values)
    return text
