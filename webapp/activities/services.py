"""Activities across deals: the list at /activities (buckets by due date), the week
calendar, and the one activity a row or a calendar chip acts on. Each page is a fixed
number of queries whatever its rows (the deal, its account, the assignee, the contact are
joined, not lazy-loaded)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from .. import permissions
from ..errors import NotFound
from ..extensions import db
from ..inputs import control_characters, integer
from ..models import Activity, Opportunity, User
from ..models._base import utcnow

LIMIT = 100  # rows a list shows; the rest by narrowing the filters
# The days whose week, and the weeks before and after it, the calendar can show.
SHOWN_DAYS = (date.min + timedelta(days=14), date.max - timedelta(days=14))
CELL_CHIPS = 4  # activities a calendar cell shows; "+N more" for the others
BUCKETS = (
    ("overdue", _l("Overdue")),
    ("today", _l("Today")),
    ("week", _l("This week")),
    ("later", _l("Later")),
)
DAY_HOURS = range(7, 21)  # the calendar's rows; earlier and later times sit in the first/last


def no_open_activity():
    """A WHERE clause on Opportunity: deals without an open (not done) activity."""
    open_activity = select(Activity.id).where(
        Activity.opportunity_id == Opportunity.id, Activity.done.is_(False)
    )
    return ~open_activity.exists()


@dataclass
class ActivityFilters:
    """What /activities narrows to; lives in the query string."""

    owner: str = "me"  # "me", "all" (everything the user may see) or a user id
    kind: str = ""
    opportunity_id: int | None = None
    done: bool = False

    @classmethod
    def from_args(cls, args) -> "ActivityFilters":
        owner = (args.get("owner") or "me").strip()
        if owner not in ("me", "all"):
            owner = str(integer(owner, minimum=1) or "me")
        kind = (args.get("type") or "").strip()
        return cls(
            owner=owner,
            kind=kind if len(kind) <= 30 and not control_characters(kind) else "",
            opportunity_id=integer(args.get("deal"), minimum=1),
            done=args.get("show") == "done",
        )

    def query_args(self, **changes) -> dict:
        values = {
            "owner": self.owner,
            "type": self.kind or None,
            "deal": self.opportunity_id,
            "show": "done" if self.done else None,
            **changes,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}

    def query_string(self, **changes) -> str:
        return urlencode(self.query_args(**changes))


def _visible(user: User):
    """Activities of the deals ``user`` may see, with deal, account, assignee and contact."""
    return (
        select(Activity)
        .join(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(permissions.visible_activities(user))
        .options(
            contains_eager(Activity.opportunity).joinedload(Opportunity.account),
            joinedload(Activity.owner),
            joinedload(Activity.contact),
        )
    )


def _owned(query, user: User, owner: str):
    if owner == "me":
        return query.where(Activity.owner_id == user.id)
    if owner.isdigit():
        return query.where(Activity.owner_id == int(owner))
    return query


def list_activities(user: User, filters: ActivityFilters) -> list[Activity]:
    """Open activities by due date (undated last), or done ones, latest first."""
    query = _owned(_visible(user), user, filters.owner).where(Activity.done.is_(filters.done))
    if filters.kind:
        query = query.where(Activity.kind == filters.kind)
    if filters.opportunity_id:
        query = query.where(Activity.opportunity_id == filters.opportunity_id)
    if filters.done:
        query = query.order_by(Activity.done_at.desc(), Activity.id.desc())
        return list(db.session.scalars(query.limit(LIMIT)).unique())
    # Dated ones in the order of the (owner, done, due) index, then the undated ones: two
    # queries that read the first rows only, where one ORDER BY "due_at IS NULL" sorted all.
    dated = query.where(Activity.due_at.is_not(None)).order_by(Activity.due_at, Activity.id)
    rows = list(db.session.scalars(dated.limit(LIMIT)).unique())
    undated = query.where(Activity.due_at.is_(None)).order_by(Activity.id)
    return rows + list(db.session.scalars(undated.limit(LIMIT - len(rows))).unique())


def bucket_of(activity: Activity, now: datetime) -> str:
    """overdue (due before now), today, week (until Sunday) or later (and undated)."""
    due = activity.due_at
    if due is None:
        return "later"
    if due < now:
        return "overdue"
    today = now.date()
    if due.date() == today:
        return "today"
    if due.date() <= today + timedelta(days=6 - today.weekday()):
        return "week"
    return "later"


def buckets(activities: list[Activity], now: datetime | None = None) -> list[tuple]:
    """``(key, label, activities)`` for each bucket, in order."""
    now = now or utcnow()
    grouped: dict[str, list] = {key: [] for key, _ in BUCKETS}
    for activity in activities:
        grouped[bucket_of(activity, now)].append(activity)
    return [(key, label, grouped[key]) for key, label in BUCKETS]


def get_activity(user: User, activity_id: int) -> Activity:
    """An activity ``user`` may see (404 otherwise: its existence is not told)."""
    activity = db.session.scalar(_visible(user).where(Activity.id == activity_id))
    if activity is None:
        raise NotFound(_("This activity does not exist."))
    return activity


def monday_of(value) -> date:
    """The Monday of the week of ``value`` (``YYYY-MM-DD`` or a date); this week by default,
    also for a day whose week or its neighbours fall outside the calendar (0001, 9999)."""
    day = None
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
    if day is None or not SHOWN_DAYS[0] <= day <= SHOWN_DAYS[1]:
        day = utcnow().date()
    return day - timedelta(days=day.weekday())


@dataclass
class Week:
    monday: date
    days: list[date]
    # (day index, hour) -> the activities that start then, in time order
    cells: dict[tuple[int, int], list[Activity]]

    @property
    def previous(self) -> str:
        return (self.monday - timedelta(days=7)).isoformat()

    @property
    def next(self) -> str:
        return (self.monday + timedelta(days=7)).isoformat()


def week(user: User, monday: date) -> Week:
    """The user's own activities (open and done) due in the week starting ``monday``."""
    start = datetime.combine(monday, time())
    query = (
        _owned(_visible(user), user, "me")
        .where(Activity.due_at >= start, Activity.due_at < start + timedelta(days=7))
        .order_by(Activity.due_at, Activity.id)
    )
    cells: dict[tuple[int, int], list[Activity]] = {}
    first, last = DAY_HOURS[0], DAY_HOURS[-1]
    for activity in db.session.scalars(query).unique():
        hour = min(max(activity.due_at.hour, first), last)
        cells.setdefault((activity.due_at.weekday(), hour), []).append(activity)
    return Week(monday, [monday + timedelta(days=i) for i in range(7)], cells)


def assignees(opp: Opportunity) -> list[User]:
    """Who an activity of ``opp`` may be assigned to: active users who may see the deal."""
    users = db.session.scalars(select(User).where(User.active).order_by(User.name))
    return permissions.who_may_view(users, opp)


def owner_choices() -> list[User]:
    """The people whose activities the owner filter offers (active users)."""
    return list(db.session.scalars(select(User).where(User.active).order_by(User.name)))
