"""Renewals plugin over HTTP: the Duplicate dialog, the slots it fills, the bulk page."""

from datetime import date

import pytest
from sqlalchemy import func, select

from plugins.renewals import services
from plugins.renewals.models import DealLink, RenewalPolicy
from tests import factories
from webapp.extensions import db
from webapp.models import Opportunity, PluginEnablement
from webapp.opportunities.services import close_won
from webapp.plugins import flatten, registry

HTMX = {"HX-Request": "true"}


@pytest.fixture
def enabled(business_line):
    db.session.add(PluginEnablement(business_line_id=business_line.id, plugin="renewals"))
    db.session.commit()
    return business_line


@pytest.fixture
def won_deal(enabled, create_opportunity, manager):
    acme = factories.account("Acme")
    opp = create_opportunity(
        name="Acme support 2026",
        account_id=acme.id,
        amount="12000",
        close_date="2026-03-31",
        contract_months="12",
    )
    close_won(manager, opp)
    return opp


def deals() -> int:
    return db.session.scalar(select(func.count()).select_from(Opportunity))


def test_dialog_opens_prefilled_for_a_renewal(won_deal, auth, client, sales_user):
    auth.login(sales_user)
    response = client.get(f"/renewals/opportunities/{won_deal.id}/duplicate", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<dialog class="app-dialog"' in html and "<html" not in html
    assert 'value="Acme support 2027"' in html
    assert 'value="2027-03-31"' in html  # close date + 12 months
    assert 'value="12000.00"' in html
    assert 'id="dup-kind-renewal" value="renewal" autocomplete="off"\n             checked' in html
    assert 'name="uplift"' in html


def test_switching_kind_reloads_the_defaults(won_deal, auth, client, sales_user):
    auth.login(sales_user)
    response = client.get(
        f"/renewals/opportunities/{won_deal.id}/duplicate?switch=1&kind=upsell", headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("{#") is False and 'id="duplicate-form"' in html
    assert "<dialog" not in html
    assert 'value="Acme support 2026 – upsell"' in html
    assert 'name="uplift"' not in html
    assert 'id="dup-amount" name="amount" inputmode="decimal" value=""' in html


def test_without_javascript_the_dialog_is_a_page(won_deal, auth, client, sales_user):
    auth.login(sales_user)
    html = client.get(f"/renewals/opportunities/{won_deal.id}/duplicate").get_data(as_text=True)
    assert "<html" in html and 'id="duplicate-form"' in html


def test_posting_the_dialog_creates_and_redirects(won_deal, auth, client, sales_user):
    auth.login(sales_user)
    response = client.post(
        f"/renewals/opportunities/{won_deal.id}/duplicate",
        data={
            "kind": "renewal",
            "name": "Acme support 2027",
            "close_date": "2027-03-31",
            "amount": "12000",
            "uplift": "5",
            "owner_id": str(sales_user.id),
            "parts": ["contacts", "tags"],
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    new = db.session.scalar(select(Opportunity).where(Opportunity.name == "Acme support 2027"))
    assert response.headers["HX-Redirect"] == f"/opportunities/{new.id}"
    assert str(new.amount) == "12600.00"
    page = client.get(f"/opportunities/{new.id}").get_data(as_text=True)
    assert 'data-panel="lineage"' in page
    assert "Renewal “Acme support 2027” created." in page


def test_bad_input_rerenders_the_form_with_422_and_keeps_typed_values(
    won_deal, auth, client, sales_user
):
    auth.login(sales_user)
    before = deals()
    response = client.post(
        f"/renewals/opportunities/{won_deal.id}/duplicate",
        data={"kind": "renewal", "name": "My typed name", "close_date": "soon", "uplift": "x"},
        headers=HTMX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="My typed name"' in html and 'value="soon"' in html
    assert "soon is not a date in English: write it as MM/DD/YYYY or YYYY-MM-DD." in html
    assert "x is not a number in English" in html
    assert "<dialog" not in html  # the form replaces itself inside the open dialog
    assert deals() == before


def test_plain_post_redirects_without_htmx(won_deal, auth, client, sales_user):
    auth.login(sales_user)
    response = client.post(
        f"/renewals/opportunities/{won_deal.id}/duplicate",
        data={"kind": "copy", "name": "Copy", "close_date": "2027-01-01"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/opportunities/")


def test_only_users_who_see_the_source_reach_the_dialog(won_deal, auth, client, create_user):
    elsewhere = factories.business_line("Hardware")
    stranger = create_user(email="x@example.com", name="X", business_lines=[elsewhere])
    auth.login(stranger)
    url = f"/renewals/opportunities/{won_deal.id}/duplicate"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"kind": "copy", "name": "Mine"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 0


def test_csrf_is_required(won_deal, make_app, sales_user):
    import re

    from tests.conftest import PASSWORD

    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"email": sales_user.email, "password": PASSWORD, "csrf_token": token}
    )
    url = f"/renewals/opportunities/{won_deal.id}/duplicate"
    forged = client.post(url, data={"kind": "copy", "name": "Forged"})
    assert forged.status_code == 400
    assert deals() == 1
    # signing in renewed the token: the one from the login page no longer works
    stale = client.post(url, data={"kind": "copy", "name": "Stale", "csrf_token": token})
    assert stale.status_code == 400 and deals() == 1
    page = client.get("/board").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    signed = client.post(url, data={"kind": "copy", "name": "Signed", "csrf_token": token})
    assert signed.status_code == 302
    assert deals() == 2


# --- slots ----------------------------------------------------------------------------------


def test_hook_opportunity_actions(won_deal, sales_user, app):
    with app.test_request_context():
        actions = flatten(
            registry().hook("opportunity_actions", won_deal.business_line_id)(
                opportunity=won_deal, user=sales_user
            )
        )
    labels = [a["label"] for a in actions]
    assert "Renew…" in labels and "Duplicate…" in labels
    renew = next(a for a in actions if a["label"] == "Renew…")
    assert renew["hx_get"] == f"/renewals/opportunities/{won_deal.id}/duplicate?kind=renewal"


def test_the_opportunity_page_shows_the_actions(won_deal, auth, client, sales_user):
    auth.login(sales_user)
    html = client.get(f"/opportunities/{won_deal.id}").get_data(as_text=True)
    assert f'hx-get="/renewals/opportunities/{won_deal.id}/duplicate"' in html
    assert "Renew…" in html


def test_a_business_line_without_the_plugin_shows_no_action(
    business_line, create_opportunity, auth, client, sales_user
):
    opp = create_opportunity(name="Elsewhere")
    auth.login(sales_user)
    html = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "/renewals/" not in html and "Duplicate…" not in html
    assert 'data-panel="lineage"' not in html
    assert client.get(f"/renewals/opportunities/{opp.id}/duplicate").status_code == 404


def test_hook_opportunity_panels(won_deal, sales_user, manager, app):
    renewal = services.duplicate(sales_user, won_deal, "renewal", {"name": "Acme 2027"})
    close_won(manager, renewal)
    with app.test_request_context():
        panels = flatten(
            registry().hook("opportunity_panels", won_deal.business_line_id)(
                opportunity=renewal, user=sales_user
            )
        )
    panel = next(p for p in panels if p["name"] == "lineage")
    html = str(panel["html"])
    assert "Acme support 2026" in html and "Acme 2027" in html
    assert 'data-kind="renewal"' in html
    assert "€24,000" in html  # lifetime value won along the chain
    assert "ends <strong>Mar 31, 2028</strong>" in html


def test_lineage_panel_escapes_names(won_deal, sales_user, auth, client):
    services.duplicate(sales_user, won_deal, "copy", {"name": "<script>alert(1)</script>"})
    auth.login(sales_user)
    html = client.get(f"/opportunities/{won_deal.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_opportunity_page_queries_do_not_grow_with_the_chain(
    won_deal, sales_user, manager, auth, client, count_queries
):
    auth.login(sales_user)
    deal = services.duplicate(sales_user, won_deal, "renewal", {"name": "R1"})
    close_won(manager, deal)
    with count_queries() as short:
        client.get(f"/opportunities/{won_deal.id}")
    for n in range(2, 6):
        deal = services.duplicate(sales_user, deal, "renewal", {"name": f"R{n}"})
        close_won(manager, deal)
    with count_queries() as long:
        html = client.get(f"/opportunities/{won_deal.id}").get_data(as_text=True)
    assert html.count("data-lineage-deal=") == 6
    assert len(long) == len(short)


def test_hook_account_panels(won_deal, sales_user, auth, client):
    services.duplicate(sales_user, won_deal, "renewal", {"name": "Acme 2027"})
    auth.login(sales_user)
    html = client.get(f"/accounts/{won_deal.account_id}").get_data(as_text=True)
    assert 'data-panel="deal-chains"' in html
    assert f'data-chain-group="{won_deal.id}"' in html
    assert "2 deals · 1 renewal" in html


# --- bulk page ------------------------------------------------------------------------------


def test_bulk_page_previews_then_generates_once(won_deal, manager, auth, client):
    auth.login(manager)
    period = {"date_from": "2027-03-01", "date_to": "2027-04-30"}
    assert 'name="date_to"' in client.get("/renewals/").get_data(as_text=True)
    preview = client.post("/renewals/", data={**period, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 renewal would be created" in html and "Acme support 2027" in html
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 0

    generate = {**period, "uplift": "10", "action": "generate"}
    created = client.post("/renewals/", data=generate)
    assert "1 renewal created" in created.get_data(as_text=True)
    again = client.post("/renewals/", data=generate)
    assert "0 renewals created" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 1
    renewal = db.session.scalar(select(Opportunity).where(Opportunity.id != won_deal.id))
    assert str(renewal.amount) == "13200.00"


def test_bulk_page_reports_a_bad_period(won_deal, manager, auth, client):
    auth.login(manager)
    response = client.post(
        "/renewals/",
        data={"date_from": "2027-05-01", "date_to": "2027-01-01", "action": "generate"},
    )
    assert response.status_code == 422
    assert "The period ends before it starts." in response.get_data(as_text=True)


def test_bulk_page_is_for_managers(won_deal, sales_user, auth, client):
    auth.login(sales_user)
    assert client.get("/renewals/").status_code == 403
    assert client.post("/renewals/", data={"date_from": "2027-01-01"}).status_code == 403


def test_auto_renewal_settings_are_saved_and_validated(enabled, manager, auth, client):
    auth.login(manager)
    bad = client.post(f"/renewals/policies/{enabled.id}", data={"days_before": "9999"})
    assert bad.status_code == 422
    assert "between 1 and 365" in bad.get_data(as_text=True)
    assert 'value="9999"' in bad.get_data(as_text=True)
    ok = client.post(
        f"/renewals/policies/{enabled.id}",
        data={"auto_renew": "on", "days_before": "45", "uplift": "2.5"},
    )
    assert ok.status_code == 302
    policy = db.session.get(RenewalPolicy, enabled.id)
    assert (policy.auto_renew, policy.days_before, str(policy.uplift)) == (True, 45, "2.50")


def test_demo_deals_have_terms_ending_soon(app):
    """After `make run` the demo has won deals whose term ends in the coming months."""
    from plugins.renewals.bulk import candidates
    from plugins.renewals.terms import add_months
    from webapp.demo.seed import seed_demo
    from webapp.models import BusinessLine

    seed_demo(400)
    lines = [line.id for line in db.session.scalars(select(BusinessLine))]
    soon = candidates(date.today(), add_months(date.today(), 6), lines)
    year = candidates(date.today(), add_months(date.today(), 12), lines)
    assert len(soon) >= 1 and len(year) >= 10


def test_hook_admin_actions(enabled, admin, sales_user, auth, client):
    auth.login(admin)
    assert 'href="/renewals/"' in client.get("/admin/").get_data(as_text=True)
    with client.application.test_request_context():
        tools = flatten(registry().hook("admin_actions")(user=sales_user))
    assert all(tool["href"] != "/renewals/" for tool in tools)


def test_board_cards_offer_duplicate_only_where_enabled(
    enabled, create_opportunity, auth, client, sales_user
):
    opp = create_opportunity(name="On the board")
    auth.login(sales_user)
    html = client.get("/board?owner=all").get_data(as_text=True)
    menu = f"/opportunities/{opp.id}/card-actions"
    assert 'data-card-actions="/opportunities/0/card-actions"' in html  # filled when it opens
    items = client.get(menu).get_data(as_text=True)
    assert f"/renewals/opportunities/{opp.id}/duplicate" in items
    db.session.execute(PluginEnablement.__table__.delete())
    db.session.commit()
    html = client.get("/board?owner=all").get_data(as_text=True)
    assert "On the board" in html  # the menu stays (the core's "Schedule activity…")
    assert "/renewals/" not in client.get(menu).get_data(as_text=True)


def test_account_panel_lists_terms_to_renew_until_renewed(
    won_deal, sales_user, create_opportunity, manager, auth, client, count_queries
):
    auth.login(sales_user)
    url = f"/accounts/{won_deal.account_id}"
    html = client.get(url).get_data(as_text=True)
    assert f'data-awaiting="{won_deal.id}"' in html
    assert f"/renewals/opportunities/{won_deal.id}/duplicate?kind=renewal" in html

    def add_chain(n):
        other = create_opportunity(
            name=f"Hosting {n}",
            account_id=won_deal.account_id,
            close_date="2026-05-01",
            contract_months="24",
        )
        close_won(manager, other)
        services.duplicate(sales_user, other, "renewal", {"name": f"Hosting {n} bis"})

    add_chain(0)
    db.session.expire_all()
    with count_queries() as few:
        client.get(url)
    for n in range(1, 5):
        add_chain(n)
    db.session.expire_all()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count("data-chain-group=") == 5
    assert len(many) == len(few)
    services.duplicate(sales_user, won_deal, "renewal", {"name": "Acme 2027"})
    html = client.get(url).get_data(as_text=True)
    assert f'data-awaiting="{won_deal.id}"' not in html


def test_lineage_panel_offers_renew_until_renewed(won_deal, sales_user, auth, client):
    auth.login(sales_user)
    url = f"/opportunities/{won_deal.id}"
    renew = f'hx-get="/renewals/opportunities/{won_deal.id}/duplicate?kind=renewal"'
    panel = client.get(url).get_data(as_text=True).split('data-panel="lineage"')[1]
    assert renew in panel and "Renew in bulk" not in panel  # a seller manages no bulk run
    services.duplicate(sales_user, won_deal, "renewal", {"name": "Acme 2027"})
    panel = client.get(url).get_data(as_text=True).split('data-panel="lineage"')[1]
    assert renew not in panel


@pytest.mark.parametrize("junk", ["\x00", "x" * 1_000_000])
def test_a_post_without_a_kind_makes_a_copy(won_deal, auth, client, sales_user, junk):
    """A form with no kind (only junk) is the service's default, a copy; never a 500."""
    auth.login(sales_user)
    before = deals()
    url = f"/renewals/opportunities/{won_deal.id}/duplicate"
    response = client.post(url, data={"switch": junk})
    assert response.status_code == 302
    assert deals() == before + 1
    db.session.expire_all()
    [link] = db.session.scalars(select(DealLink).where(DealLink.source_id == won_deal.id))
    assert link.kind == "copy"
