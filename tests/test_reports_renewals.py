"""The Renewals report (renewals plugin, through ``register_reports``): contracts due per
month of their term's end, renewed / open / lost / none, renewal rate, uplift, against
hand-computed figures on contracts renewed through the plugin's services."""

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from plugins.renewals import services
from plugins.renewals.terms import add_months, term_end
from tests import factories
from tests.test_reports_pipeline import rows_of
from tests.test_reports_won_lost import figures_of
from webapp.extensions import db
from webapp.models import Opportunity, PluginEnablement
from webapp.opportunities.services import close_lost, close_won, delete_opportunity

PERIOD = "period=custom&from=2024-01-01&to=2024-06-30"


def enable(line):
    db.session.add(PluginEnablement(business_line_id=line.id, plugin="renewals", enabled=True))
    db.session.commit()


@pytest.fixture
def contracts(business_line, create_opportunity, sales_user, manager, lost_reason):
    """Terms ending Jan 2024 (1000, renewed at 1100), 29 Feb 2024 (2000, renewal open),
    Mar 2024 (500 renewal lost; 800 no renewal, an upsell won), Jun 2024 (3000, a trashed
    renewal, then one won at 2700). Left out: a term ending in August, a trashed contract,
    a lost deal with a term, a contract of another business line."""
    enable(business_line)

    def contract(name, amount, start, term, user=sales_user, **extra):
        deal = create_opportunity(
            name=name, amount=amount, contract_start=start, contract_months=str(term), **extra
        )
        close_won(manager, deal)
        return db.session.get(Opportunity, deal.id)

    def renew(deal, amount, kind="renewal"):
        options = {"name": f"{deal.name} next", "close_date": "2024-12-31", "parts": []}
        return services.duplicate(sales_user, deal, kind, {**options, "amount": amount})

    close_won(manager, renew(contract("K1", "1000", "2023-01-15", 12), "1100"))
    renew(contract("K2", "2000", "2023-12-31", 2), "2000")
    k3 = renew(contract("K3", "500", "2022-03-10", 24), "500")
    close_lost(manager, k3, lost_reason.id)
    k4 = contract("K4", "800", "2023-03-20", 12)
    close_won(manager, renew(k4, "300", kind="upsell"))
    k5 = contract("K5", "3000", "2023-06-01", 12)
    delete_opportunity(manager, renew(k5, "9999"))
    close_won(manager, renew(db.session.get(Opportunity, k5.id), "2700"))
    contract("August", "100", "2023-08-01", 12)
    delete_opportunity(manager, contract("Trashed", "100", "2023-02-10", 12))
    lost = create_opportunity(
        name="Lost", amount="100", contract_start="2023-02-10", contract_months="12"
    )
    close_lost(manager, lost, lost_reason.id)
    hardware = factories.business_line("Hardware")
    enable(hardware)
    other = factories.pipeline(hardware)
    outsider = factories.user(
        email="hw@example.com", name="Hal Hardware", role="sales", business_lines=[hardware]
    )
    theirs = factories.opportunity(
        outsider,
        {
            "name": "HW",
            "amount": "5000",
            "stage_id": other.stages[0].id,
            "contract_start": "2023-04-01",
            "contract_months": "12",
        },
    )
    close_won(outsider, theirs)
    return outsider


def test_renewals_due_per_month_against_hand_computed_figures(client, auth, manager, contracts):
    auth.login(manager)
    html = client.get(f"/reports/renewals?{PERIOD}").get_data(as_text=True)
    due = {row[0]: row[1:] for row in rows_of(html, "due")}
    assert due["Jan 2024"] == ["1", "1,000", "1", "0", "0", "0", "100%"]
    assert due["Feb 2024"] == ["1", "2,000", "0", "1", "0", "0", "0%"]  # 31 Dec + 2 months
    assert due["Mar 2024"] == ["2", "1,300", "0", "0", "1", "1", "0%"]  # an upsell is no renewal
    assert due["Apr 2024"][:2] == ["0", "0"] and "—" in due["Apr 2024"][-1]
    assert due["Jun 2024"] == ["1", "3,000", "1", "0", "0", "0", "100%"]  # the trashed one aside
    awaiting = rows_of(html, "awaiting")  # K4 only: K2's renewal is open, K3's was lost
    assert [row[0].split(">")[1].split("<")[0] for row in awaiting] == ["K4"]
    assert awaiting[0][3:] == ["Mar 20, 2024", "800"]
    uplift = {row[0]: row[1:] for row in rows_of(html, "uplift")}
    assert uplift["Jan 2024"] == ["1", "1,000", "1,100", "10%"]
    assert uplift["Jun 2024"] == ["1", "3,000", "2,700", "-10%"]
    assert figures_of(html) == {
        "Contracts due": "5",
        "Amount due": "7,300",
        "Renewal rate": "40%",  # 2 of 5
        "Uplift": "-5.0%",  # 3800 against 4000
    }


def test_a_term_not_yet_ended_counts_in_the_rate_once_its_renewal_is_won_or_lost(
    client, auth, manager, sales_user, business_line, create_opportunity, lost_reason
):
    enable(business_line)
    start = (date.today() + timedelta(days=40)).replace(day=1) - timedelta(days=365)
    for name in ("Waiting", "Renewed early", "Lost early"):
        deal = create_opportunity(
            name=name, amount="100", contract_start=start.isoformat(), contract_months="12"
        )
        close_won(manager, deal)
    auth.login(manager)
    url = "/reports/renewals?period=next_12_months"
    figures = figures_of(client.get(url).get_data(as_text=True))
    assert figures["Contracts due"] == "3" and figures["Renewal rate"] == "—"  # none settled
    deals = {d.name: d for d in db.session.scalars(select(Opportunity))}
    renewals = {
        name: services.duplicate(
            sales_user, deals[name], "renewal", {"name": f"{name} next", "parts": []}
        )
        for name in ("Renewed early", "Lost early")
    }
    close_won(manager, renewals["Renewed early"])
    close_lost(manager, renewals["Lost early"], lost_reason.id)
    figures = figures_of(client.get(url).get_data(as_text=True))
    assert figures["Renewal rate"] == "50%"  # 1 renewed of 2 settled; "Waiting" is not


def test_another_business_line_csv_and_constant_queries(
    client, auth, manager, contracts, count_queries
):
    auth.login(contracts)  # the Hardware seller: their one contract, ending April 2024
    html = client.get(f"/reports/renewals?{PERIOD}").get_data(as_text=True)
    assert figures_of(html)["Contracts due"] == "1"
    auth.logout()
    auth.login(manager)
    text = client.get(f"/reports/renewals/due.csv?{PERIOD}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Term ends", "Due", "Amount due"]
    assert rows[-1] == ["Total", "5", "7300.00", "2", "1", "1", "1", "40.0"]
    with count_queries() as full:
        client.get(f"/reports/renewals?{PERIOD}")
    with count_queries() as empty:
        client.get("/reports/renewals?period=custom&from=2020-01-01&to=2020-03-31")
    assert len(full) == len(empty)


def test_contracts_awaiting_a_renewal_in_order_of_their_end(
    client, auth, manager, contracts, create_opportunity
):
    for name, start in (
        ("Late A", "2023-05-10"),
        ("Early", "2023-02-05"),
        ("Late B", "2023-05-10"),
    ):
        close_won(
            manager,
            create_opportunity(name=name, amount="10", contract_start=start, contract_months="12"),
        )
    auth.login(manager)
    html = client.get(f"/reports/renewals?{PERIOD}").get_data(as_text=True)
    awaiting = rows_of(html, "awaiting")
    assert [row[0].split(">")[1].split("<")[0] for row in awaiting] == [
        "Early", "K4", "Late A", "Late B"
    ]  # fmt: skip
    assert [row[3] for row in awaiting] == [
        "Feb 5, 2024", "Mar 20, 2024", "May 10, 2024", "May 10, 2024"
    ]  # fmt: skip


def test_the_report_exists_only_where_the_plugin_is_on(client, auth, manager, business_line):
    auth.login(manager)
    assert client.get("/reports/renewals").status_code == 404
    assert "/reports/renewals/summary?" not in client.get("/reports/").get_data(as_text=True)
    enable(business_line)
    assert client.get("/reports/renewals").status_code == 200
    assert "/reports/renewals/summary?" in client.get("/reports/").get_data(as_text=True)


@pytest.mark.parametrize(
    "start, close, months",
    [
        (date(2024, 1, 31), None, 1),  # into a leap February
        (date(2023, 12, 31), None, 2),
        (date(2023, 3, 31), None, 11),
        (date(2022, 2, 28), None, 24),
        (None, date(2023, 6, 15), 12),  # no contract start: from the close date
        (date(2023, 10, 30), date(2023, 1, 1), 4),  # the contract start first
        (date(2023, 5, 31), None, 0),
        (date(2023, 5, 31), None, None),  # no term
        (None, None, 12),
    ],
)
def test_the_database_computes_the_term_end_as_the_plugin(create_opportunity, start, close, months):
    """``Opportunity.term_end`` (a generated column) is ``terms.term_end`` on both databases,
    when the deal is written and when its term changes."""
    deal = create_opportunity(name="Contract")
    deal.contract_start, deal.close_date, deal.contract_months = start, close, months
    db.session.commit()
    stored = db.session.scalar(select(Opportunity.term_end).where(Opportunity.id == deal.id))
    assert stored == term_end(deal)
    db.session.execute(
        update(Opportunity).where(Opportunity.id == deal.id).values(contract_months=3)
    )
    stored = db.session.scalar(select(Opportunity.term_end).where(Opportunity.id == deal.id))
    assert stored == (add_months(start or close, 3) if start or close else None)
