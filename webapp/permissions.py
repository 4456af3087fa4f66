"""The one permission policy: who may view, edit and delete what. Services call it.

Admins may do everything. Managers may do everything within their business lines.
Sales users view the deals of their business lines and edit the ones they own.
"""

from flask_babel import gettext as _
from sqlalchemy import and_, false, true

from .errors import PermissionDenied
from .models import Opportunity, User


def is_admin(user: User) -> bool:
    return user.role == "admin"


def manages(user: User, business_line_id: int) -> bool:
    """Admin anywhere, or manager of that business line."""
    return is_admin(user) or (user.role == "manager" and business_line_id in user.business_line_ids)


def can_view_business_line(user: User, business_line_id: int) -> bool:
    return is_admin(user) or business_line_id in user.business_line_ids


def can_view(user: User, opp: Opportunity) -> bool:
    return can_view_business_line(user, opp.business_line_id)


def can_edit(user: User, opp: Opportunity) -> bool:
    return manages(user, opp.business_line_id) or (opp.owner_id == user.id and can_view(user, opp))


def can_edit_activity(user: User, opp: Opportunity, activity) -> bool:
    """The deal's editors, and the activity's assignee while they may see the deal."""
    return can_edit(user, opp) or (activity.owner_id == user.id and can_view(user, opp))


def can_delete(user: User, opp: Opportunity) -> bool:
    return manages(user, opp.business_line_id)


def can_create_in(user: User, business_line_id: int) -> bool:
    return can_view_business_line(user, business_line_id)


def visible_opportunities(user: User):
    """A WHERE clause limiting a query of Opportunity to what ``user`` may view."""
    if is_admin(user):
        return true()
    ids = user.business_line_ids
    return Opportunity.business_line_id.in_(ids) if ids else false()


def visible_activities(user: User):
    """A WHERE clause limiting a query of Activity joined to its Opportunity to what
    ``user`` may view: the activities of the deals they may view (not in the trash)."""
    return and_(visible_opportunities(user), Opportunity.deleted_at.is_(None))


def require(allowed: bool, message: str = "You are not allowed to do that.") -> None:
    if not allowed:
        raise PermissionDenied(message)


def require_view(user: User, opp: Opportunity) -> None:
    require(can_view(user, opp), "You may not see this deal.")


def require_edit(user: User, opp: Opportunity) -> None:
    require(can_edit(user, opp), "You may not edit this deal: it belongs to someone else.")


def can_open_settings(user: User) -> bool:
    """The settings page: admins (everything) and managers (their business lines' tools)."""
    return user.role in ("admin", "manager")


def require_admin(user: User) -> None:
    require(is_admin(user), _("Only administrators may do that."))
