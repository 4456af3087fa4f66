from tests import factories


def test_search_finds_accounts_prefix_first_and_escapes(client, auth, sales_user):
    factories.account("Nord Foods")
    factories.account("Acme Nordic")
    factories.account("100% <Bio>")
    auth.login(sales_user)
    page = client.get("/accounts/search?account_name=nord").data.decode()
    assert page.index("Nord Foods") < page.index("Acme Nordic")
    assert "data-pick-account" in page
    page = client.get("/accounts/search?account_name=100%25").data.decode()
    assert "100% &lt;Bio&gt;" in page and "<Bio>" not in page
    page = client.get("/accounts/search?account_name=zzz").data.decode()
    assert "No match" in page and "data-pick-account" not in page


def test_new_deal_form_with_picked_and_new_account(client, auth, sales_user, pipeline):
    acme = factories.account("Acme S.p.A.")
    auth.login(sales_user)
    stage = pipeline.stages[0].id
    response = client.post(
        "/opportunities/new",
        data={
            "name": "Deal A",
            "account_id": acme.id,
            "account_name": "Acme S.p.A.",
            "stage_id": stage,
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/opportunities/new",
        data={
            "name": "Deal B",
            "account_id": "",
            "account_name": "Brand New Ltd",
            "stage_id": stage,
        },
    )
    assert response.status_code == 302
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Opportunity

    deals = {o.name: o.account.name for o in db.session.scalars(select(Opportunity))}
    assert deals == {"Deal A": "Acme S.p.A.", "Deal B": "Brand New Ltd"}


def test_new_deal_form_keeps_input_on_error(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    response = client.post(
        "/opportunities/new",
        data={
            "name": "Keep me",
            "account_id": "999",
            "account_name": "Ghost",
            "amount": "12",
            "stage_id": pipeline.stages[0].id,
        },
    )
    page = response.data.decode()
    assert response.status_code == 200  # the full page; the quick-create dialog answers 422
    assert "Unknown account." in page
    assert 'value="Keep me"' in page and 'value="Ghost"' in page
