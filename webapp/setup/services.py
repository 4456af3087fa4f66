"""The defaults of a fresh install: one business line with Brevo's pipeline, and the
picklists a first deal needs. ``ensure_defaults`` runs whenever a user is created and does
nothing once an install has business lines."""

from sqlalchemy import select

from ..activities.types import add_defaults as add_activity_types
from ..extensions import db
from ..models import BusinessLine, LostReason, Source
from ..pipelines.services import DEFAULT_STAGES, create_pipeline
from ..transactions import transactional

DEFAULT_LINE_NAME = "Sales"
DEFAULT_LINE_SLUG = "sales"
DEFAULT_PIPELINE_NAME = "Sales pipeline"
LOST_REASONS = (
    "Price too high",
    "Chose a competitor",
    "No budget",
    "No decision",
    "Missing feature",
    "Timing",
    "Unresponsive",
)
SOURCES = ("Website form", "Email", "Phone", "Trade fair", "Referral", "Partner", "Webinar")


@transactional
def ensure_defaults() -> BusinessLine | None:
    """On a database without any business line, create the default one with the default
    pipeline (Brevo's stages, ``DEFAULT_STAGES``) and fill the lost reasons and sources
    while they are empty. Returns the default business line, or None when the install
    has its own lines. The activity types are filled whenever empty. Idempotent."""
    add_activity_types()
    if db.session.scalar(select(BusinessLine.id).limit(1)) is not None:
        return db.session.scalar(
            select(BusinessLine).where(BusinessLine.slug == DEFAULT_LINE_SLUG)
        )
    line = BusinessLine(name=DEFAULT_LINE_NAME, slug=DEFAULT_LINE_SLUG)
    db.session.add(line)
    create_pipeline(line, DEFAULT_PIPELINE_NAME, DEFAULT_STAGES, is_default=True)
    if db.session.scalar(select(LostReason.id).limit(1)) is None:
        db.session.add_all(LostReason(name=n, position=i) for i, n in enumerate(LOST_REASONS))
    if db.session.scalar(select(Source.id).limit(1)) is None:
        db.session.add_all(Source(name=n) for n in SOURCES)
    return line
