"""Lead forms: rendering, CSRF and typed-input keeping; the rules live in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField

from ..accounts.forms import owner_field


def choices(rows, label=lambda row: row.name, blank: str | None = "—") -> list:
    return ([("", blank)] if blank is not None else []) + [(str(r.id), label(r)) for r in rows]


class LeadForm(FlaskForm):
    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    company = StringField(_l("Company"))
    title = StringField(_l("Job title"))
    email = EmailField(_l("Email"))
    phone = StringField(_l("Phone"))
    source_id = SelectField(_l("Source"), coerce=str, validate_choice=False)
    business_line_id = SelectField(_l("Business line"), coerce=str, validate_choice=False)
    owner_id = owner_field()
    description = TextAreaField(_l("Description"))
    updated_at = HiddenField()  # the edit's concurrency token


class ConvertForm(FlaskForm):
    """Convert a lead: the account to link or create, and the new deal."""

    account_id = HiddenField()
    account_name = StringField(_l("Account"))
    name = StringField(_l("Deal name"))
    amount = StringField(_l("Amount"))
    stage_id = SelectField(_l("Stage"), coerce=str, validate_choice=False)
    close_date = StringField(_l("Expected close date"))
