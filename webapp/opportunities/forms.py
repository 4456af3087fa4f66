from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation


def finite(form, field) -> None:
    """Stop at NaN or infinity (``sNaN`` cannot even be compared with NumberRange's bounds)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Enter an amount such as 12500 or 12500.50.")


class OpportunityForm(FlaskForm):
    """The full create form; domain rules are checked again in the service."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    account_id = HiddenField("Account")
    account_name = StringField("Account", validators=[Optional(), Length(max=200)])
    amount = DecimalField("Amount", places=2, validators=[Optional(), finite, NumberRange(min=0)])
    stage_id = SelectField("Stage", coerce=str, validators=[DataRequired()])
    close_date = DateField("Expected close date", validators=[Optional()])
