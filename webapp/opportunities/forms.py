from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class OpportunityForm(FlaskForm):
    """The full create form; domain rules are checked again in the service."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    # Rendered by the account picker, not by hidden_tag(): one account_id per form.
    account_id = StringField("Account")
    account_name = StringField("Account", validators=[Optional(), Length(max=200)])
    amount = DecimalField("Amount", places=2, validators=[Optional(), NumberRange(min=0)])
    stage_id = SelectField("Stage", coerce=str, validators=[DataRequired()])
    close_date = DateField("Expected close date", validators=[Optional()])
