"""/activities: my (or my team's) activities by due date, the week calendar, the schedule
dialog (also a plain form page) and the types picklist. Views parse and render; the rules
are in the services (``webapp.opportunities.activities`` for a deal's activities)."""

import json
from datetime import time
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..board.cards import render_card
from ..errors import ValidationError
from ..extensions import htmx
from ..inputs import id_param
from ..models._base import utcnow
from ..opportunities import activities as deal_activities
from ..opportunities.services import get_opportunity
from . import offer, services, shown, types

bp = Blueprint("activities", __name__, url_prefix="/activities")
for _name, _filter in shown.FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


def _back(default: str) -> str:
    """Where a plain form returns: its ``next`` or the referrer, as a same-site path."""
    target = urlsplit(request.values.get("next") or request.referrer or "")
    same_site = target.netloc in ("", request.host) and not target.path.startswith(("//", "/\\"))
    if target.path.startswith("/") and same_site:
        return urlunsplit(("", "", target.path, target.query, ""))
    return default


@bp.get("")
def index():
    """Open activities in buckets (overdue, today, this week, later) or the done ones;
    filters: owner (me, all, a user id), type, deal. htmx gets the list fragment."""
    filters = services.ActivityFilters.from_args(request.args)
    rows = services.list_activities(current_user, filters)
    context = {
        "filters": filters,
        "rows": rows,
        "buckets": None if filters.done else services.buckets(rows),
        "limit": services.LIMIT,
        "types": types.all_types(),
        "type_names": types.type_names(),
        "owners": services.owner_choices(),
        "deal": get_opportunity(current_user, filters.opportunity_id)
        if filters.opportunity_id
        else None,
        "now": utcnow(),
    }
    if htmx and htmx.target == "activities-list":
        return render_template("activities/_list.html", **context)
    return render_template("activities/index.html", **context)


def _row(activity, status: int = 200, error: str | None = None):
    return render_template(
        "activities/_row.html",
        activity=activity,
        type_names=types.type_names(),
        now=utcnow(),
        error=error,
    ), status


def _act(activity_id: int, action):
    """Run ``action(opp, activity_id)``; answer the row (htmx), the calendar (``view=
    calendar``) or go back (plain forms). Bad input keeps the row with its message."""
    activity = services.get_activity(current_user, activity_id)
    opp = activity.opportunity
    error = None
    try:
        action(opp, activity_id)
    except ValidationError as exc:
        error = exc.message
    calendar_view = request.form.get("view") == "calendar"
    if htmx and calendar_view:
        monday = services.monday_of(request.form.get("week"))
        return _calendar(monday, error, 422 if error else 200)
    if not htmx:
        flash(error or _("Activity saved."), "error" if error else "success")
        return redirect(
            _back(url_for("activities.calendar" if calendar_view else "activities.index"))
        )
    return _row(services.get_activity(current_user, activity_id), 422 if error else 200, error)


@bp.post("/<int:activity_id>/done")
def done(activity_id: int):
    return _act(
        activity_id, lambda opp, aid: deal_activities.complete_activity(current_user, opp, aid)
    )


@bp.post("/<int:activity_id>/reschedule")
def reschedule(activity_id: int):
    """Form: ``due_at`` (or ``due_date`` and ``due_time``); the calendar adds view, week."""
    return _act(
        activity_id,
        lambda opp, aid: deal_activities.reschedule_activity(
            current_user, opp, aid, deal_activities.due_text(request.form)
        ),
    )


def _calendar(monday, error: str | None = None, status: int = 200):
    context = {
        "week": services.week(current_user, monday),
        "hours": services.DAY_HOURS,
        "hour_texts": {hour: shown.clock(time(hour)) for hour in services.DAY_HOURS},
        "cell_chips": services.CELL_CHIPS,
        "type_names": types.type_names(),
        "today": utcnow().date(),
        "error": error,
    }
    if htmx:
        return render_template("activities/_calendar.html", **context), status
    return render_template("activities/calendar.html", **context), status


@bp.get("/calendar")
def calendar():
    """My activities of a week (``?week=YYYY-MM-DD``, any day of it), hour by hour."""
    return _calendar(services.monday_of(request.args.get("week")))


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Schedule an activity on a deal (``?deal=<id>``): a dialog for htmx, else a page.
    ``after`` (moved, won, lost) words it as the prompt after a move; ``card=1`` answers
    the board's card."""
    opp = get_opportunity(current_user, id_param(request.values, "deal") or 0, for_edit=True)
    after = request.values.get("after")
    after = after if after in offer.AFTER else None
    errors = {}
    if request.method == "POST":
        try:
            deal_activities.create_activity(current_user, opp, request.form)
        except ValidationError as exc:
            errors = exc.errors
        else:
            return _scheduled(opp)
    form = request.form if request.method == "POST" else offer.prefill(opp, after)
    context = {
        "opp": opp,
        "after": after,
        "form": form,
        "errors": errors,
        "types": types.active_types(),
        "type_names": types.type_names(),
        "assignees": services.assignees(opp),
        "contacts": [link for link in opp.contact_links if link.contact.deleted_at is None],
        "card": request.values.get("card") == "1",
        "next": _back(url_for("opportunities.detail", opportunity_id=opp.id)),
    }
    status = 422 if errors else 200
    if htmx:
        return render_template("activities/_schedule_dialog.html", **context), status
    return render_template("activities/schedule.html", **context), status


def _scheduled(opp):
    """After a save: the board gets the card (its next activity), the deal page and the
    list refresh their activities; a plain form goes back."""
    if not htmx:
        flash(_("Activity scheduled."), "success")
        return redirect(_back(url_for("opportunities.detail", opportunity_id=opp.id)))
    panel = url_for("opportunities.panel", opportunity_id=opp.id, name="activities")
    triggers = json.dumps(
        {"closeDialog": True, "dealChanged": True, "activitiesChanged": {"panel": panel}}
    )
    on_board = "/board" in urlsplit(htmx.current_url or "").path
    if request.form.get("card") == "1" and on_board and opp.is_open:
        html = render_card(opp)
        return (
            html,
            200,
            {
                "HX-Trigger": triggers,
                "HX-Retarget": f"#card-{opp.id}",
                "HX-Reswap": "outerHTML",
                "HX-Reselect": f"#card-{opp.id}",  # not the dialog's hx-select
            },
        )
    return "", 200, {"HX-Trigger": triggers, "HX-Reswap": "none"}


@bp.route("/types", methods=["GET", "POST"])
def type_settings():
    """The activity types picklist (admins): rename, reorder, deactivate, add."""
    permissions.require_admin(current_user)
    errors = {}
    if request.method == "POST":
        try:
            types.save_types(current_user, request.form)
        except ValidationError as exc:
            errors = exc.errors
        else:
            flash(_("Activity types saved."), "success")
            return redirect(url_for("activities.type_settings"))
    return render_template(
        "activities/types.html", types=types.all_types(), errors=errors, form=request.form
    ), 422 if errors else 200
