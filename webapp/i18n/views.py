"""The language switcher: ``POST /language``."""

from flask import Blueprint, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guard import public
from ..errors import DomainError
from ..inputs import safe_local_path
from . import SESSION_KEY, chosen, keep_user_language

bp = Blueprint("i18n", __name__)


@bp.post("/language")
@public
def switch_language():
    """Remember the chosen language (on the user when signed in) and go back."""
    code = chosen(request.form.get("locale"))
    if code is None:
        raise DomainError(_("Choose one of the languages offered."))
    session[SESSION_KEY] = code
    if current_user.is_authenticated:
        keep_user_language(current_user, code)
    return redirect(safe_local_path(request.form.get("next")))
