"""Every refused intent writes nothing: row counts of every table and the deals' versions are
the same before and after (creating a deal with a new account, quick create, converting a
lead, duplicating, adding a product line)."""

import pytest
from sqlalchemy import select

from tests.fingerprint import fingerprint
from webapp.extensions import db
from webapp.models import Lead, Opportunity

HTMX = {"HX-Request": "true"}


@pytest.fixture
def signed_in(client, auth, sales_user, pipeline, create_opportunity):
    create_opportunity(name="Existing deal")
    auth.login(sales_user)
    return client


@pytest.mark.parametrize(
    "bad",
    [{"amount": "a lot"}, {"close_date": "someday"}, {"stage_id": "999999"}, {"name": ""}],
)
def test_new_deal_with_a_new_account_writes_nothing(signed_in, pipeline, bad):
    before = fingerprint()
    data = {
        "name": "Brand new",
        "account_name": "Nuova Impresa Srl",
        "amount": "100",
        "stage_id": str(pipeline.stages[0].id),
        **bad,
    }
    response = signed_in.post("/opportunities/new", data=data)
    assert response.status_code in (200, 422)
    assert 'value="Nuova Impresa Srl"' in response.text  # the typed input stays
    assert fingerprint() == before


def test_quick_create_with_a_new_account_writes_nothing(signed_in, pipeline):
    before = fingerprint()
    stage = pipeline.stages[0]
    response = signed_in.post(
        f"/pipelines/{pipeline.id}/board/stages/{stage.id}/deals",
        data={"name": "Quick", "account_name": "Nuova Impresa Srl", "amount": "lots"},
        headers=HTMX,
    )
    assert response.status_code == 422 and "Nuova Impresa Srl" in response.text
    assert fingerprint() == before


def test_lead_conversion_refused_at_the_deal_writes_nothing(signed_in, sales_user, pipeline):
    lead = Lead(
        first_name="Lia",
        last_name="Verdi",
        company="Verdi Arredi",
        email="lia@verdi.example",
        owner_id=sales_user.id,
        business_line_id=pipeline.business_line_id,
        status="qualified",
    )
    db.session.add(lead)
    db.session.commit()
    before = fingerprint()
    response = signed_in.post(
        f"/leads/{lead.id}/convert",
        data={
            "account_name": "Verdi Arredi",
            "name": "Verdi fit-out",
            "amount": "100",
            "stage_id": str(pipeline.stage_of_kind("won").id),  # a deal starts open: refused
        },
    )
    assert response.status_code == 422
    assert fingerprint() == before
    assert db.session.get(Lead, lead.id).status == "qualified"


def test_product_line_refused_writes_nothing(signed_in):
    opp = db.session.scalars(select(Opportunity)).first()
    before = fingerprint()
    response = signed_in.post(
        f"/opportunities/{opp.id}/lines",
        data={"description": "Consulting", "quantity": "-2", "unit_price": "10"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert fingerprint() == before
