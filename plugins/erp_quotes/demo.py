"""Demo quotes: an accepted quote for about half of the won deals of the business lines where
the plugin is enabled, so the estimate accuracy report has quotes to compare on the demo."""

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from webapp.extensions import db
from webapp.models import Opportunity, PluginEnablement

from .models import ErpQuote

PLUGIN = "erp_quotes"
SHARE = 0.5  # of the won deals that get an accepted quote
# The final amount against the accepted quote: mostly as quoted, some discounted after it,
# some grown by extras.
TOTAL_FACTORS = tuple(Decimal(f) for f in ("1", "1", "1", "1.05", "1.1", "0.95", "0.9"))
CHUNK = 5000


def seed_quotes(seed: int) -> int:
    """Write the demo quotes (deterministic for ``seed``); return how many."""
    rng = random.Random(seed)
    lines = select(PluginEnablement.business_line_id).where(
        PluginEnablement.plugin == PLUGIN, PluginEnablement.enabled.is_(True)
    )
    quoted = select(ErpQuote.opportunity_id)
    won = db.session.execute(
        select(Opportunity.id, Opportunity.amount, Opportunity.currency, Opportunity.closed_at)
        .where(
            Opportunity.status == "won",
            Opportunity.deleted_at.is_(None),
            Opportunity.business_line_id.in_(lines),
            Opportunity.amount > 0,
            Opportunity.id.not_in(quoted),
        )
        .order_by(Opportunity.id)
    ).all()
    rows = []
    for deal in won:
        if rng.random() >= SHARE:
            continue
        total = (deal.amount / rng.choice(TOTAL_FACTORS)).quantize(Decimal("0.01"))
        accepted = deal.closed_at - timedelta(days=rng.randint(1, 20))
        rows.append(
            {
                "opportunity_id": deal.id,
                "version": 1,
                "provider": "erpnext",
                "reference": f"demo-{deal.id}-1",
                "external_id": f"DEMO-QTN-{deal.id:06d}",
                "status": "accepted",
                "erp_status": "Ordered",
                "total": total,
                "currency": deal.currency,
                "quoted_on": (accepted - timedelta(days=rng.randint(3, 30))).date(),
                "request": {"demo": True},
                "accepted_at": accepted,
                "accepted_total": total,
                "created_at": accepted,
                "updated_at": accepted,
            }
        )
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(ErpQuote.__table__), rows[start : start + CHUNK])
    return len(rows)
