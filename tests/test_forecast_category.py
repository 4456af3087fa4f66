"""A deal's forecast category: shown and edited inline in its Overview (automatic = follows
the probability), written to the timeline, only by those who may edit the deal."""

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Opportunity, TimelineEntry

HX = {"HX-Request": "true"}


@pytest.fixture
def deal(create_opportunity, pipeline):
    return create_opportunity(name="Acme support", stage_id=pipeline.stages[3].id)  # 50%


def url(deal) -> str:
    return f"/opportunities/{deal.id}/fields/forecast_category"


def test_the_category_follows_the_probability_until_set(client, auth, sales_user, deal):
    auth.login(sales_user)
    page = client.get(f"/opportunities/{deal.id}").get_data(as_text=True)
    assert 'data-field="forecast_category"' in page
    assert "Best case (automatic, from probability)" in page
    editor = client.get(f"{url(deal)}?edit=1", headers=HX).get_data(as_text=True)
    assert '<option value="" selected>Automatic (from probability)</option>' in editor
    assert '<option value="commit">Commit</option>' in editor


def test_setting_and_clearing_the_category_writes_the_timeline(client, auth, sales_user, deal):
    auth.login(sales_user)
    response = client.post(
        url(deal), data={"forecast_category": "commit", "version": "1"}, headers=HX
    )
    assert response.status_code == 200 and "Commit" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).forecast_category == "commit"
    client.post(url(deal), data={"forecast_category": "", "version": "2"}, headers=HX)
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).forecast_category is None
    entries = db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.field == "forecast_category")
        .order_by(TimelineEntry.id)
    ).all()
    assert [(e.old_value, e.new_value) for e in entries] == [(None, "commit"), ("commit", None)]


@pytest.mark.parametrize("typed", ["closed", "x" * 5000, "commit\x00"])
def test_an_unknown_category_is_refused(client, auth, sales_user, deal, typed):
    auth.login(sales_user)
    response = client.post(url(deal), data={"forecast_category": typed, "version": "1"}, headers=HX)
    assert response.status_code == 422
    assert "Choose one of the forecast categories." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).version == 1


def test_someone_who_may_not_edit_the_deal_cannot_set_it(client, auth, create_user, deal):
    other = create_user(email="other@example.com", name="Other Seller", role="sales")
    auth.login(other)
    page = client.get(f"/opportunities/{deal.id}").get_data(as_text=True)
    assert "Best case (automatic, from probability)" in page
    response = client.post(url(deal), data={"forecast_category": "omitted", "version": "1"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).forecast_category is None


def test_the_deals_list_offers_the_category_column(client, auth, sales_user, deal):
    deal.forecast_category = "omitted"
    db.session.commit()
    auth.login(sales_user)
    query = "cols=name,forecast_category&sort=forecast_category"
    html = client.get(f"/opportunities?{query}").get_data(as_text=True)
    assert "Forecast category" in html and "Omitted" in html


def test_the_timeline_shows_the_categories_labels(client, auth, sales_user, deal):
    auth.login(sales_user)
    client.post(url(deal), data={"forecast_category": "best_case", "version": "1"}, headers=HX)
    client.post(url(deal), data={"forecast_category": "commit", "version": "2"}, headers=HX)
    db.session.expire_all()
    stored = db.session.scalars(
        select(TimelineEntry.new_value).where(TimelineEntry.field == "forecast_category")
    ).all()
    assert sorted(stored) == ["best_case", "commit"]  # stored as codes, shown as labels
    html = client.get(f"/opportunities/{deal.id}/panels/timeline", headers=HX).get_data(
        as_text=True
    )
    assert "data-old>—</span> → <span data-new>Best case</span>" in html
    assert "data-old>Best case</span> → <span data-new>Commit</span>" in html
    assert "best_case" not in html
