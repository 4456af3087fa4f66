"""Duplicating a deal as a renewal, an upsell or a plain copy.

The new deal is created through the core ``create_opportunity`` (timeline, hooks, owner
check), in the first stage of the source's pipeline; then the chosen cloners copy their parts
and a typed link to the origin is written. ``create_opportunity`` commits on its own, so if
anything after it fails the new deal is removed again: nothing half-written stays.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import permissions
from webapp.errors import NotFound, ValidationError
from webapp.extensions import db
from webapp.inputs import MAX_ID
from webapp.models import SALES_GROUP, Opportunity, User
from webapp.opportunities import fields
from webapp.opportunities.services import create_opportunity
from webapp.plugins import flatten, hook
from webapp.timeline.services import record
from webapp.transactions import transactional

from .cloners import OpportunityCloner, ordered
from .models import KINDS, DealLink
from .terms import DEFAULT_TERM_MONTHS, default_close_date, default_name, term_end

KIND_LABELS = {"renewal": "Renewal", "upsell": "Upsell", "copy": "Copy"}  # stored in the timeline
# The kinds as the dialog names them.
SHOWN_KINDS = {"renewal": _l("Renewal"), "upsell": _l("Upsell"), "copy": _l("Copy")}


@dataclass
class DuplicateOptions:
    """What the dialog (or a bulk run) asks for, parsed and checked."""

    kind: str
    name: str
    close_date: date | None
    amount: Decimal | None
    uplift: Decimal
    owner_id: int | None
    parts: list[str] = field(default_factory=list)

    @property
    def uplift_factor(self) -> Decimal:
        return (Decimal(100) + self.uplift) / Decimal(100)


def cloners_for(source: Opportunity) -> list[OpportunityCloner]:
    """The cloners of the plugins enabled in the source's business line, dependencies first."""
    found = flatten(hook("register_opportunity_cloners", source)())
    return ordered([c() if isinstance(c, type) else c for c in found])


def live_renewal(source: Opportunity) -> Opportunity | None:
    """The deal's renewal that is not in the trash, if any."""
    return db.session.scalar(
        select(Opportunity)
        .join(DealLink, DealLink.opportunity_id == Opportunity.id)
        .where(DealLink.renewal_of_id == source.id, Opportunity.deleted_at.is_(None))
    )


def valid_owners(business_line_id: int) -> list[User]:
    """Active sales-group users who work in the business line (possible owners)."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [
        u
        for u in users
        if u.in_group(SALES_GROUP) and permissions.can_view_business_line(u, business_line_id)
    ]


def default_owner_id(source: Opportunity, user: User) -> int:
    owner = source.owner
    if owner.active and owner.in_group(SALES_GROUP):
        return owner.id
    return user.id


def defaults(source: Opportunity, kind: str, user: User, cloners=None) -> dict:
    """Form values the dialog starts from for ``kind``."""
    close = default_close_date(source, kind)
    cloners = cloners if cloners is not None else cloners_for(source)
    amount = ""
    if kind != "upsell" and source.amount_manual:
        amount = source.amount
    return {
        "kind": kind,
        "name": default_name(source, kind, close),
        "close_date": close.isoformat(),
        "amount": amount,
        "uplift": "",
        "owner_id": str(default_owner_id(source, user)),
        "parts": [c.name for c in cloners if kind in c.default_for],
    }


def parse_uplift(value, *, locale: str | None = None) -> Decimal:
    """A price uplift in percent (``4,5`` in Italian, ``3%``), above -100 and below 1000."""
    uplift = fields.number("uplift", value, kind="percent", locale=locale)
    if uplift is None:
        return Decimal(0)
    if not Decimal(-100) < uplift < Decimal(1000):
        raise ValidationError({"uplift": _("The uplift is a percentage, e.g. 3 or 4.5.")})
    return uplift.quantize(Decimal("0.01"))


def parse_options(source: Opportunity, data: dict, cloners: list[OpportunityCloner]):
    """DuplicateOptions from form-like ``data``; every error at once as ValidationError."""
    errors: dict[str, str] = {}
    kind = data.get("kind") or "copy"
    if kind not in KINDS:
        errors["kind"] = _("Choose renewal, upsell or plain copy.")
    values = {}
    for key, parse in (
        ("name", lambda v: fields.text("name", v, required=True)),
        ("close_date", lambda v: fields.day("close_date", v)),
        ("amount", lambda v: fields.money("amount", v)),
        ("owner_id", lambda v: fields.integer("owner_id", v, minimum=1, maximum=MAX_ID)),
    ):
        try:
            values[key] = parse(data.get(key))
        except ValidationError as exc:
            errors.update(exc.errors)
    uplift = Decimal(0)
    if kind == "renewal":
        try:
            uplift = parse_uplift(data.get("uplift"))
        except ValidationError as exc:
            errors.update(exc.errors)
    parts = [p for p in data.get("parts") or [] if p]
    known = {c.name: c for c in cloners}
    unknown = [p for p in parts if p not in known]
    if unknown:
        errors["parts"] = _("Unknown part: %(parts)s.", parts=", ".join(unknown))
    else:
        for name in parts:
            missing = [r for r in known[name].requires if r not in parts]
            if missing:
                labels = ", ".join(str(known[r].label) if r in known else r for r in missing)
                errors["parts"] = _(
                    "“%(part)s” needs %(others)s too.", part=known[name].label, others=labels
                )
    if kind == "renewal" and not errors and (existing := live_renewal(source)):
        errors["kind"] = _("This deal already has a renewal: “%(deal)s”.", deal=existing.name)
    if errors:
        raise ValidationError(errors)
    return DuplicateOptions(kind=kind, uplift=uplift, parts=parts, **values)


def duplicate(user: User, source: Opportunity, kind: str, options: dict) -> Opportunity:
    """Create ``source``'s renewal/upsell/copy with the chosen parts; returns the new deal.

    ``options`` (form-like: name, close_date, amount, uplift, owner_id, parts) override the
    defaults of the kind; a key left out takes its default.

    Only users who may view the source may duplicate it; the owner must be a valid owner
    (checked by create_opportunity). Raises ValidationError with field errors.
    """
    permissions.require_write(user)
    shared: dict = {}
    try:
        return _duplicate(user, source, kind, options, shared)
    except BaseException as exc:
        for path in shared.get("files_written", []):  # nothing saved: no files either
            path.unlink(missing_ok=True)
        if isinstance(exc, IntegrityError):
            raise ValidationError({"kind": _("This deal already has a renewal.")}) from None
        raise


@transactional
def _duplicate(
    user: User, source: Opportunity, kind: str, options: dict, shared: dict
) -> Opportunity:
    """The duplication as one intent; ``shared`` is what the cloners pass on."""
    if source.deleted_at is not None:
        raise NotFound(_("This deal is in the trash."))
    permissions.require_view(user, source)
    cloners = cloners_for(source)
    data = {**defaults(source, kind, user, cloners), **options, "kind": kind}
    opts = parse_options(source, data, cloners)
    new = create_opportunity(user, _creation_data(source, opts))
    shared["options"] = _shared_options(opts, user)
    for cloner in [c for c in cloners if c.name in opts.parts]:
        shared[cloner.name] = cloner.run(source, new, shared) or {}
    _link(source, new, opts.kind, user)
    label = KIND_LABELS[opts.kind]
    record(
        new,
        user,
        "duplicated",
        message=f"{label} of “{source.name}”",
        data={"source_id": source.id, "kind": opts.kind, "parts": opts.parts},
    )
    record(
        source,
        user,
        "duplicated",
        # Not the new deal's name: the source's readers may not all see the new deal (the
        # lineage panel lists it to those who may).
        message=f"{label} created",
        data={"opportunity_id": new.id, "kind": opts.kind},
    )
    hook("opportunity_duplicated", new)(source=source, new=new, kind=opts.kind, user=user)
    return new


def _creation_data(source: Opportunity, opts: DuplicateOptions) -> dict:
    data = {
        "name": opts.name,
        "pipeline_id": source.pipeline_id,
        "account_id": source.account_id,
        "close_date": opts.close_date,
        "currency": source.currency,
        "description": source.description,
        "source_id": source.source_id,
        "owner_id": opts.owner_id,
    }
    if opts.kind == "renewal":
        if opts.amount is not None:
            data["amount"] = (opts.amount * opts.uplift_factor).quantize(Decimal("0.01"))
        data["contract_start"] = term_end(source) or opts.close_date
        data["contract_months"] = source.contract_months or DEFAULT_TERM_MONTHS
    else:
        data["amount"] = opts.amount
        if opts.kind == "copy":
            data["contract_start"] = source.contract_start
            data["contract_months"] = source.contract_months
            data["objective"] = source.objective
    return {k: v for k, v in data.items() if v is not None}


def _shared_options(opts: DuplicateOptions, user: User) -> dict:
    return {
        "kind": opts.kind,
        "user": user,
        "uplift_factor": opts.uplift_factor if opts.kind == "renewal" else None,
        "parts": opts.parts,
    }


def _link(source: Opportunity, new: Opportunity, kind: str, user: User) -> DealLink:
    if kind == "renewal":
        # A trashed earlier renewal keeps its lineage but gives up the "one renewal" slot.
        db.session.execute(
            DealLink.__table__.update()
            .where(
                DealLink.renewal_of_id == source.id,
                DealLink.opportunity_id.in_(
                    select(Opportunity.id).where(Opportunity.deleted_at.is_not(None))
                ),
            )
            .values(renewal_of_id=None)
        )
    link = DealLink(
        source_id=source.id,
        opportunity_id=new.id,
        kind=kind,
        renewal_of_id=source.id if kind == "renewal" else None,
        created_by_id=user.id,
    )
    db.session.add(link)
    db.session.flush()
    return link
