"""Contact form: rendering, CSRF and typed-input keeping; the rules live in the services."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField

from ..accounts.forms import owner_field


class ContactForm(FlaskForm):
    first_name = StringField("First name")
    last_name = StringField("Last name")
    account_id = HiddenField()
    account_name = StringField("Account")
    title = StringField("Job title")
    email = EmailField("Email")
    phone = StringField("Phone")
    mobile = StringField("Mobile")
    notes = TextAreaField("Notes")
    owner_id = owner_field()
    updated_at = HiddenField()
