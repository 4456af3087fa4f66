"""The one permission policy: who may view, edit and delete what. Services call it.

Roles:
- Admins may do everything and see every deal.
- Managers may do everything within their business lines and see all of those lines' deals,
  whatever the line's visibility rule (they answer for the whole line).
- Sales users create deals in their business lines and edit the ones they own.
- Read-only users see what a sales user in their place would see and change nothing: every
  write is refused (``can_write``); their own settings (password, name, language, sessions,
  calendar feed, saved list views, board density) stay theirs to change.

Which deals of a business line a sales or read-only user sees follows the line's
``visibility`` rule (kept by admins on the admin page):
- ``all``: every deal of the line;
- ``team``: the deals owned by themselves, by the members and the manager of their team, and
  by the members of the teams they manage;
- ``own``: the deals they own, and those of the members of the teams they manage (a team's
  manager sees the team's deals).
Nobody sees the deals of a business line they do not belong to (admins excepted). What
hangs off a deal (activities, notes, quotes, renewals, the calendar feed) follows the deal.
Accounts and contacts (the shared address book) are seen by everyone, their deals by the rule;
leads follow their own rule (``leads.services.visible_leads``).
"""

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, event, false, or_, select, true, union_all
from sqlalchemy.orm import Session

from .errors import PermissionDenied
from .extensions import db
from .models import BusinessLine, Opportunity, Team, User
from .models.user import team_members

_SEEN = "owners_seen"  # session.info key: {(user id, rule): owner ids}, for one transaction


def is_admin(user: User) -> bool:
    return user.role == "admin"


def can_write(user: User) -> bool:
    """Everyone but read-only users may change the company's data."""
    return user.role != "readonly"


def require_write(user: User) -> None:
    require(can_write(user), _l("Your account is read-only: you may look but not change anything."))


def manages(user: User, business_line_id: int) -> bool:
    """Admin anywhere, or manager of that business line."""
    return is_admin(user) or (user.role == "manager" and business_line_id in user.business_line_ids)


def can_view_business_line(user: User, business_line_id: int) -> bool:
    return is_admin(user) or business_line_id in user.business_line_ids


def _line_rule(user: User, line: BusinessLine) -> str:
    """The visibility rule that applies to ``user`` in one of their lines."""
    return "all" if user.role == "manager" else line.visibility


def _owners_seen(user: User, rule: str) -> set[int]:
    """The owners whose deals ``user`` sees in a line with the ``team`` or ``own`` rule (read
    once per transaction: a team saved commits, and the next transaction reads it again)."""
    cache = db.session.info.setdefault(_SEEN, {})
    if (user.id, rule) not in cache:
        _read_owners_seen([user.id], rule)
    return cache[(user.id, rule)]


def _read_owners_seen(user_ids: Iterable[int], rule: str) -> None:
    """Fill the cache for ``user_ids`` under ``rule`` in one query: themselves, the members of
    the teams they manage and, for ``team``, their team's members and manager."""
    ids = list(user_ids)
    member, mate = team_members.alias("member"), team_members.alias("mate")
    pairs = [
        select(Team.manager_id, member.c.user_id)
        .join(member, member.c.team_id == Team.id)
        .where(Team.manager_id.in_(ids))
    ]
    if rule == "team":
        pairs.append(
            select(member.c.user_id, mate.c.user_id)
            .join(mate, mate.c.team_id == member.c.team_id)
            .where(member.c.user_id.in_(ids))
        )
        pairs.append(
            select(member.c.user_id, Team.manager_id)
            .join(Team, Team.id == member.c.team_id)
            .where(member.c.user_id.in_(ids), Team.manager_id.is_not(None))
        )
    cache = db.session.info.setdefault(_SEEN, {})
    found = {user_id: {user_id} for user_id in ids}
    for viewer, owner in db.session.execute(union_all(*pairs)):
        found[viewer].add(owner)
    cache.update({(user_id, rule): owners for user_id, owners in found.items()})


@event.listens_for(Session, "after_transaction_end")
def _forget_owners_seen(session, transaction) -> None:
    session.info.pop(_SEEN, None)


def who_may_view(users: Iterable[User], opp: Opportunity) -> list[User]:
    """The users among ``users`` who may view ``opp``, their teams read in one query."""
    users = list(users)
    line = db.session.get(BusinessLine, opp.business_line_id)
    if line is not None and line.visibility != "all":
        _read_owners_seen([u.id for u in users], line.visibility)
    return [u for u in users if can_view(u, opp)]


def can_view(user: User, opp: Opportunity) -> bool:
    if is_admin(user):
        return True
    line = next((bl for bl in user.business_lines if bl.id == opp.business_line_id), None)
    if line is None:
        return False
    rule = _line_rule(user, line)
    return rule == "all" or opp.owner_id in _owners_seen(user, rule)


def can_edit(user: User, opp: Opportunity) -> bool:
    if not can_write(user):
        return False
    return manages(user, opp.business_line_id) or (opp.owner_id == user.id and can_view(user, opp))


def can_edit_activity(user: User, opp: Opportunity, activity) -> bool:
    """The deal's editors, and the activity's assignee while they may see the deal."""
    return can_edit(user, opp) or (
        can_write(user) and activity.owner_id == user.id and can_view(user, opp)
    )


def can_delete(user: User, opp: Opportunity) -> bool:
    return manages(user, opp.business_line_id)


def can_edit_record(user: User, record) -> bool:
    """Accounts and contacts (the shared address book): admins, managers, and the record's
    owner (anyone who may write, for an unowned record)."""
    return can_write(user) and (
        user.role in ("admin", "manager") or record.owner_id in (None, user.id)
    )


def can_create_in(user: User, business_line_id: int) -> bool:
    return can_write(user) and can_view_business_line(user, business_line_id)


def visible_opportunities(user: User):
    """A WHERE clause limiting a query of Opportunity to what ``user`` may view."""
    return visible_rows(user, Opportunity.business_line_id, Opportunity.owner_id)


def visible_rows(user: User, line_column, owner_column):
    """A WHERE clause keeping the rows of deals ``user`` may view, given the columns holding
    their business line and owner (deals themselves, or the board's stored totals)."""
    if is_admin(user):
        return true()
    by_rule: dict[str, list[int]] = {"all": [], "team": [], "own": []}
    for line in user.business_lines:
        by_rule[_line_rule(user, line)].append(line.id)
    clauses = []
    if by_rule["all"]:
        clauses.append(line_column.in_(by_rule["all"]))
    for rule in ("team", "own"):
        if by_rule[rule]:
            clauses.append(
                and_(
                    line_column.in_(by_rule[rule]),
                    owner_column.in_(_owners_seen(user, rule)),
                )
            )
    return or_(*clauses) if clauses else false()


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
    require_write(user)
    require(can_edit(user, opp), "You may not edit this deal: it belongs to someone else.")


def can_view_team(user: User, team) -> bool:
    """A team's page: admins, and the team's manager."""
    return is_admin(user) or (team.manager_id is not None and team.manager_id == user.id)


def can_open_settings(user: User) -> bool:
    """The settings page: admins (everything) and managers (their business lines' tools)."""
    return user.role in ("admin", "manager")


def require_admin(user: User) -> None:
    require(is_admin(user), _("Only administrators may do that."))
