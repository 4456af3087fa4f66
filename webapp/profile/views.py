"""/profile: the user's settings, one section per concern (the calendar feed first), and
the feed itself (public: mail clients fetch it without a session; its URL is the secret)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guard import public
from . import feed

bp = Blueprint("profile", __name__)


@bp.get("/profile")
def index():
    current = feed.feed_of(current_user)
    link = (
        url_for(
            "profile.calendar_feed",
            user_id=current_user.id,
            token=feed.token_of(current),
            _external=True,
        )
        if current
        else None
    )
    return render_template("profile/index.html", feed=current, feed_link=link)


@bp.post("/profile/calendar-feed")
def regenerate_feed():
    feed.regenerate(current_user)
    flash(_("A new calendar link is ready; the old one no longer works."), "success")
    return redirect(url_for("profile.index") + "#calendar-feed")


@bp.post("/profile/calendar-feed/revoke")
def revoke_feed():
    feed.revoke(current_user)
    flash(_("The calendar link is revoked."), "success")
    return redirect(url_for("profile.index") + "#calendar-feed")


@bp.get("/calendar/<int:user_id>/<token>.ics")
@public
def calendar_feed(user_id: int, token: str):
    user = feed.user_for(user_id, token[:128])
    if user is None:
        abort(404)
    return (
        feed.calendar(user),
        200,
        {
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'inline; filename="opportuno.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )
