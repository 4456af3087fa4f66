"""The estimate accuracy report: objective vs final amount vs accepted quote (through the
erp_quotes plugin's ``report_accepted_amounts``) against hand-computed figures."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest

from plugins.erp_quotes import services as erp
from plugins.erp_quotes.models import ErpQuote
from plugins.erp_quotes.providers import RemoteQuote
from tests.test_reports_pipeline import rows_of
from tests.test_reports_won_lost import date_closing, figures_of
from webapp.extensions import db
from webapp.models import Opportunity, PluginEnablement
from webapp.opportunities import services as opportunities

PERIOD = "period=custom&from=2026-01-01&to=2026-06-30"


def quote(deal, version: int, status: str, total: str, user) -> ErpQuote:
    """A quote the ERP confirmed, taken through the plugin's own service."""
    made = ErpQuote(
        opportunity_id=deal.id,
        version=version,
        provider="erpnext",
        reference=f"OPP-{deal.id}-{version}",
        request={},
    )
    db.session.add(made)
    db.session.flush()
    remote = RemoteQuote(f"Q-{deal.id}-{version}", status, status.title(), Decimal(total), "EUR")
    erp.apply_remote(made, remote, user=user)
    db.session.commit()
    return made


@pytest.fixture
def won(create_opportunity, business_line, sales_user, manager, lost_reason):
    """Sam: P objective 1000, quote 1200 accepted (and a later one only sent), won, then
    edited to 1300; Q objective 2000, no quote, won at 1500; R no objective, quote 800, won.
    Mia: S objective 500, no amount, won. Left out: T lost, U trashed, V won in July."""
    db.session.add(PluginEnablement(business_line_id=business_line.id, plugin="erp_quotes"))
    db.session.commit()

    def close(deal, user=sales_user, when=datetime(2026, 2, 1, 9)):
        opportunities.close_won(user, deal)
        date_closing(deal, when, 10)
        return db.session.get(Opportunity, deal.id)

    p = create_opportunity(name="P", amount="900", objective="1000")
    quote(p, 1, "accepted", "1200", sales_user)
    quote(p, 2, "open", "5000", sales_user)
    p = close(p)
    opportunities.update_opportunity(sales_user, p, {"amount": "1300"})
    db.session.commit()
    close(create_opportunity(name="Q", amount="1500", objective="2000"))
    r = create_opportunity(name="R", amount="100")
    quote(r, 1, "accepted", "800", sales_user)
    close(r)
    close(create_opportunity(name="S", amount="0", objective="500", owner=manager), manager)
    t = create_opportunity(name="T", amount="100", objective="100")
    opportunities.close_lost(sales_user, t, lost_reason.id)
    u = close(create_opportunity(name="U", amount="100", objective="900"))
    opportunities.delete_opportunity(manager, u)
    close(create_opportunity(name="V", amount="100", objective="900"), when=datetime(2026, 7, 1))


def test_accuracy_per_owner_and_line_against_hand_computed_figures(client, auth, manager, won):
    auth.login(manager)
    html = client.get(f"/reports/accuracy?{PERIOD}").get_data(as_text=True)
    owners = {row[0].split(">")[1].split("<")[0]: row[1:] for row in rows_of(html, "owners")}
    # Sam: won P 1300 + Q 1500 + R 800; objectives of P and Q 3000 against 2800 finals: -7%;
    # quotes of P and R 2000 against 2100 finals: +5%.
    assert owners["Sam Sales"] == ["3", "3,600", "2", "3,000", "-7%", "2", "2,000", "5%"]
    # Mia: S, no amount, objective 500: -100%; no quote, so no quote bias.
    assert owners["Mia Manager"][:5] == ["1", "0", "1", "500", "-100%"]
    assert owners["Mia Manager"][5:7] == ["0", "0"] and "—" in owners["Mia Manager"][7]
    lines = {row[0]: row[1:] for row in rows_of(html, "lines")}
    assert lines["Software"] == ["4", "3,600", "3", "3,500", "-20%", "2", "2,000", "5%"]
    assert figures_of(html) == {
        "Won deals": "4",
        "With an objective": "3 of 4",
        "Final vs objective": "-20.0%",  # 2800 against 3500
        "With an accepted quote": "2 of 4",
        "Final vs quote": "+5.0%",
    }
    assert "Final amount against the estimates, per owner" in html and "<svg" in html


def test_accuracy_csv_and_owner_links(client, auth, manager, sales_user, won):
    auth.login(manager)
    text = client.get(f"/reports/accuracy/owners.csv?{PERIOD}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Owner", "Won", "Final amount"]
    sam = next(r for r in rows if r[0] == "Sam Sales")
    assert sam == ["Sam Sales", "3", "3600.00", "2", "3000.00", "-6.7", "2", "2000.00", "5.0"]
    assert rows[-1] == ["Total", "4", "3600.00", "3", "3500.00", "-20.0", "2", "2000.00", "5.0"]
    html = client.get(f"/reports/accuracy?{PERIOD}").get_data(as_text=True)
    assert f"owner={sales_user.id}" in html  # each owner links to their own figures
    mine = client.get(f"/reports/accuracy?{PERIOD}&owner={sales_user.id}").get_data(as_text=True)
    assert figures_of(mine)["Won deals"] == "3"


def test_without_the_quotes_plugin_deals_count_without_a_quote(client, auth, manager, won):
    db.session.query(PluginEnablement).delete()
    db.session.commit()
    auth.login(manager)
    html = client.get(f"/reports/accuracy?{PERIOD}").get_data(as_text=True)
    assert figures_of(html)["With an accepted quote"] == "0 of 4"
    assert figures_of(html)["Final vs quote"] == "—"
    assert figures_of(html)["Final vs objective"] == "-20.0%"


def test_empty_period_and_constant_queries(client, auth, manager, won, count_queries):
    auth.login(manager)
    html = client.get("/reports/accuracy?period=custom&from=2025-01-01&to=2025-02-01")
    assert rows_of(html.get_data(as_text=True), "owners") == [["No deal won in this period."]]
    with count_queries() as many:
        client.get(f"/reports/accuracy?{PERIOD}")
    with count_queries() as none:
        client.get("/reports/accuracy?period=custom&from=2025-01-01&to=2025-02-01")
    assert len(many) == len(none)
