"""The Overview fields that edit inline: label, input kind, choices and display value."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..i18n.formats import day
from ..locale import N_, catalogue, current_locale
from ..locale import translate as _
from ..models import SALES_GROUP, Contact, Group, Opportunity, Source, Tag, User
from ..models.forecast import FORECAST_CATEGORY_LABELS
from ..models.user import user_business_lines, user_groups
from ..money import money
from ..parsing import editable

Choices = Callable[[Opportunity], list[tuple[str, str]]]


def _owners(opp: Opportunity) -> list[tuple[str, str]]:
    users = db.session.scalars(
        select(User)
        .join(user_groups, user_groups.c.user_id == User.id)
        .join(Group, Group.id == user_groups.c.group_id)
        .join(user_business_lines, user_business_lines.c.user_id == User.id)
        .where(
            Group.name == SALES_GROUP,
            User.active,
            user_business_lines.c.business_line_id == opp.business_line_id,
        )
        .order_by(User.name)
    )
    return [(str(u.id), u.name) for u in users]


def _contacts(opp: Opportunity) -> list[tuple[str, str]]:
    if opp.account_id is None:
        rows = [opp.primary_contact] if opp.primary_contact else []
    else:
        rows = db.session.scalars(
            select(Contact)
            .where(Contact.account_id == opp.account_id, Contact.deleted_at.is_(None))
            .order_by(Contact.last_name, Contact.first_name)
            .limit(500)
        ).all()
    return [("", "—")] + [(str(c.id), c.full_name) for c in rows]


def _sources(opp: Opportunity) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Source).where(Source.active).order_by(Source.name))
    return [("", "—")] + [(str(s.id), s.name) for s in rows]


def _tags(opp: Opportunity) -> list[tuple[str, str]]:
    return [(str(t.id), t.name) for t in db.session.scalars(select(Tag).order_by(Tag.name))]


def _categories(opp: Opportunity) -> list[tuple[str, str]]:
    return [("", _("Automatic (from probability)")), *_translated(FORECAST_CATEGORY_LABELS).items()]


def _translated(labels: dict[str, str]) -> dict[str, str]:
    return {key: _(label) for key, label in labels.items()}


@dataclass(frozen=True)
class Field:
    """``label`` and ``hint`` are English msgids: templates translate them."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, money, number, date, select, account, tags
    choices: Choices | None = None
    hint: str = ""


FIELDS = {
    f.name: f
    for f in (
        Field("name", N_("Name")),
        Field("account_id", N_("Account"), "account"),
        Field("primary_contact_id", N_("Primary contact"), "select", _contacts),
        Field("owner_id", N_("Owner"), "select", _owners),
        Field("amount", N_("Amount"), "money", hint=N_("Leave at 0 to follow the product lines.")),
        Field(
            "objective",
            N_("Objective"),
            "money",
            hint=N_("Your own estimate of the final value."),
        ),
        Field(
            "probability",
            N_("Probability"),
            "number",
            hint=N_("A percentage; empty: the stage's default."),
        ),
        Field("forecast_category", N_("Forecast category"), "select", _categories),
        Field("close_date", N_("Expected close"), "date"),
        Field("revenue_low", N_("Revenue range: low"), "money"),
        Field("revenue_high", N_("Revenue range: high"), "money"),
        Field("currency", N_("Currency")),
        Field("source_id", N_("Source"), "select", _sources),
        Field("tag_ids", N_("Tags"), "tags", _tags),
        Field("contract_start", N_("Contract start"), "date"),
        Field("contract_months", N_("Contract months"), "number"),
        Field("description", N_("Description"), "textarea"),
    )
}

_RELATIONS = {
    "account_id": "account",
    "primary_contact_id": "primary_contact",
    "owner_id": "owner",
    "source_id": "source",
}


def value(opp: Opportunity, name: str) -> str | list[str]:
    """The field's current value as an input holds it (tags: the list of ids)."""
    if name == "tag_ids":
        return [str(t.id) for t in opp.tags]
    if name in _RELATIONS:
        return str(getattr(opp, name) or "")
    current = getattr(opp, name)
    if current is None:
        return ""
    if name == "probability" and not opp.probability_overridden:
        return ""
    if FIELDS[name].kind == "money":
        return editable(current, current_locale())  # read back unchanged: 1500,50 in Italian
    return current.isoformat() if hasattr(current, "isoformat") else str(current)


def display(opp: Opportunity, name: str) -> str:
    """The field's current value as the page shows it."""
    if name == "tag_ids":
        return ", ".join(t.name for t in opp.tags) or "—"
    if name in _RELATIONS:
        related = getattr(opp, _RELATIONS[name])
        if getattr(related, "deleted_at", None) is not None:
            return "—"  # in the trash: not shown on the deal
        return getattr(related, "full_name", None) or getattr(related, "name", None) or "—"
    current = getattr(opp, name)
    if FIELDS[name].kind == "money":
        return money(current, opp.currency) if current is not None else "—"
    if name == "probability":
        shown = f"{money(current)}%"
        return shown if opp.probability_overridden else _("%(value)s (stage default)", value=shown)
    if name == "forecast_category":
        if current:
            return _(FORECAST_CATEGORY_LABELS.get(current, current))
        label = _(FORECAST_CATEGORY_LABELS[opp.effective_forecast_category])
        return _("%(category)s (automatic, from probability)", category=label)
    if current is None or current == "":
        return "—"
    if FIELDS[name].kind == "date":
        return day(current)
    if FIELDS[name].kind == "number":
        return money(current)
    return str(current)


EDIT_TITLE = N_("Edit %(field)s")


def edit_title(label: str) -> Markup:
    """The title of a field's edit button ("Edit amount"), as the template's ``_()`` writes
    it, worked out once per language and field: the Overview shows seventeen."""
    return _edit_title(current_locale(), label)


@lru_cache(maxsize=256)
def _edit_title(locale: str, label: str) -> Markup:
    field = Markup(catalogue().gettext(label)).lower()
    return Markup(catalogue().gettext(EDIT_TITLE)) % {"field": field}
