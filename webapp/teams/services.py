"""Teams: a name, a manager and members; a user is in one team at most (joining a team leaves
the previous one). Admins keep them; a team's manager may look at their team. What a team
changes is who sees whose deals (``webapp.permissions``, the business lines' "team" rule)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import permissions
from ..audit import services as audit
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..inputs import text
from ..models import Team, User
from ..models.user import team_members
from ..transactions import transactional


def teams_for(user: User) -> list[Team]:
    """Every team for an admin; the teams they manage for anyone else (maybe none)."""
    query = select(Team).order_by(Team.name)
    if not permissions.is_admin(user):
        query = query.where(Team.manager_id == user.id)
    return list(db.session.scalars(query))


def get_team(user: User, team_id: int) -> Team:
    """The team, or NotFound; PermissionDenied unless ``user`` is an admin or its manager."""
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound(_l("This team does not exist."))
    permissions.require(permissions.can_view_team(user, team), _l("You may not see this team."))
    return team


def people() -> list[User]:
    """Who may manage or join a team: the active users, by name."""
    return list(db.session.scalars(select(User).where(User.active).order_by(User.name, User.id)))


def teams_of_people() -> dict[int, str]:
    """{user id: the name of their team}, in one query."""
    rows = db.session.execute(
        select(team_members.c.user_id, Team.name).join(Team, Team.id == team_members.c.team_id)
    )
    return dict(rows.all())


def _chosen_user(value) -> User | None:
    if value in (None, ""):
        return None
    found = None
    if str(value).isdigit() and len(str(value)) < 10:
        found = db.session.get(User, int(value))
    if found is None or not found.active:
        raise ValidationError({"manager_id": _l("Choose an active user as the manager.")})
    return found


def _chosen_members(values) -> list[User]:
    ids = {int(v) for v in values if str(v).isdigit() and len(str(v)) < 10}
    if len(ids) != len(set(values)):
        raise ValidationError({"member_ids": _l("Choose the members among the listed users.")})
    found = list(db.session.scalars(select(User).where(User.id.in_(ids), User.active)))
    if len(found) != len(ids):
        raise ValidationError({"member_ids": _l("Choose the members among the listed users.")})
    return found


def _name(value, team: Team | None) -> str:
    name = text("name", value, max_len=120, required=True)
    taken = select(Team.id).where(func.lower(Team.name) == name.lower())
    if team is not None:
        taken = taken.where(Team.id != team.id)
    if db.session.scalar(taken) is not None:
        raise ValidationError({"name": _l("Another team already has this name.")})
    return name


@transactional
def save_team(user: User, team: Team | None, data: dict) -> Team:
    """Create (``team`` None) or change a team: its name, manager (``manager_id``, may be
    empty) and members (``member_ids``); members of another team move to this one."""
    permissions.require_admin(user)
    errors = {}
    values = {}
    for key, read in (
        ("name", lambda: _name(data.get("name"), team)),
        ("manager", lambda: _chosen_user(data.get("manager_id"))),
        ("members", lambda: _chosen_members(data.get("member_ids") or [])),
    ):
        try:
            values[key] = read()
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    created = team is None
    if created:
        team = Team(name=values["name"])
        db.session.add(team)
    team.name, team.manager = values["name"], values["manager"]
    chosen = values["members"]
    others = select(Team).join(team_members).where(
        team_members.c.user_id.in_([m.id for m in chosen]), Team.id != team.id
    )
    for other in db.session.scalars(others).unique():  # a person is in one team at most
        other.members = [m for m in other.members if m not in chosen]
    db.session.flush()  # they leave their teams before joining this one
    team.members = chosen
    manager = values["manager"].email if values["manager"] else "-"
    audit.record(
        "team_saved",
        user=user,
        detail=f"{team.name}: manager {manager}, {len(values['members'])} members"
        + (" (new)" if created else ""),
    )
    return team


@transactional
def delete_team(user: User, team: Team) -> str:
    """Delete the team (its members stay, in no team); returns its name."""
    permissions.require_admin(user)
    name = team.name
    db.session.delete(team)
    audit.record("team_deleted", user=user, detail=name)
    return name
