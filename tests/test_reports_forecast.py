"""The forecast report: figures against hand-computed ones on a small fixed set of deals
(categories set and automatic, won deals in the month won, no amount, no close date, the
trash, another business line), targets and attainment, deals needing attention, CSV."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.test_reports_pipeline import rows_of
from webapp.extensions import db
from webapp.models import Opportunity
from webapp.models._base import utcnow
from webapp.models.forecast import SalesTarget

# Two quarters in the future, so nothing of the fixture is overdue except deal H.
PERIOD = "period=custom&from=2030-01-01&to=2030-06-30&owner=all"


def won(deal: Opportunity, pipeline, closed_at: datetime) -> None:
    deal.status, deal.stage_id, deal.closed_at = "won", pipeline.stages[5].id, closed_at


@pytest.fixture
def deals(create_opportunity, pipeline, manager, sales_user, business_line):
    """Sam (seller) and Mia (manager) in Software; see the module's expectations."""
    new, awaiting, negotiation = pipeline.stages[0], pipeline.stages[3], pipeline.stages[4]

    def deal(name, amount, stage, close, owner=None, **extra):
        data = {"name": name, "amount": amount, "stage_id": stage.id, "close_date": close}
        return create_opportunity(**data, **extra, **({"owner": owner} if owner else {}))

    made = {
        # New 10%: automatic Pipeline; weighted 100
        "A": deal("A", "1000", new, "2030-01-15", revenue_low="900"),
        # Awaiting commitment 50%: automatic Best case; weighted 1000
        "B": deal("B", "2000", awaiting, "2030-01-20"),
        # Negotiation 75%: automatic Commit; weighted 3000
        "C": deal(
            "C", "4000", negotiation, "2030-02-10", manager, revenue_low="3000", revenue_high="5000"
        ),
        # New 10% but set to Commit; weighted 300
        "D": deal(
            "D",
            "3000",
            new,
            "2030-04-05",
            forecast_category="commit",
            revenue_low="2500",
            revenue_high="3500",
        ),
        # Negotiation 75% but Omitted: in the open amount only
        "E": deal("E", "5000", negotiation, "2030-05-01", manager, forecast_category="omitted"),
        "F": deal("F", "0", new, "2030-02-01"),  # no amount
        "G": deal("G", "800", new, ""),  # no close date: in no month
        "H": deal("H", "600", new, "2020-01-01"),  # overdue, outside the period
        "W1": deal("W1", "1500", negotiation, "2030-06-30"),  # won in February
        "W2": deal("W2", "2500", negotiation, "2030-02-01", manager),  # won before the period
        "T": deal("T", "9999", new, "2030-01-10"),  # trashed
    }
    won(made["W1"], pipeline, datetime(2030, 2, 15, 10))
    won(made["W2"], pipeline, datetime(2029, 12, 31, 23))
    made["T"].deleted_at = utcnow()
    for owner, month, amount in (
        (sales_user, date(2030, 1, 1), "2000"),
        (sales_user, date(2030, 2, 1), "1000"),
        (manager, date(2030, 2, 1), "5000"),
        (manager, date(2030, 7, 1), "99999"),  # after the period
    ):
        db.session.add(
            SalesTarget(
                owner_id=owner.id,
                business_line_id=business_line.id,
                month=month,
                amount=Decimal(amount),
            )
        )
    # Another business line: its deal and target are invisible to Software's people.
    hardware = factories.business_line("Hardware")
    other_pipeline = factories.pipeline(hardware)
    outsider = factories.user(
        email="out@example.com", name="Out Sider", role="sales", business_lines=[hardware]
    )
    made["X"] = factories.opportunity(
        outsider,
        {
            "name": "X",
            "amount": "7777",
            "stage_id": other_pipeline.stages[4].id,
            "close_date": "2030-01-10",
        },
    )
    db.session.add(
        SalesTarget(
            owner_id=outsider.id,
            business_line_id=hardware.id,
            month=date(2030, 1, 1),
            amount=Decimal("7000"),
        )
    )
    db.session.commit()
    made["outsider"] = outsider
    return made


def figures_of(html: str) -> dict[str, str]:
    part = html.split('class="report-figures', 1)[1].split("</dl>", 1)[0]
    labels = [c.split(">", 1)[1].split("</dt>")[0] for c in part.split("<dt")[1:]]
    values = [c.split(">", 1)[1].split("</dd>")[0] for c in part.split("<dd")[1:]]
    return dict(zip(labels, values, strict=True))


def page(client, query: str = PERIOD) -> str:
    response = client.get(f"/reports/forecast?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_forecast_page_has_a_chart_and_a_csv_link(client, auth, manager, create_opportunity):
    create_opportunity(name="Closing today")  # in the default period: this quarter
    auth.login(manager)
    html = page(client, "")
    assert "<svg" in html and 'href="/reports/forecast/months.csv' in html
    assert len(rows_of(html, "months")) == 3  # three months, no quarter subtotal


def test_months_and_quarters_against_hand_computed_figures(client, auth, manager, deals):
    auth.login(manager)
    rows = {row[0]: row[1:] for row in rows_of(page(client), "months")}
    # Won | open deals | open amount | weighted | commit | best case | target | attainment
    assert rows["Jan 2030"] == ["0", "2", "3,000", "1,100", "0", "2,000", "2,000", "0%"]
    assert rows["Feb 2030"] == ["1,500", "2", "4,000", "3,000", "5,500", "5,500", "6,000", "25%"]
    assert rows["Mar 2030"][:6] == ["0", "0", "0", "0", "0", "0"]
    assert "—" in rows["Mar 2030"][6] and "—" in rows["Mar 2030"][7]  # no target
    q1 = ["1,500", "4", "7,000", "4,100", "5,500", "7,500", "8,000", "19%"]
    assert rows["Q1 2030 total"] == q1
    assert rows["Apr 2030"][:6] == ["0", "1", "3,000", "300", "3,000", "3,000"]
    assert rows["May 2030"][:6] == ["0", "1", "5,000", "0", "0", "0"]  # omitted
    assert rows["Q2 2030 total"][:6] == ["0", "2", "8,000", "300", "3,000", "3,000"]


def test_key_figures_and_revenue_range(client, auth, manager, deals):
    auth.login(manager)
    html = page(client)
    figures = figures_of(html)
    assert figures["Won"] == "1,500"
    assert figures["Commit"] == "8,500"  # 1500 won + C 4000 + D 3000
    assert figures["Best case"] == "10,500"  # + B 2000
    assert figures["Weighted forecast"] == "5,900"  # 1500 + 100 + 1000 + 3000 + 300
    assert figures["Open pipeline"] == "15,000"  # A B C D E F, not G (no date) nor H
    assert figures["Target"] == "8,000" and figures["Attainment"] == "19%"
    # Lows 900 + 3000 + 2500, highs 5000 + 3500, of A, C and D
    assert figures["Revenue range (3 deals)"] == "6,400 – 8,500"
    assert "without an expected close date, in no month: 1 (800)" in html


def test_per_owner_with_targets_and_attainment(client, auth, manager, sales_user, deals):
    auth.login(manager)
    rows = {row[0]: row[1:] for row in rows_of(page(client), "owners")}
    sam = next(v for k, v in rows.items() if "Sam Sales" in k)
    mia = next(v for k, v in rows.items() if "Mia Manager" in k)
    # Open deals | open | weighted | commit | best case | won | target | attainment
    assert sam == ["4", "6,000", "1,400", "4,500", "6,500", "1,500", "3,000", "50%"]
    assert mia == ["2", "9,000", "3,000", "4,000", "4,000", "0", "5,000", "0%"]
    assert not any("Out Sider" in k for k in rows)
    owner_link = next(k for k in rows if "Sam Sales" in k)
    assert f"owner={sales_user.id}" in owner_link and "period=custom" in owner_link


def test_categories_stack_across_pipelines_and_stages_for_one(
    client, auth, manager, deals, pipeline
):
    auth.login(manager)
    stacks = {r[0]: r[1:] for r in rows_of(page(client), "stacks")}
    # Won | Commit | Best case | Pipeline | Target
    assert stacks["Jan 2030"][:4] == ["0", "0", "1,000", "100"]
    assert stacks["Feb 2030"][:4] == ["1,500", "3,000", "0", "0"]
    assert stacks["Apr 2030"][:4] == ["0", "300", "0", "0"]
    html = page(client, f"{PERIOD}&pipeline={pipeline.id}")
    assert "Weighted: Awaiting commitment" in html
    by_stage = {r[0]: r[1:] for r in rows_of(html, "stacks")}
    # Won | New | Qualification | Demo scheduled | Awaiting commitment | Negotiation | Target
    assert by_stage["Jan 2030"][:6] == ["0", "100", "0", "0", "1,000", "0"]
    assert by_stage["Feb 2030"][:6] == ["1,500", "0", "0", "0", "0", "3,000"]


def test_deals_needing_attention(client, auth, manager, deals):
    auth.login(manager)
    html = page(client)
    rows = rows_of(html, "attention")
    assert len(rows) == 1
    deal = deals["H"]
    assert f'href="/opportunities/{deal.id}"' in rows[0][0] and ">H<" in rows[0][0]
    assert rows[0][1] == "Sam Sales" and rows[0][3] == "Jan 1, 2020"
    assert rows[0][4] == f"{(utcnow().date() - date(2020, 1, 1)).days:,}"


def test_visibility_another_lines_deals_and_targets_are_invisible(client, auth, deals):
    auth.login(deals["outsider"])
    figures = figures_of(page(client))
    assert figures["Open pipeline"] == "7,777" and figures["Target"] == "7,000"
    assert figures["Won"] == "0"


def test_a_seller_sees_the_forecast_of_their_line(client, auth, sales_user, deals):
    auth.login(sales_user)
    assert figures_of(page(client))["Open pipeline"] == "15,000"
    mine = figures_of(page(client, PERIOD.replace("owner=all", "owner=me")))
    assert mine["Open pipeline"] == "6,000" and mine["Target"] == "3,000"


def test_an_empty_period_shows_zeros_and_no_chart(client, auth, manager, deals):
    auth.login(manager)
    html = page(client, "period=custom&from=2031-01-01&to=2031-03-31")
    figures = figures_of(html)
    assert figures["Open pipeline"] == "0" and figures["Target"] == "—"
    assert figures["Attainment"] == "—"
    assert "No figures to draw" in html
    assert rows_of(html, "months")[0][:3] == ["Jan 2031", "0", "0"]
    assert "Nothing in this period." in html.split('data-table="owners"')[1]


def test_csv_of_months_and_owners(client, auth, manager, deals):
    auth.login(manager)
    response = client.get(f"/reports/forecast/months.csv?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "Month",
        "Won",
        "Open deals",
        "Open amount",
        "Weighted",
        "Commit",
        "Best case",
        "Target",
        "Attainment",
    ]
    feb = next(r for r in rows if r[0] == "Feb 2030")
    assert feb == ["Feb 2030", "1500.00", "2", "4000.00", "3000.00", "5500.00", "5500.00",
                   "6000.00", "25.0"]  # fmt: skip
    assert rows[-1][0] == "Total" and rows[-1][1] == "1500.00"
    owners = client.get(f"/reports/forecast/owners.csv?{PERIOD}").get_data(as_text=True)
    assert "Sam Sales,4,6000.00,1400.00,4500.00,6500.00,1500.00,3000.00,50.0" in owners
    attention = client.get(f"/reports/forecast/attention.csv?{PERIOD}").get_data(as_text=True)
    assert "H,Sam Sales,New,2020-01-01," in attention


def test_formula_like_deal_names_are_neutralised_in_the_csv(client, auth, manager, deals):
    deals["H"].name = "=HYPERLINK(1)"
    db.session.commit()
    auth.login(manager)
    text = client.get(f"/reports/forecast/attention.csv?{PERIOD}").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_forecast_queries_do_not_grow_with_deals(
    client, auth, manager, create_opportunity, pipeline, business_line, count_queries
):
    auth.login(manager)
    query = "/reports/forecast?period=next_12_months&owner=all"
    create_opportunity(name="one", stage_id=pipeline.stages[0].id)
    with count_queries() as few:
        client.get(query)
    today = utcnow().date()
    for n in range(15):
        deal = create_opportunity(
            name=f"more {n}",
            stage_id=pipeline.stages[n % 5].id,
            close_date=date(today.year + 1, 1 + n % 12, 1).isoformat(),
            forecast_category=("commit", "omitted", "")[n % 3],
        )
        if n % 4 == 0:
            won(deal, pipeline, utcnow())
    db.session.add(
        SalesTarget(
            owner_id=manager.id,
            business_line_id=business_line.id,
            month=today.replace(day=1),
            amount=Decimal(100),
        )
    )
    db.session.commit()
    with count_queries() as many:
        client.get(query)
    assert len(many) == len(few)


def test_the_demo_shows_a_live_forecast(client, auth):
    """After `make run`: explicit categories on some open deals, targets for the sellers,
    and a forecast with won, commit and target figures."""
    from webapp.demo.seed import DEMO_PASSWORD, seed_demo

    seed_demo(300)
    categories = db.session.scalars(
        select(Opportunity.forecast_category).where(Opportunity.status == "open").distinct()
    ).all()
    assert {"commit", "best_case", "omitted", "pipeline", None} <= set(categories)
    client.post("/login", data={"email": "manager@example.com", "password": DEMO_PASSWORD})
    figures = figures_of(page(client, "period=last_12_months"))
    for label in ("Won", "Commit", "Target"):
        assert figures[label] != "0" and figures[label] != "—"
    assert figures["Attainment"].endswith("%")
    assert any(label.startswith("Revenue range") for label in figures)


def test_a_very_long_custom_period_is_cut_to_five_years(client, auth, manager, deals):
    auth.login(manager)
    html = page(client, "period=custom&from=2030-01-01&to=9999-12-31&owner=all")
    assert "Shown: the first 60 months of the period, to Dec 31, 2034." in html
    rows = rows_of(html, "months")
    assert rows[0][0] == "Jan 2030" and rows[-1][0] == "Q4 2034 total"
    assert len(rows) == 60 + 20


def test_a_period_from_mid_month_counts_the_days_of_its_target(client, auth, manager, deals):
    """Sam's January target 2000 over Jan 17-31 (15 of 31 days): 967.74; February in full
    (Sam 1000, Mia 5000); the page says so. A period of whole months says nothing."""
    auth.login(manager)
    html = page(client, "period=custom&from=2030-01-17&to=2030-02-28&owner=all")
    months = {row[0]: row[1:] for row in rows_of(html, "months")}
    assert months["Jan 2030"][6] == "967.74" and months["Feb 2030"][6] == "6,000"
    assert figures_of(html)["Target"] == "6,968"  # whole units
    owners = {row[0]: row[1:] for row in rows_of(html, "owners")}
    sam = next(v for k, v in owners.items() if "Sam Sales" in k)
    assert sam[6] == "1,967.74"
    assert "its target counts for the days covered (15 of 31 days of Jan 2030)" in html
    assert "days covered" not in page(client)  # Jan-Jun 2030: whole months
    tail = page(client, "period=custom&from=2030-01-01&to=2030-02-14&owner=all")
    assert "(14 of 28 days of Feb 2030)" in tail
    assert {r[0]: r[1:] for r in rows_of(tail, "months")}["Feb 2030"][6] == "3,000"
