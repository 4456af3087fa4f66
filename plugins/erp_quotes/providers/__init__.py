"""The quote-provider interface. Providers are registered through ``register_quote_providers``.

A provider is a class built with the ERP settings (``ErpSettings``); it turns a ``QuoteDraft``
(the deal's account and product lines) into a quote in the ERP and reads quotes back as
``RemoteQuote``, mapping the ERP's statuses onto ours (see ``models.STATUSES``). Every failure
to talk to the ERP raises ``ErpUnavailable`` (no answer, timeout) or ``ErpRejected`` (an
error answer), both carrying a message fit for the page.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from flask_babel import gettext as _

from webapp.errors import DomainError
from webapp.inputs import control_characters, fits


class ErpError(DomainError):
    """The ERP could not do what was asked; ``message`` is safe to show."""

    status = 502


class ErpUnavailable(ErpError):
    """No answer in time (connection refused, DNS, timeout)."""


class ErpRejected(ErpError):
    """The ERP answered with an error status."""

    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.http_status = http_status


@dataclass(frozen=True)
class DraftLine:
    item_code: str
    description: str
    qty: Decimal
    rate: Decimal
    discount_percentage: Decimal


@dataclass(frozen=True)
class QuoteDraft:
    """What Opportuno asks the ERP to quote; ``reference`` makes the request idempotent."""

    reference: str
    title: str
    customer: str
    currency: str
    lines: list[DraftLine]
    valid_till: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "title": self.title,
            "customer": self.customer,
            "currency": self.currency,
            "valid_till": self.valid_till.isoformat() if self.valid_till else None,
            "lines": [
                {
                    "item_code": ln.item_code,
                    "description": ln.description,
                    "qty": str(ln.qty),
                    "rate": str(ln.rate),
                    "discount_percentage": str(ln.discount_percentage),
                }
                for ln in self.lines
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "QuoteDraft":
        return cls(
            reference=data["reference"],
            title=data["title"],
            customer=data["customer"],
            currency=data["currency"],
            valid_till=date.fromisoformat(data["valid_till"]) if data.get("valid_till") else None,
            lines=[
                DraftLine(
                    item_code=ln["item_code"],
                    description=ln["description"],
                    qty=Decimal(ln["qty"]),
                    rate=Decimal(ln["rate"]),
                    discount_percentage=Decimal(ln["discount_percentage"]),
                )
                for ln in data["lines"]
            ],
        )


@dataclass(frozen=True)
class RemoteQuote:
    """A quote as the ERP knows it, in our terms."""

    external_id: str
    status: str
    erp_status: str
    total: Decimal | None = None
    currency: str | None = None
    quoted_on: date | None = None
    modified: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    # The longest value each text field may hold (the columns of ErpQuote).
    LIMITS: ClassVar[dict[str, int]] = {
        "external_id": 140,
        "erp_status": 40,
        "currency": 3,
        "modified": 40,
    }

    def __post_init__(self):
        """Refuse (ErpRejected) what the ERP sent that we cannot store as it is."""
        for name, limit in self.LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str) or len(value) > limit or control_characters(value):
                raise ErpRejected(_("The ERP sent an invalid “%(name)s”.", name=name))
        if self.total is not None and not fits(self.total, 14, 2):
            raise ErpRejected(_("The ERP sent an invalid total."))


def amount(value, name: str) -> Decimal | None:
    """A money amount the ERP sent (a JSON number or a numeric string), or None when absent;
    ErpRejected for anything else (text, a list, NaN, too large)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ErpRejected(_("The ERP sent an invalid “%(name)s”.", name=name))
    try:
        number = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise ErpRejected(_("The ERP sent an invalid “%(name)s”.", name=name)) from None
    if not fits(number, 14, 2):
        raise ErpRejected(_("The ERP sent an invalid “%(name)s”.", name=name))
    return number


def text(value, name: str) -> str | None:
    """A text field the ERP sent (a string or a number), or None when absent or empty;
    ErpRejected for a list, an object or a boolean."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ErpRejected(_("The ERP sent an invalid “%(name)s”.", name=name))
    return str(value)


class QuoteProvider:
    """Base class of the providers: subclasses set ``key``/``label`` and implement the calls."""

    key: ClassVar[str]
    label: ClassVar[str]

    def __init__(self, settings):
        self.settings = settings

    def create_quote(self, draft: QuoteDraft) -> RemoteQuote:
        """Create the quote in the ERP; raises ErpError, creating nothing it can avoid."""
        raise NotImplementedError

    def find_quote(self, reference: str) -> RemoteQuote | None:
        """The quote an earlier (maybe timed-out) request created with ``reference``."""
        raise NotImplementedError

    def fetch_quote(self, external_id: str) -> RemoteQuote:
        raise NotImplementedError

    def parse_document(self, document: dict) -> RemoteQuote:
        """A quote from the document the ERP pushes to the webhook."""
        raise NotImplementedError

    def quote_url(self, external_id: str) -> str | None:
        """Where a person opens the quote in the ERP."""
        return None
