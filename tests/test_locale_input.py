"""Numbers and dates typed in the user's locale (Accept-Language) through every form that
takes them: read as meant and stored, or refused with a 422 that keeps the typed text and
writes nothing."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.test_board_move import amount_gate  # noqa: F401 (fixture)
from tests.test_renewals_views import enabled, won_deal  # noqa: F401 (fixtures)
from webapp.extensions import db
from webapp.models import Activity, Opportunity, OpportunityLine, TimelineEntry

EN = {"HX-Request": "true", "Accept-Language": "en-US,en;q=0.9"}
IT = {"HX-Request": "true", "Accept-Language": "it-IT,it;q=0.9,en;q=0.8"}
FA = {"HX-Request": "true", "Accept-Language": "fa-IR,fa;q=0.9"}


@pytest.fixture
def deal(create_opportunity):
    return create_opportunity(name="Acme support", amount="1000")


def stored(opp) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def save_amount(client, opp, typed: str, headers: dict):
    return client.post(
        f"/opportunities/{opp.id}/fields/amount",
        data={"amount": typed, "version": str(opp.version)},
        headers=headers,
    )


# --- the inline editor ----------------------------------------------------------------------


def test_inline_amount_in_italian_marks_is_refused_in_english(client, auth, sales_user, deal):
    auth.login(sales_user)
    entries = count(TimelineEntry)
    response = save_amount(client, deal, "1.500,50", EN)
    assert response.status_code == 422
    assert "1.500,50 is not a number in English: write 1500.50 or 1,500.50." in response.text
    assert 'value="1.500,50"' in response.text and "is-invalid" in response.text
    assert 'type="text" inputmode="decimal"' in response.text
    after = stored(deal)
    assert (after.amount, after.version) == (Decimal("1000.00"), 1)
    assert count(TimelineEntry) == entries


def test_inline_amount_in_italian_is_stored(client, auth, sales_user, deal):
    auth.login(sales_user)
    response = save_amount(client, deal, "1.500,50", IT)
    assert response.status_code == 200
    after = stored(deal)
    assert (after.amount, after.version) == (Decimal("1500.50"), 2)


def test_english_comma_must_group_thousands(client, auth, sales_user, deal):
    auth.login(sales_user)
    refused = save_amount(client, deal, "12,50", EN)
    assert refused.status_code == 422 and "write 12.50." in refused.text
    assert stored(deal).amount == Decimal("1000.00")
    assert save_amount(client, deal, "12,500", EN).status_code == 200
    assert stored(deal).amount == Decimal("12500.00")


def test_italian_dot_groups_thousands(client, auth, sales_user, deal):
    auth.login(sales_user)
    refused = save_amount(client, deal, "12.50", IT)
    assert refused.status_code == 422
    assert "12.50 non è un numero in italiano: scrivi 12,50." in refused.text
    assert 'value="12.50"' in refused.text and stored(deal).version == 1


def test_the_italian_editor_shows_a_value_that_saves_back_unchanged(client, auth, sales_user, deal):
    auth.login(sales_user)
    save_amount(client, deal, "1500,50", IT)
    opp = stored(deal)
    editor = client.get(f"/opportunities/{opp.id}/fields/amount?edit=1", headers=IT).text
    assert 'value="1500,50"' in editor
    english = client.get(f"/opportunities/{opp.id}/fields/amount?edit=1", headers=EN).text
    assert 'value="1500.50"' in english
    assert save_amount(client, opp, "1500,50", IT).status_code == 200
    assert stored(opp).amount == Decimal("1500.50")


def test_inline_probability_and_date_in_the_locale(client, auth, sales_user, deal):
    auth.login(sales_user)
    url = f"/opportunities/{deal.id}/fields"
    whole = client.post(
        f"{url}/probability", data={"probability": "12,5", "version": "1"}, headers=IT
    )
    assert whole.status_code == 422 and "12,5 non è un numero intero: scrivi 12 o 13." in whole.text
    assert 'inputmode="numeric"' in whole.text and 'value="12,5"' in whole.text
    ok = client.post(f"{url}/probability", data={"probability": "۴۰", "version": "1"}, headers=FA)
    assert ok.status_code == 200 and stored(deal).probability == 40
    day = client.post(
        f"{url}/close_date", data={"close_date": "31/12/26", "version": "2"}, headers=IT
    )
    assert day.status_code == 200 and stored(deal).close_date == date(2026, 12, 31)


# --- creating deals ---------------------------------------------------------------------------


def test_board_quick_create_with_persian_digits(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    stage = pipeline.stages[0]
    url = f"/pipelines/{pipeline.id}/board/stages/{stage.id}/deals"
    response = client.post(url, data={"name": "Persian", "amount": "۱۲۳۴"}, headers=FA)
    assert response.status_code == 201
    opp = db.session.scalars(select(Opportunity).where(Opportunity.name == "Persian")).one()
    assert opp.amount == Decimal("1234.00")
    refused = client.post(url, data={"name": "Twice", "amount": "1.500,50"}, headers=EN)
    assert refused.status_code == 422 and "write 1500.50 or 1,500.50." in refused.text
    assert 'value="1.500,50"' in refused.text and 'value="Twice"' in refused.text
    assert count(Opportunity) == 1


def test_navbar_quick_create_with_persian_digits(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    data = {"name": "Dialog", "amount": "۱۲۳۴", "stage_id": pipeline.stages[0].id}
    response = client.post("/opportunities/new", data=data, headers=FA)
    assert response.status_code == 204
    opp = db.session.scalars(select(Opportunity).where(Opportunity.name == "Dialog")).one()
    assert opp.amount == Decimal("1234.00")


@pytest.mark.parametrize("typed", ["sNaN", "1.500,50", "Infinity", "1e5"])
def test_full_form_refuses_bad_amounts_with_a_message(client, auth, sales_user, pipeline, typed):
    auth.login(sales_user)
    dialog = client.get("/opportunities/new").text
    assert 'type="number"' not in dialog and 'inputmode="decimal"' in dialog
    data = {"name": "Full", "amount": typed, "stage_id": pipeline.stages[0].id}
    response = client.post("/opportunities/new", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 200  # the plain form re-renders (the dialog answers 422)
    assert f"{typed} is not a number in English" in response.text
    assert f'value="{typed}"' in response.text and count(Opportunity) == 0
    dialog = client.post("/opportunities/new", data=data, headers=EN)
    assert dialog.status_code == 422 and f"{typed} is not a number in English" in dialog.text
    assert f'value="{typed}"' in dialog.text and count(Opportunity) == 0


def test_full_form_reads_italian_amount_and_date(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    data = {
        "name": "Italiano",
        "amount": "1.500,50",
        "close_date": "31/12/2026",
        "stage_id": pipeline.stages[0].id,
    }
    response = client.post("/opportunities/new", data=data, headers={"Accept-Language": "it"})
    assert response.status_code == 302
    opp = db.session.scalars(select(Opportunity).where(Opportunity.name == "Italiano")).one()
    assert (opp.amount, opp.close_date) == (Decimal("1500.50"), date(2026, 12, 31))
    data |= {"name": "Wrong day", "close_date": "12/31/2026"}
    refused = client.post("/opportunities/new", data=data, headers={"Accept-Language": "it"})
    assert "12/31/2026 non è una data in italiano: scrivila come DD/MM/YYYY" in refused.text
    assert 'value="12/31/2026"' in refused.text and count(Opportunity) == 1


# --- product lines ----------------------------------------------------------------------------


def test_product_line_quantity_in_italian(client, auth, sales_user, deal):
    product = factories.product("Support plan", "100")
    auth.login(sales_user)
    url = f"/opportunities/{deal.id}/lines"
    data = {
        "product_id": product.id,
        "quantity": "1,5",
        "unit_price": "1.000,50",
        "discount": "12,5",
    }
    response = client.post(url, data=data, headers=IT)
    assert response.status_code == 200
    line = db.session.scalars(select(OpportunityLine)).one()
    assert (line.quantity, line.unit_price, line.discount) == (
        Decimal("1.50"),
        Decimal("1000.50"),
        Decimal("12.50"),
    )
    editor = client.get(f"/opportunities/{deal.id}/panels/products?edit_line={line.id}", headers=IT)
    assert 'value="1,50"' in editor.text and 'value="1000,50"' in editor.text
    refused = client.post(url, data={**data, "quantity": "1.5"}, headers=IT)
    assert refused.status_code == 422
    assert "1.5 non è un numero in italiano: scrivi 1,5." in refused.text
    assert 'value="1.5"' in refused.text and count(OpportunityLine) == 1


def test_product_line_quantity_beyond_its_column_is_refused(client, auth, sales_user, deal):
    product = factories.product("Support plan", "100")
    auth.login(sales_user)
    data = {"product_id": product.id, "quantity": "10000000000"}
    response = client.post(f"/opportunities/{deal.id}/lines", data=data, headers=EN)
    assert response.status_code == 422 and "That quantity is too large." in response.text
    assert count(OpportunityLine) == 0


# --- dialogs and panels -----------------------------------------------------------------------


def test_gate_dialog_reads_the_amount_in_italian(
    client,
    auth,
    sales_user,
    amount_gate,  # noqa: F811 (the imported fixture)
    create_opportunity,
):
    qualification = amount_gate.stages[1]
    opp = create_opportunity(name="Gated", amount="0")
    auth.login(sales_user)
    extra = {"field": "amount", "problem": "Amount is required", "dialog": "1"}
    data = {"stage_id": qualification.id, "version": opp.version, "board": "1", **extra}
    url = f"/opportunities/{opp.id}/stage"
    refused = client.post(url, data={**data, "amount": "8.000,50"}, headers=EN)
    assert refused.status_code == 422 and "write 8000.50 or 8,000.50." in refused.text
    assert 'value="8.000,50"' in refused.text and 'inputmode="decimal"' in refused.text
    assert 'type="number"' not in refused.text
    assert (stored(opp).amount, stored(opp).version) == (0, 1)
    moved = client.post(url, data={**data, "amount": "8.000,50"}, headers=IT)
    assert moved.status_code == 200
    after = stored(opp)
    assert (after.stage_id, after.amount) == (qualification.id, Decimal("8000.50"))


def test_activity_due_in_italian(client, auth, sales_user, deal):
    auth.login(sales_user)
    url = f"/opportunities/{deal.id}/activities"
    response = client.post(url, data={"subject": "Call", "due_at": "31/12/2026 14:30"}, headers=IT)
    assert response.status_code == 200
    assert db.session.scalars(select(Activity)).one().due_at.replace(tzinfo=None) == datetime(
        2026, 12, 31, 14, 30
    )


def test_renewal_dialog_reads_amount_and_uplift_in_italian(
    won_deal,  # noqa: F811 (the imported fixture)
    auth,
    client,
    sales_user,  # noqa: F811
):
    auth.login(sales_user)
    url = f"/renewals/opportunities/{won_deal.id}/duplicate"
    dialog = client.get(url, headers=IT).text
    assert 'value="12000,00"' in dialog  # the amount as Italian reads it back
    data = {
        "kind": "renewal",
        "name": "Acme support 2027",
        "close_date": "31/03/2027",
        "amount": "12.000,00",
        "uplift": "2,5",
        "owner_id": str(sales_user.id),
    }
    before = count(Opportunity)
    refused = client.post(url, data={**data, "uplift": "2.5"}, headers=IT)
    assert refused.status_code == 422
    assert "2.5 non è un numero in italiano: scrivi 2,5." in refused.text
    assert 'value="2.5"' in refused.text and count(Opportunity) == before
    response = client.post(url, data=data, headers=IT)
    assert response.status_code == 200
    new = db.session.scalars(
        select(Opportunity).where(Opportunity.name == "Acme support 2027")
    ).one()
    assert (new.amount, new.close_date) == (Decimal("12300.00"), date(2027, 3, 31))
