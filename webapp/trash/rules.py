"""Who may put what in the trash, see it there, restore it and purge it.

- Deals: trashing and restoring follow ``permissions.can_delete`` (admins, and managers of
  the deal's business line); the trash shows the deals the user may view.
- Accounts and contacts are the shared address book: every user sees them in the trash;
  admins, managers and the record's owner may trash and restore them (an unowned record:
  admins and managers only, since trashing it hides it from everyone).
- Leads: whoever may change the lead (``leads.services.can_convert_lead``) trashes and
  restores it; the trash shows the leads the user may view.
- Purging (deleting for good) is for admins only.
"""

from sqlalchemy import true

from .. import permissions
from ..leads.services import can_convert_lead, visible_leads
from ..models import Account, Contact, Lead, Opportunity, User


def _owner_or_manager(user: User, row) -> bool:
    return permissions.can_write(user) and (
        user.role in ("admin", "manager") or row.owner_id == user.id
    )


def can_trash(user: User, row) -> bool:
    """May ``user`` move ``row`` to the trash, or back out of it."""
    if isinstance(row, Opportunity):
        return permissions.can_delete(user, row)
    if isinstance(row, Lead):
        return can_convert_lead(user, row)
    return _owner_or_manager(user, row)


def can_purge(user: User) -> bool:
    return permissions.is_admin(user)


def visible(user: User, model):
    """A WHERE clause limiting ``model`` rows to what ``user`` may see (in or out of the trash)."""
    if model is Opportunity:
        return permissions.visible_opportunities(user)
    if model is Lead:
        return visible_leads(user)
    assert model in (Account, Contact)
    return true()
