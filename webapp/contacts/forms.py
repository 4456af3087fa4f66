"""Contact form: rendering, CSRF and typed-input keeping; the rules live in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField

from ..accounts.forms import owner_field


class ContactForm(FlaskForm):
    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    account_id = HiddenField()
    account_name = StringField(_l("Account"))
    title = StringField(_l("Job title"))
    email = EmailField(_l("Email"))
    phone = StringField(_l("Phone"))
    mobile = StringField(_l("Mobile"))
    notes = TextAreaField(_l("Notes"))
    owner_id = owner_field()
    updated_at = HiddenField()
