"""Accounts (client folders): list, the folder page, create and edit with conflict detection."""

from datetime import timedelta

from markupsafe import Markup
from sqlalchemy import func, select

from tests import factories
from webapp.accounts.concurrency import token
from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import Account, PluginEnablement
from webapp.opportunities.services import close_lost, close_won


def test_list_shows_open_deals_of_each_account(
    client, auth, sales_user, create_opportunity, count_queries
):
    acme = factories.account("Acme")
    create_opportunity(name="A", account_id=acme.id, amount="1000")
    create_opportunity(name="B", account_id=acme.id, amount="2500")
    factories.account("Quiet")
    auth.login(sales_user)
    page = client.get("/accounts").data.decode()
    row = page.split(f'data-account="{acme.id}"')[1].split("</tr>")[0]
    assert "2 · €3,500" in row
    client.get("/accounts")  # warm the per-app-context caches
    db.session.expire_all()
    with count_queries() as few:
        client.get("/accounts")
    for number in range(10):
        create_opportunity(name=f"More {number}", account_id=factories.account(f"X{number}").id)
    db.session.expire_all()
    with count_queries() as many:
        client.get("/accounts")
    assert len(many) == len(few)


def test_list_searches_and_paginates(client, auth, sales_user):
    for number in range(30):
        factories.account(f"Company {number:02d}", city="Milano" if number == 7 else "Roma")
    auth.login(sales_user)
    page = client.get("/accounts").data.decode()
    assert "Company 00" in page and "Company 24" in page and "Company 25" not in page
    assert "30 accounts" in page and 'hx-trigger="search, keyup delay:200ms changed"' in page
    page = client.get("/accounts?page=2").data.decode()
    assert "Company 25" in page and "Company 00" not in page
    fragment = client.get(
        "/accounts?q=milano", headers={"HX-Request": "true", "HX-Target": "account-list"}
    ).data.decode()
    assert "<html" not in fragment
    assert "Company 07" in fragment and "Company 08" not in fragment and "1 account" in fragment


def test_folder_groups_deals_with_totals_and_contacts(
    client, auth, sales_user, create_opportunity, lost_reason
):
    acme = factories.account("Acme", website="javascript:alert(1)")
    factories.contact(acme, "Rossi", first_name="Anna", email="anna@acme.com")
    factories.contact(factories.account("Other"), "Bianchi")
    create_opportunity(name="Open A", account_id=acme.id, amount="1000", probability="50")
    create_opportunity(name="Open B", account_id=acme.id, amount="3000", probability="10")
    won = create_opportunity(name="Won C", account_id=acme.id, amount="2500")
    lost = create_opportunity(name="Lost D", account_id=acme.id, amount="700")
    close_won(sales_user, won)
    close_lost(sales_user, lost, lost_reason.id)
    create_opportunity(name="Elsewhere")
    auth.login(sales_user)
    page = client.get(f"/accounts/{acme.id}").data.decode()
    groups = {
        status: page.split(f'data-deal-group="{status}"')[1].split("</section>")[0]
        for status in ("open", "won", "lost")
    }
    assert "Open A" in groups["open"] and "Open B" in groups["open"]
    assert "4,000" in groups["open"] and "800" in groups["open"]  # total, forecast 500 + 300
    assert "Won C" in groups["won"] and "2,500" in groups["won"]
    assert "Lost D" in groups["lost"] and "700" in groups["lost"]
    assert "Elsewhere" not in page
    assert "Anna Rossi" in page and "Bianchi" not in page
    assert f'href="/opportunities/new?account_id={acme.id}"' in page
    assert 'href="javascript:' not in page


def test_folder_hides_deals_the_user_may_not_see(client, auth, sales_user, create_user):
    other_line = factories.business_line("Hardware")
    other_pipeline = factories.pipeline(other_line)
    outsider = create_user(email="out@example.com", business_lines=[other_line])
    acme = factories.account("Acme")
    factories.opportunity(
        outsider,
        {"name": "Secret", "account_id": acme.id, "stage_id": other_pipeline.stages[0].id},
    )
    auth.login(sales_user)
    page = client.get(f"/accounts/{acme.id}").data.decode()
    assert "Secret" not in page
    # No deal the user sees: the page says so and offers to create one.
    assert 'data-empty="account-deals"' in page and 'data-deal-group="open"' not in page


def test_folder_query_count_does_not_grow_with_deals_or_contacts(
    client, auth, sales_user, create_opportunity, count_queries
):
    acme = factories.account("Acme")

    def fill(deals: int) -> None:
        for number in range(deals):
            factories.contact(acme, f"Person {number}")
            create_opportunity(name=f"Deal {number}", account_id=acme.id)

    auth.login(sales_user)
    fill(2)
    client.get(f"/accounts/{acme.id}")  # warm the per-app-context caches (plugin enablement)
    db.session.expire_all()  # the test shares the requests' session: start each page cold
    with count_queries() as few:
        assert client.get(f"/accounts/{acme.id}").status_code == 200
    fill(20)
    db.session.expire_all()
    with count_queries() as many:
        page = client.get(f"/accounts/{acme.id}").data.decode()
    assert page.count("data-deal=") == 22
    assert len(many) == len(few), (len(few), len(many))


class PanelPlugin:
    @hookimpl
    def account_panels(self, account, user):
        html = Markup("<p>chain of %s</p>") % account.name
        return [{"name": "renewal-chains", "title": "Renewals", "html": html}]


def test_account_panels_slot_renders_enabled_plugin_panels(
    app, client, auth, sales_user, business_line
):
    acme = factories.account("Acme <b>")
    registry = app.extensions["opportuno.plugins"]
    registry.pm.register(PanelPlugin(), name="test_panels")
    try:
        auth.login(sales_user)
        page = client.get(f"/accounts/{acme.id}").data.decode()
        assert 'data-panel="renewal-chains"' not in page  # installed but enabled nowhere
        db.session.add(
            PluginEnablement(business_line_id=business_line.id, plugin="test_panels", enabled=True)
        )
        db.session.commit()
        registry.forget_enablement()
        page = client.get(f"/accounts/{acme.id}").data.decode()
    finally:
        registry.pm.unregister(name="test_panels")
    assert 'data-panel="renewal-chains"' in page and "chain of Acme &lt;b&gt;" in page


def test_unknown_account_is_a_clear_404(client, auth, sales_user):
    auth.login(sales_user)
    response = client.get("/accounts/999")
    assert response.status_code == 404
    assert "This account does not exist" in response.data.decode()


def test_create_account_validates_in_place_and_keeps_input(client, auth, sales_user):
    factories.account("Acme")
    auth.login(sales_user)
    response = client.post(
        "/accounts/new", data={"name": "  ", "email": "not-an-email", "city": "Torino"}
    )
    page = response.data.decode()
    assert response.status_code == 422
    assert "This field is required." in page and "Enter an email address" in page
    assert 'value="Torino"' in page and 'value="not-an-email"' in page
    response = client.post("/accounts/new", data={"name": "acme"})
    assert response.status_code == 422 and "already exists" in response.data.decode()
    response = client.post(
        "/accounts/new", data={"name": "Nord Foods", "website": "nordfoods.com", "city": "Torino"}
    )
    assert response.status_code == 302
    nord = db.session.scalars(select(Account).where(Account.name == "Nord Foods")).one()
    assert (nord.website, nord.owner_id) == ("https://nordfoods.com", sales_user.id)
    assert response.headers["Location"].endswith(f"/accounts/{nord.id}")


def test_stale_edit_shows_what_changed_and_keeps_input(client, auth, sales_user):
    acme = factories.account("Acme", city="Milano", owner_id=sales_user.id)
    auth.login(sales_user)
    form = client.get(f"/accounts/{acme.id}/edit").data.decode()
    loaded = token(acme)
    assert f'value="{loaded}"' in form
    # a colleague saves first
    acme.city = "Torino"
    acme.updated_at = acme.updated_at + timedelta(seconds=1)
    db.session.commit()
    response = client.post(
        f"/accounts/{acme.id}/edit",
        data={"name": "Acme Group", "city": "Napoli", "updated_at": loaded},
    )
    page = response.data.decode()
    assert response.status_code == 409
    assert "Someone else changed this account meanwhile" in page
    assert "<td>Torino</td><td>Napoli</td>" in page  # saved now vs your input
    assert 'value="Acme Group"' in page and 'value="Napoli"' in page
    db.session.expire_all()
    assert (db.session.get(Account, acme.id).name, acme.city) == ("Acme", "Torino")
    # the re-rendered form carries the current token: saving again applies the input
    current = page.split('name="updated_at" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        f"/accounts/{acme.id}/edit",
        data={"name": "Acme Group", "city": "Napoli", "updated_at": current},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (acme.name, acme.city) == ("Acme Group", "Napoli")


def test_edit_is_for_owner_managers_and_admins(client, auth, sales_user, create_user, manager):
    colleague = create_user(email="colleague@example.com")
    acme = factories.account("Acme", owner_id=colleague.id)
    auth.login(sales_user)
    assert "/edit" not in client.get(f"/accounts/{acme.id}").data.decode()
    response = client.post(
        f"/accounts/{acme.id}/edit", data={"name": "Mine now", "updated_at": token(acme)}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).where(Account.name == "Mine now")) == 0
    auth.logout()
    auth.login(manager)
    response = client.post(
        f"/accounts/{acme.id}/edit", data={"name": "Acme 2", "updated_at": token(acme)}
    )
    assert response.status_code == 302


def test_forms_carry_the_csrf_token(make_app, sales_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        login = client.get("/login").data.decode()
        token_value = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={
                "email": sales_user.email,
                "password": "correct-horse-battery",
                "csrf_token": token_value,
            },
        )
        assert client.post("/accounts/new", data={"name": "No token"}).status_code == 400
        for url in ("/accounts/new", "/contacts/new", "/leads/new"):
            page = client.get(url).data.decode()
            assert 'name="csrf_token"' in page, url
        form = client.get("/accounts/new").data.decode()
        csrf = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/accounts/new", data={"name": "With token", "csrf_token": csrf})
        assert response.status_code == 302
