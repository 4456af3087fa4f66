"""The roles' names as people read them (the roles themselves: ``webapp.models.ROLES``)."""

from flask_babel import lazy_gettext as _l

from ..models import ROLES

LABELS = {
    "admin": _l("Administrator"),
    "manager": _l("Manager"),
    "sales": _l("Salesperson"),
    "readonly": _l("Read-only"),
}


def label(role: str) -> str:
    return str(LABELS.get(role, role))


def choices() -> list[tuple[str, str]]:
    return [(role, label(role)) for role in ROLES]
