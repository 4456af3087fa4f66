"""The demo seed's accepted quotes come from the ERP quotes plugin (its ``demo_seeded`` hook):
for won deals of the business lines where it is enabled, so the estimate accuracy report has
quotes to compare on the demo."""

from sqlalchemy import select

from plugins.erp_quotes.models import ErpQuote
from tests.test_reports_won_lost import figures_of
from webapp.demo.seed import DEMO_PASSWORD, seed_demo
from webapp.extensions import db
from webapp.models import Opportunity, PluginEnablement


def test_the_demo_has_accepted_quotes_for_won_deals_where_the_plugin_is_on(app, client):
    seed_demo(300)
    quotes = db.session.scalars(select(ErpQuote)).all()
    assert len(quotes) >= 10
    lines = set(
        db.session.scalars(
            select(PluginEnablement.business_line_id).where(
                PluginEnablement.plugin == "erp_quotes", PluginEnablement.enabled.is_(True)
            )
        )
    )
    deals = {q.opportunity_id: db.session.get(Opportunity, q.opportunity_id) for q in quotes}
    assert len(deals) == len(quotes)  # one quote per deal
    for quote in quotes:
        deal = deals[quote.opportunity_id]
        assert deal.status == "won" and deal.business_line_id in lines
        assert quote.status == "accepted" and quote.accepted_total == quote.total > 0
        assert quote.accepted_at < deal.closed_at
    # Won deals of the other line(s) have none.
    others = db.session.scalars(
        select(Opportunity.id).where(
            Opportunity.status == "won", Opportunity.business_line_id.not_in(lines)
        )
    ).all()
    assert others and not set(others) & set(deals)

    client.post("/login", data={"email": "manager@example.com", "password": DEMO_PASSWORD})
    html = client.get("/reports/accuracy?owner=all&period=last_12_months").get_data(as_text=True)
    won = db.session.scalar(
        select(db.func.count(Opportunity.id)).where(Opportunity.status == "won")
    )
    in_period = figures_of(html)["With an accepted quote"]
    quoted, _, of = in_period.partition(" of ")
    assert 0 < int(quoted) <= len(quotes) and 0 < int(of) <= won
