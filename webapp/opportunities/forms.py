from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class OpportunityForm(FlaskForm):
    """The full create form; domain rules are checked again in the service, which also reads
    the amount and the date in the user's locale (so they are plain text here)."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    account_id = HiddenField("Account")
    account_name = StringField("Account", validators=[Optional(), Length(max=200)])
    amount = StringField("Amount", validators=[Optional(), Length(max=64)])
    stage_id = SelectField("Stage", coerce=str, validators=[DataRequired()])
    close_date = StringField("Expected close date", validators=[Optional(), Length(max=64)])
