"""Owner rules [seed 001]: only members of the sales group own deals; settings decide whether
the owner of a deal and the owner of its (primary) contact stay in sync, separately for open
and closed deals (closed ones usually not, so history shows who owned the deal).

The core calls these through its own ``opportunity_saved`` and ``contact_saved`` hook
implementations (``webapp/default_hooks.py``), inside the caller's transaction.
"""

from sqlalchemy import select

from .. import permissions
from ..audit import services as audit
from ..extensions import db
from ..models import SALES_GROUP, Contact, Group, Opportunity, Setting, User
from ..timeline.services import record
from ..transactions import transactional

SYNC_OPEN = "owners.sync_open"
SYNC_CLOSED = "owners.sync_closed"
DEFAULTS = {SYNC_OPEN: True, SYNC_CLOSED: False}


def sync_settings() -> dict[str, bool]:
    """``{"open": bool, "closed": bool}``: whether owners stay in sync for open/closed deals."""
    rows = dict(
        db.session.execute(
            select(Setting.key, Setting.value).where(
                Setting.key.in_(DEFAULTS), Setting.business_line_id.is_(None)
            )
        ).all()
    )
    values = {key: bool(rows.get(key, default)) for key, default in DEFAULTS.items()}
    return {"open": values[SYNC_OPEN], "closed": values[SYNC_CLOSED]}


@transactional
def save_sync_settings(user: User, *, open_deals: bool, closed_deals: bool) -> dict[str, bool]:
    """Admins choose whether owners stay in sync for open and for closed deals."""
    permissions.require_admin(user)
    for key, value in ((SYNC_OPEN, open_deals), (SYNC_CLOSED, closed_deals)):
        setting = db.session.scalar(
            select(Setting).where(Setting.key == key, Setting.business_line_id.is_(None))
        )
        if setting is None:
            db.session.add(Setting(key=key, business_line_id=None, value=bool(value)))
        else:
            setting.value = bool(value)
    audit.record(
        "settings_changed",
        user=user,
        detail=f"owner sync: open deals {bool(open_deals)}, closed deals {bool(closed_deals)}",
    )
    return sync_settings()


def can_own(user: User | None, business_line_id: int) -> bool:
    """An owner is an active member of the sales group who works in the business line (and
    may write: read-only users own nothing)."""
    return bool(
        user is not None
        and user.active
        and permissions.can_write(user)
        and user.in_group(SALES_GROUP)
        and permissions.can_view_business_line(user, business_line_id)
    )


def eligible_owners(business_line_id: int | None = None) -> list[User]:
    """Active members of the sales group (working in the business line, when given), by name;
    read-only users left out."""
    query = (
        select(User)
        .join(User.groups)
        .where(Group.name == SALES_GROUP, User.active.is_(True), User.role != "readonly")
        .order_by(User.name)
    )
    users = db.session.scalars(query).unique().all()
    if business_line_id is None:
        return list(users)
    return [u for u in users if can_own(u, business_line_id)]


def _syncs(opp: Opportunity, settings: dict[str, bool]) -> bool:
    return settings["open"] if opp.status == "open" else settings["closed"]


def opportunity_owner_changed(opp: Opportunity, user: User | None, created: bool) -> None:
    """After a deal's owner was set: its primary contact takes the same owner (when the
    settings sync deals of its status), and so do the contact's other synced deals.
    A new deal gives its owner only to a contact that has none yet."""
    contact = opp.primary_contact
    if contact is None or contact.owner_id == opp.owner_id:
        return
    if created and contact.owner_id is not None:
        return
    if not _syncs(opp, sync_settings()):
        return
    old = contact.owner
    contact.owner = opp.owner
    from ..plugins import hook

    hook("contact_saved")(contact=contact, changes={"owner_id": (old, opp.owner)}, user=user)


def contact_owner_changed(contact: Contact, user: User | None) -> list[Opportunity]:
    """After a contact's owner changed: the contact's deals (as primary contact) follow, for
    the statuses the settings sync, when the new owner may own them. Each change is written
    to the deal's timeline. Returns the deals that changed."""
    db.session.flush()  # the caller may have set the relation or the id
    new_owner = db.session.get(User, contact.owner_id) if contact.owner_id else None
    if new_owner is None:
        return []
    settings = sync_settings()
    if not (settings["open"] or settings["closed"]):
        return []
    deals = db.session.scalars(
        select(Opportunity).where(
            Opportunity.primary_contact_id == contact.id,
            Opportunity.deleted_at.is_(None),
            Opportunity.owner_id != new_owner.id,
        )
    ).all()
    changed = []
    for opp in deals:
        if not _syncs(opp, settings) or not can_own(new_owner, opp.business_line_id):
            continue
        old = opp.owner
        opp.owner = new_owner
        if user is not None:
            opp.updated_by_id = user.id
        record(
            opp,
            user,
            "updated",
            field="owner_id",
            old=old,
            new=new_owner,
            message=f"Owner follows the owner of {contact.full_name}",
        )
        changed.append(opp)
    return changed
