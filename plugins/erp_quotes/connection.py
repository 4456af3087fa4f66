"""The ERP connection as admins see it: per business line, whether it is configured, which
provider and which host (never the key or secret: they stay in the environment or the
settings table), and a test call with a short timeout that says what happened."""

import time
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import permissions
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.models import BusinessLine, User

from .providers import ErpError
from .services import provider_classes
from .settings import erp_settings

TEST_TIMEOUT = 3.0  # seconds: an admin waits for the answer
PROBE = "opportuno-connection-test"  # a quote reference no quote has: a harmless read


@dataclass(frozen=True)
class ConnectionState:
    line: BusinessLine
    configured: bool
    provider: str  # the provider's label ("ERPNext"), or its unknown key as set
    known_provider: bool
    host: str  # "erp.example.com:8000", "" when not configured
    has_credentials: bool


def _state(line: BusinessLine, classes: dict) -> ConnectionState:
    settings = erp_settings(line.id)
    found = classes.get(settings.provider)
    return ConnectionState(
        line=line,
        configured=settings.configured,
        provider=getattr(found, "label", settings.provider),
        known_provider=found is not None,
        host=urlsplit(settings.base_url).netloc if settings.base_url else "",
        has_credentials=bool(settings.api_key or settings.api_secret),
    )


def connection_states(user: User) -> list[ConnectionState]:
    """The connection of every business line (admins only)."""
    permissions.require_admin(user)
    classes = provider_classes()
    lines = db.session.scalars(select(BusinessLine).order_by(BusinessLine.name))
    return [_state(line, classes) for line in lines]


def check_connection(user: User, business_line_id: int) -> str:
    """Call the ERP of a business line once (a search for a reference no quote has) within
    ``TEST_TIMEOUT`` seconds; the sentence to show on success, ErpError with the reason."""
    permissions.require_admin(user)
    line = db.session.get(BusinessLine, business_line_id)
    if line is None:
        raise NotFound(_("This business line does not exist."))
    settings = erp_settings(line.id)
    if not settings.configured:
        raise ErpError(
            _(
                "The ERP connection of %(line)s is not configured: set ERP_QUOTES_BASE_URL "
                "(and the API key and secret) in the server's environment.",
                line=line.name,
            )
        )
    provider_class = provider_classes().get(settings.provider)
    if provider_class is None:
        raise ErpError(
            _("No quote provider called “%(name)s” is installed.", name=settings.provider)
        )
    settings = replace(settings, timeout=min(settings.timeout, TEST_TIMEOUT))
    provider = provider_class(settings) if isinstance(provider_class, type) else provider_class
    started = time.monotonic()
    provider.find_quote(PROBE)
    elapsed = (time.monotonic() - started) * 1000
    host = urlsplit(settings.base_url).netloc
    return _(
        "%(erp)s at %(host)s answered in %(ms)d ms: the connection works.",
        erp=provider.label,
        host=host,
        ms=round(elapsed),
    )
