"""The won/lost report: figures against hand-computed ones on deals closed through the real
services, then dated into the first half of 2026 (reopened, trashed, other business line,
no amount), the lost ones by reason and by the stage they were lost from, CSV."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from tests import factories
from tests.test_reports_pipeline import rows_of
from webapp.extensions import db
from webapp.models import Opportunity, StageHistory
from webapp.opportunities import services as opportunities

PERIOD = "period=custom&from=2026-01-01&to=2026-06-30"


def date_closing(deal, when: datetime, cycle_days: int) -> None:
    """Move a closed deal's closing (and the stage visits that ended or began with it) to
    ``when``, created ``cycle_days`` before."""
    old = deal.closed_at
    history = StageHistory.__table__
    for column in (history.c.left_at, history.c.entered_at):
        db.session.execute(
            update(history)
            .where(history.c.opportunity_id == deal.id, column == old)
            .values({column.name: when})
        )
    db.session.execute(
        update(Opportunity.__table__)
        .where(Opportunity.__table__.c.id == deal.id)
        .values(closed_at=when, created_at=when - timedelta(days=cycle_days))
    )
    db.session.commit()
    db.session.expire_all()


@pytest.fixture
def closed(create_opportunity, pipeline, sales_user, manager, lost_reason):
    """Jan: A won 1000 (10 days), C lost 2000 from Negotiation (price).
    Mar: B won 3000 (30 days), E lost, reopened, won 500 (50 days), D lost with no amount
    from New (no budget). Left out: a trashed won deal (Feb), one won in July, one still open,
    one of another business line."""
    stages = {stage.name: stage for stage in pipeline.stages}
    no_budget = factories.lost_reason("No budget")

    def won(name, amount, when, days):
        deal = create_opportunity(name=name, amount=amount)
        opportunities.close_won(sales_user, deal)
        date_closing(deal, when, days)
        return deal

    def lost(name, amount, when, reason, stage=None):
        deal = create_opportunity(name=name, amount=amount)
        if stage:
            opportunities.move_stage(sales_user, deal, stages[stage].id)
        opportunities.close_lost(sales_user, deal, reason.id)
        date_closing(deal, when, 5)
        return deal

    won("A", "1000", datetime(2026, 1, 15, 9), 10)
    lost("C", "2000", datetime(2026, 1, 20, 9), lost_reason, "Negotiation")
    won("B", "3000", datetime(2026, 3, 5, 9), 30)
    lost("D", "0", datetime(2026, 3, 10, 9), no_budget)
    again = create_opportunity(name="E", amount="500")
    opportunities.close_lost(sales_user, again, lost_reason.id)
    opportunities.move_stage(sales_user, again, stages["Qualification"].id)
    opportunities.close_won(sales_user, again)
    date_closing(again, datetime(2026, 3, 20, 9), 50)
    trashed = won("Trashed", "9999", datetime(2026, 2, 2, 9), 3)
    opportunities.delete_opportunity(manager, db.session.get(Opportunity, trashed.id))
    won("July", "7777", datetime(2026, 7, 2, 9), 3)
    create_opportunity(name="Open", amount="4444")
    hardware = factories.business_line("Hardware")
    other = factories.pipeline(hardware)
    outsider = factories.user(
        email="hw@example.com", name="Hal Hardware", role="sales", business_lines=[hardware]
    )
    elsewhere = factories.opportunity(
        outsider, {"name": "HW", "amount": "8888", "stage_id": other.stages[0].id}
    )
    opportunities.close_won(outsider, elsewhere)
    date_closing(elsewhere, datetime(2026, 2, 10, 9), 3)
    return outsider


def figures_of(html: str) -> dict:
    found = {}
    for chunk in html.split('class="report-figure border')[1:]:
        label = chunk.split("</dt>")[0].rsplit(">", 1)[1]
        found[label] = chunk.split("</dd>")[0].rsplit(">", 1)[1]
    return found


def test_won_and_lost_per_month_against_hand_computed_figures(client, auth, manager, closed):
    auth.login(manager)
    html = client.get(f"/reports/won-lost?{PERIOD}").get_data(as_text=True)
    months = {row[0]: row[1:] for row in rows_of(html, "months")}
    assert list(months) == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    assert months["Jan 2026"] == ["1", "1,000", "1", "2,000"]
    assert months["Feb 2026"] == ["0", "0", "0", "0"]  # the trashed and the Hardware deals
    assert months["Mar 2026"] == ["2", "3,500", "1", "0"]  # E counts once, as won
    rates = {row[0]: row[1:] for row in rows_of(html, "win-rate")}
    assert rates["Jan 2026"] == ["50%", "33%"]  # 1 of 2 deals; 1000 of 3000
    assert rates["Mar 2026"] == ["67%", "100%"]  # 2 of 3; 3500 of 3500
    assert "—" in rates["Feb 2026"][0]  # nothing closed: no rate, not 0%
    assert figures_of(html) == {
        "Won": "3",
        "Lost": "2",
        "Win rate": "60%",
        "Average deal size (won)": "1,500",  # 4500 / 3
        "Sales cycle (won, days)": "30.0",  # (10 + 30 + 50) / 3
    }
    assert "Value won and lost per month" in html and "<svg" in html


def test_lost_by_reason_and_by_the_stage_they_were_lost_from(client, auth, manager, closed):
    auth.login(manager)
    html = client.get(f"/reports/won-lost?{PERIOD}").get_data(as_text=True)
    assert rows_of(html, "reasons") == [
        ["No budget", "1", "0", "50%"],
        ["Price too high", "1", "2,000", "50%"],  # E was lost for price, then won: not here
    ]
    assert rows_of(html, "stages") == [["New", "1", "0"], ["Negotiation", "1", "2,000"]]


def test_an_empty_period_shows_no_rows_and_no_rates(client, auth, manager, closed):
    auth.login(manager)
    html = client.get("/reports/won-lost?period=custom&from=2025-01-01&to=2025-03-31").get_data(
        as_text=True
    )
    assert rows_of(html, "months") == [["Nothing in this period."]]
    assert rows_of(html, "reasons") == [["No deal lost in this period."]]
    assert figures_of(html)["Win rate"] == "—"
    assert figures_of(html)["Sales cycle (won, days)"] == "—"


def test_another_business_line_and_owner_filter(client, auth, manager, sales_user, closed):
    auth.login(closed)  # the Hardware seller sees only their own line
    html = client.get(f"/reports/won-lost?{PERIOD}").get_data(as_text=True)
    assert {r[0]: r[1:3] for r in rows_of(html, "months")}["Feb 2026"] == ["1", "8,888"]
    assert figures_of(html)["Won"] == "1"
    auth.logout()
    auth.login(manager)
    mine = client.get(f"/reports/won-lost?{PERIOD}&owner=me").get_data(as_text=True)
    assert figures_of(mine)["Won"] == "0"
    theirs = client.get(f"/reports/won-lost?{PERIOD}&owner={sales_user.id}")
    assert figures_of(theirs.get_data(as_text=True))["Won"] == "3"


def test_csv_of_months_and_reasons(client, auth, manager, closed):
    auth.login(manager)
    text = client.get(f"/reports/won-lost/months.csv?{PERIOD}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Month", "Won", "Won value", "Lost", "Lost value"]
    assert rows[1] == ["Jan 2026", "1", "1000.00", "1", "2000.00"]
    assert rows[-1] == ["Total", "3", "4500.00", "2", "2000.00"]
    rates = client.get(f"/reports/won-lost/win-rate.csv?{PERIOD}").get_data(as_text=True)
    assert "Mar 2026,66.7,100.0" in rates and "Total,60.0,69.2" in rates  # 4500 / 6500
    reasons = client.get(f"/reports/won-lost/reasons.csv?{PERIOD}&sep=semicolon")
    assert "Price too high;1;2000,00;50,0" in reasons.get_data(as_text=True)


def test_queries_do_not_grow_with_deals(
    client, auth, manager, create_opportunity, sales_user, lost_reason, count_queries
):
    auth.login(manager)

    def close(count):
        for n in range(count):
            deal = create_opportunity(name=f"deal {n}", amount="100")
            if n % 2:
                opportunities.close_won(sales_user, deal)
            else:
                opportunities.close_lost(sales_user, deal, lost_reason.id)

    close(2)
    with count_queries() as few:
        client.get("/reports/won-lost")
    close(12)
    with count_queries() as many:
        client.get("/reports/won-lost")
    assert len(many) == len(few)


def test_deals_lost_together_by_a_mass_action_keep_the_stage_they_were_in(
    client, auth, manager, create_opportunity, pipeline, sales_user, lost_reason
):
    from webapp.opportunities import mass

    stages = {stage.name: stage for stage in pipeline.stages}
    early = create_opportunity(name="Early", amount="100")
    late = create_opportunity(name="Late", amount="300")
    opportunities.move_stage(sales_user, late, stages["Negotiation"].id)
    lost = pipeline.stage_of_kind("lost")
    mass.change_stage(sales_user, mass.Target(ids=[early.id, late.id]), lost.id, lost_reason.id)
    auth.login(manager)
    html = client.get("/reports/won-lost?period=this_month").get_data(as_text=True)
    assert rows_of(html, "stages") == [["New", "1", "100"], ["Negotiation", "1", "300"]]


@pytest.mark.parametrize(
    "query",
    [
        "period=custom&from=0001-01-01&to=9999-12-31",
        "period=custom&from=9999-12-31",
        "period=custom&from=1-1-1&to=31/12/9999",
        "business_line=99999999999999999999&owner=abc&team=-1&pipeline=0",
    ],
)
def test_extreme_periods_and_filters_answer(client, auth, manager, business_line, query):
    from webapp.models import PluginEnablement

    db.session.add(PluginEnablement(business_line_id=business_line.id, plugin="renewals"))
    db.session.commit()
    auth.login(manager)
    for key in ("won-lost", "accuracy", "renewals"):
        response = client.get(f"/reports/{key}?{query}")
        assert response.status_code == 200, key
        if "0001-01-01" in query and key != "accuracy":
            assert "Periods longer than 10 years show their last ones." in response.text
