from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class OpportunityForm(FlaskForm):
    """The full create form; domain rules are checked again in the service, which also reads
    the amount and the date in the user's locale (so they are plain text here)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    # Rendered by the account picker, not by hidden_tag(): one account_id per form.
    account_id = StringField(_l("Account"))
    account_name = StringField(_l("Account"), validators=[Optional(), Length(max=200)])
    amount = StringField(_l("Amount"), validators=[Optional(), Length(max=64)])
    stage_id = SelectField(_l("Stage"), coerce=str, validators=[DataRequired()])
    close_date = StringField(_l("Expected close date"), validators=[Optional(), Length(max=64)])
