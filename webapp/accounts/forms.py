"""Account forms: rendering, CSRF and typed-input keeping; the rules live in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField


def owner_field():
    return SelectField(_l("Owner"), coerce=str, validate_choice=False)


def set_owner_choices(form, users) -> None:
    form.owner_id.choices = [("", "—")] + [(str(u.id), u.name) for u in users]


class AccountForm(FlaskForm):
    name = StringField(_l("Name"))
    industry = StringField(_l("Industry"))
    website = StringField(_l("Website"))
    phone = StringField(_l("Phone"))
    email = EmailField(_l("Email"))
    address = TextAreaField(_l("Address"))
    city = StringField(_l("City"))
    country = StringField(_l("Country"))
    description = TextAreaField(_l("Description"))
    owner_id = owner_field()
    updated_at = HiddenField()


def stored_value(row, name: str) -> str:
    """The saved value of form field ``name`` as the form would show it."""
    if name == "account_name":
        return row.account.name if getattr(row, "account", None) else ""
    value = getattr(row, name, None)
    return "" if value is None else str(value)


def conflicts(form, row) -> list[tuple[str, str, str]]:
    """(label, saved now, your input) for each field where the saved row and the user's
    input differ: what a stale save shows next to the kept input."""
    rows = []
    for field in form:
        if field.type in ("HiddenField", "CSRFTokenField"):
            continue
        saved = stored_value(row, field.name)
        mine = "" if field.data is None else str(field.data).strip()
        if saved.strip() != mine:
            if field.name == "owner_id":
                saved = row.owner.name if row.owner else "—"
                mine = dict(field.choices or []).get(mine, "—")
            elif field.type == "SelectField":  # show the choices' labels, not ids
                labels = dict(field.choices or [])
                saved, mine = labels.get(saved, saved), labels.get(mine, mine)
            rows.append((field.label.text, saved or "—", mine or "—"))
    return rows
