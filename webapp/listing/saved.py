"""Saved views: a named list state (filters and sort in ``query``, ``columns``) per list.

Who sees a view: its owner always; a shared view also every user who works in one of the
owner's business lines (the team), and admins. Only its owner (or an admin) renames,
updates or deletes it. Any user may make a view they see their default for that list: the
list opens with it when its URL carries no query parameters.
"""

from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, exists, or_, select

from .. import permissions
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..inputs import text
from ..models import SavedView, SavedViewDefault, User
from ..models.user import user_business_lines
from ..transactions import transactional

# Each list: its entity and the endpoint of its page.
LISTS = {
    "opportunity": "opportunities.index",
    "account": "accounts.index",
    "contact": "contacts.index",
    "lead": "leads.index",
}
# Query parameters a view never stores: the page cursor and the view itself.
TRANSIENT = ("after", "before", "last", "view", "col", "csrf_token", "name", "shared", "entity")
MAX_QUERY_VALUES = 200


def visible_clause(user: User):
    """WHERE clause: the views ``user`` may open."""
    return _visible(permissions.is_admin(user), user.id, user.business_line_ids or [0])


def _visible(admin: bool, user_id, line_ids):
    """The views a user (``user_id``, in business lines ``line_ids``: values or bound
    parameters) may open: their own, and the shared ones (an admin's: all of them; anyone
    else's: those of owners in one of their lines)."""
    if admin:
        return or_(SavedView.user_id == user_id, SavedView.shared.is_(True))
    owner_lines = user_business_lines.alias("owner_lines")
    same_team = exists(
        select(owner_lines.c.user_id).where(
            owner_lines.c.user_id == SavedView.user_id,
            owner_lines.c.business_line_id.in_(line_ids),
        )
    )
    return or_(SavedView.user_id == user_id, SavedView.shared.is_(True) & same_team)


def views_for(user: User, entity: str) -> list[SavedView]:
    """The views of one list the user may open: theirs first, then the team's, by name."""
    params = {"user_id": user.id, "entity": entity}
    admin = permissions.is_admin(user)
    if not admin:
        params["line_ids"] = sorted(user.business_line_ids) or [0]
    return list(db.session.scalars(_views_statement(admin), params))


@cache
def _views_statement(admin: bool):
    """``views_for``'s query, built once for admins and once for the others (its values
    bound per call): every list page runs it, and building it cost more than running it."""
    user_id = bindparam("user_id")
    visible = _visible(admin, user_id, bindparam("line_ids", expanding=True))
    return (
        select(SavedView)
        .where(SavedView.entity == bindparam("entity"), visible)
        .order_by(SavedView.user_id != user_id, SavedView.name, SavedView.id)
    )


def get_view(user: User, view_id: int | None, entity: str | None = None) -> SavedView:
    """A view the user may open; NotFound for one that does not exist or is someone else's
    private view (its existence is not revealed)."""
    view = db.session.scalars(
        select(SavedView).where(SavedView.id == (view_id or 0), visible_clause(user))
    ).first()
    if view is None or (entity and view.entity != entity):
        raise NotFound(_("This saved view does not exist."))
    return view


def can_change(user: User, view: SavedView) -> bool:
    return view.user_id == user.id or permissions.is_admin(user)


def _require_change(user: User, view: SavedView) -> None:
    permissions.require(
        can_change(user, view), _("Only the owner of this view or an administrator may change it.")
    )


def state_from(args) -> tuple[dict, list[dict] | None]:
    """(query, columns) to store from list query parameters (a MultiDict): every filter and
    the sort, without the cursor; the columns with their widths."""
    query: dict[str, list[str]] = {}
    count = 0
    for key in args:
        if key in TRANSIENT or key in ("cols", "widths") or len(key) > 40:
            continue
        values = [v for v in args.getlist(key) if v.strip()]
        count += len(values)
        if values and count <= MAX_QUERY_VALUES:
            query[key] = [text("query", v, max_len=200) for v in values]
    columns = None
    keys = [k for k in (args.get("cols") or "").split(",") if k.strip()][:40]
    if keys:
        widths = {}
        for part in (args.get("widths") or "").split(",")[:40]:
            key, _colon, width = part.partition(":")
            if width.isascii() and width.isdigit() and len(width) < 5:
                widths[key] = int(width)
        columns = [{"key": k[:60], "width": widths.get(k)} for k in keys]
    return query, columns


def args_of(view: SavedView) -> list[tuple[str, str]]:
    """The list query parameters that reproduce ``view`` (with ``view=<id>``)."""
    args = [(key, value) for key, values in (view.query or {}).items() for value in values]
    if view.columns:
        args.append(("cols", ",".join(c["key"] for c in view.columns)))
        widths = [f"{c['key']}:{c['width']}" for c in view.columns if c.get("width")]
        if widths:
            args.append(("widths", ",".join(widths)))
    args.append(("view", str(view.id)))
    return args


def _name(value) -> str:
    return text("name", value, max_len=120, required=True)


@transactional
def create_view(user: User, entity: str, name, args, shared: bool = False) -> SavedView:
    """Save the list state in ``args`` (a MultiDict of its query parameters) as a view."""
    if entity not in LISTS:
        raise NotFound(_("There is no such list."))
    query, columns = state_from(args)
    view = SavedView(
        user_id=user.id,
        entity=entity,
        name=_name(name),
        query=query,
        columns=columns,
        shared=bool(shared),
    )
    db.session.add(view)
    db.session.flush()
    return view


@transactional
def update_view(user: User, view_id: int, args) -> SavedView:
    """Replace a view's filters, sort and columns with the list state in ``args``."""
    view = get_view(user, view_id)
    _require_change(user, view)
    view.query, view.columns = state_from(args)
    return view


@transactional
def rename_view(user: User, view_id: int, name, shared: bool) -> SavedView:
    view = get_view(user, view_id)
    _require_change(user, view)
    view.name, view.shared = _name(name), bool(shared)
    if not view.shared:  # the team's defaults on it no longer open a view they cannot see
        db.session.execute(
            delete(SavedViewDefault).where(
                SavedViewDefault.view_id == view.id, SavedViewDefault.user_id != view.user_id
            )
        )
    return view


@transactional
def delete_view(user: User, view_id: int) -> str:
    """Delete a view (and the defaults on it); returns its entity."""
    view = get_view(user, view_id)
    _require_change(user, view)
    entity = view.entity
    db.session.execute(delete(SavedViewDefault).where(SavedViewDefault.view_id == view.id))
    db.session.delete(view)
    return entity


@transactional
def set_default(user: User, entity: str, view_id: int | None) -> None:
    """Make a view the user's default for its list; None: the list opens unfiltered."""
    if entity not in LISTS:
        raise ValidationError({"entity": _("There is no such list.")})
    current = db.session.get(SavedViewDefault, (user.id, entity))
    if view_id is None:
        if current is not None:
            db.session.delete(current)
        return
    view = get_view(user, view_id, entity)
    if current is None:
        db.session.add(SavedViewDefault(user_id=user.id, entity=entity, view_id=view.id))
    else:
        current.view_id = view.id


def default_view(user: User, entity: str) -> SavedView | None:
    """The view the user's list opens with, if it is still one they may see (one query)."""
    return db.session.scalars(
        select(SavedView)
        .join(SavedViewDefault, SavedViewDefault.view_id == SavedView.id)
        .where(
            SavedViewDefault.user_id == user.id,
            SavedViewDefault.entity == entity,
            visible_clause(user),
        )
    ).first()


def default_view_id(user: User, entity: str) -> int | None:
    return db.session.scalar(
        select(SavedViewDefault.view_id).where(
            SavedViewDefault.user_id == user.id, SavedViewDefault.entity == entity
        )
    )
