"""Lead forms: rendering, CSRF and typed-input keeping; the rules live in the services."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField

from ..accounts.forms import owner_field


def choices(rows, label=lambda row: row.name, blank: str | None = "—") -> list:
    return ([("", blank)] if blank is not None else []) + [(str(r.id), label(r)) for r in rows]


class LeadForm(FlaskForm):
    first_name = StringField("First name")
    last_name = StringField("Last name")
    company = StringField("Company")
    title = StringField("Job title")
    email = EmailField("Email")
    phone = StringField("Phone")
    source_id = SelectField("Source", coerce=str, validate_choice=False)
    business_line_id = SelectField("Business line", coerce=str, validate_choice=False)
    owner_id = owner_field()
    description = TextAreaField("Description")
    updated_at = HiddenField()  # the edit's concurrency token


class ConvertForm(FlaskForm):
    """Convert a lead: the account to link or create, and the new deal."""

    account_id = HiddenField()
    account_name = StringField("Account")
    name = StringField("Deal name")
    amount = StringField("Amount")
    stage_id = SelectField("Stage", coerce=str, validate_choice=False)
    close_date = StringField("Expected close date")
