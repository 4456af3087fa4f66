"""A user's iCalendar feed: a secret URL (an HMAC of a random nonce under the app's secret
key, compared in constant time), revocable, and the RFC 5545 calendar it serves (the
``icalendar`` package writes the escaping and line folding). Mail clients fetch it without a
session or a useful Accept-Language: its words (type names, "Deal:", ...) are in the owner's
language, their profile's choice, else English; what people typed stays as typed."""

import hashlib
import hmac
import secrets
from datetime import UTC, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from ..activities.types import type_names
from ..extensions import db
from ..locale import DEFAULT
from ..models import Activity, CalendarFeed, Opportunity, User
from ..models._base import utcnow
from ..permissions import visible_activities
from ..transactions import transactional

PAST_DAYS = 30
FUTURE_DAYS = 366
MAX_EVENTS = 1000  # a mail client polls the feed: a year of a busy seller's activities


def token_of(feed: CalendarFeed) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"calendar-feed:{feed.user_id}:{feed.nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


@transactional
def regenerate(user: User) -> CalendarFeed:
    """A new secret URL for the user's feed; the old one stops working."""
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.nonce, feed.created_at = secrets.token_hex(32), utcnow()
    return feed


@transactional
def revoke(user: User) -> None:
    """No feed any more: its URL answers 404."""
    feed = feed_of(user)
    if feed is not None:
        db.session.delete(feed)


def user_for(user_id: int, token: str) -> User | None:
    """The active user whose feed ``token`` opens, else None."""
    feed = db.session.get(CalendarFeed, user_id)
    if feed is None or not hmac.compare_digest(token_of(feed), token):
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def calendar(user: User) -> bytes:
    """The user's own activities of deals they may still see, from 30 days ago to a year
    ahead (at most ``MAX_EVENTS``, the earliest)."""
    now = utcnow()
    since, until = now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)
    rows = db.session.scalars(
        select(Activity)
        .join(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(
            Activity.owner_id == user.id,
            Activity.due_at >= since,
            Activity.due_at < until,
            visible_activities(user),
        )
        .options(
            contains_eager(Activity.opportunity).joinedload(Opportunity.account),
            joinedload(Activity.contact),
        )
        .order_by(Activity.due_at, Activity.id)
        .limit(MAX_EVENTS)
    )
    with force_locale(user.locale or DEFAULT):
        return _calendar(user, rows)


def _calendar(user: User, rows) -> bytes:
    """The events in the owner's language (the feed is fetched without a session)."""
    names = type_names()
    cal = Calendar()
    cal.add("prodid", "-//Opportuno//Activities//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Opportuno – {user.name}")
    stamp = utcnow().replace(tzinfo=UTC)
    for activity in rows.unique():
        opp = activity.opportunity
        event = Event()
        event.add("uid", f"activity-{activity.id}@opportuno")
        event.add("dtstamp", stamp)
        # Times are shown as the CRM shows them (floating: the reader's own clock).
        event.add("dtstart", activity.due_at)
        event.add("dtend", activity.ends_at if activity.duration_minutes else activity.due_at)
        event.add("summary", f"{names.get(activity.kind, activity.kind)}: {activity.subject}")
        details = [_("Deal: %(name)s", name=opp.name)]
        if opp.account:
            details.append(_("Account: %(name)s", name=opp.account.name))
        if activity.contact and activity.contact.deleted_at is None:
            details.append(_("With: %(name)s", name=activity.contact.full_name))
        if activity.note:
            details.append(activity.note)
        event.add("description", "\n".join(details))
        event.add("categories", [names.get(activity.kind, activity.kind)])
        event.add("status", "COMPLETED" if activity.done else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
