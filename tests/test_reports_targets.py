"""The sales targets page: managers set a seller x month grid in their locale, all or
nothing; sellers read it; other lines' people neither; the forecast measures against it."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.test_reports_forecast import figures_of
from webapp.extensions import db
from webapp.models.forecast import SalesTarget

IT = {"Accept-Language": "it-IT,it;q=0.9"}


def stored() -> dict:
    db.session.expire_all()
    return {(t.owner_id, t.month): t.amount for t in db.session.scalars(select(SalesTarget)).all()}


@pytest.fixture
def grid_form(business_line):
    def form(**cells) -> dict:
        return {"business_line": str(business_line.id), "year": "2030", **cells}

    return form


def cell(user, month: int) -> str:
    return f"target-{user.id}-{month}"


def test_a_manager_sets_targets_in_their_locale(
    client, auth, manager, sales_user, grid_form, business_line
):
    auth.login(manager)
    page = client.get(f"/reports/targets?business_line={business_line.id}&year=2030")
    assert page.status_code == 200
    assert f'name="{cell(sales_user, 1)}"' in page.get_data(as_text=True)
    response = client.post(
        "/reports/targets",
        data=grid_form(**{cell(sales_user, 1): "12.500,50", cell(manager, 2): "3000"}),
        headers=IT,
    )
    assert response.status_code == 302
    assert stored() == {
        (sales_user.id, date(2030, 1, 1)): Decimal("12500.50"),
        (manager.id, date(2030, 2, 1)): Decimal("3000.00"),
    }
    again = client.get(response.headers["Location"], headers=IT).get_data(as_text=True)
    assert 'value="12500,50"' in again and "Obiettivi salvati (2 modificati)." in again
    # Changed, emptied (removed) and left out (untouched) cells in one save.
    client.post(
        "/reports/targets",
        data=grid_form(**{cell(sales_user, 1): "", cell(sales_user, 3): "1,000"}),
    )
    assert stored() == {
        (manager.id, date(2030, 2, 1)): Decimal("3000.00"),
        (sales_user.id, date(2030, 3, 1)): Decimal("1000.00"),
    }
    target = db.session.scalar(select(SalesTarget).where(SalesTarget.owner_id == sales_user.id))
    assert target.set_by_id == manager.id and target.business_line_id == business_line.id


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", ""),
        ("-5", "cannot be negative"),
        ("9" * 25, ""),
        ("1" + "0" * 14, "too large"),
        ("x" * (1 << 20), "Enter an amount"),
        ("1\x002", ""),
    ],
)
def test_bad_cells_write_nothing_and_say_why(
    client, auth, manager, sales_user, grid_form, typed, message
):
    auth.login(manager)
    response = client.post(
        "/reports/targets",
        data=grid_form(**{cell(sales_user, 1): "500", cell(sales_user, 2): typed}),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was saved: 1 value could not be read" in html
    assert message in html and "is-invalid" in html
    assert 'value="500"' in html  # the good cell's typed value is kept too
    if len(typed) < 100 and typed.isprintable():
        assert f'value="{typed}"' in html  # the bad one too
    assert stored() == {}


def test_sellers_read_the_targets_but_may_not_set_them(
    client, auth, manager, sales_user, grid_form, business_line
):
    db.session.add(
        SalesTarget(
            owner_id=sales_user.id,
            business_line_id=business_line.id,
            month=date(2030, 1, 1),
            amount=Decimal("4200"),
        )
    )
    db.session.commit()
    auth.login(sales_user)
    html = client.get("/reports/targets?year=2030").get_data(as_text=True)
    assert ">4200<" in html and f'name="{cell(sales_user, 1)}"' not in html
    assert "Only the managers of Software set its targets" in html
    response = client.post("/reports/targets", data=grid_form(**{cell(sales_user, 1): "999999"}))
    assert response.status_code == 403
    assert stored() == {(sales_user.id, date(2030, 1, 1)): Decimal("4200.00")}


def test_another_lines_manager_sees_and_sets_nothing(
    client, auth, sales_user, grid_form, business_line
):
    hardware = factories.business_line("Hardware")
    boss = factories.user(
        email="boss@example.com", name="Hard Boss", role="manager", business_lines=[hardware]
    )
    auth.login(boss)
    assert client.get(f"/reports/targets?business_line={business_line.id}").status_code == 404
    html = client.get("/reports/targets").get_data(as_text=True)
    assert "Hardware" in html and "Sam Sales" not in html
    response = client.post("/reports/targets", data=grid_form(**{cell(sales_user, 1): "1"}))
    assert response.status_code == 404
    assert stored() == {}


def test_a_post_without_line_or_year_is_refused(client, auth, manager, sales_user):
    auth.login(manager)
    response = client.post("/reports/targets", data={cell(sales_user, 1): "100", "year": "9" * 25})
    assert response.status_code == 422
    assert "Choose a business line and a year" in response.get_data(as_text=True)
    assert stored() == {}


def test_the_forecast_measures_attainment_against_the_saved_targets(
    client, auth, manager, sales_user, grid_form, create_opportunity, pipeline
):
    deal = create_opportunity(name="Won one", amount="750", close_date="2030-01-20")
    deal.status, deal.stage_id = "won", pipeline.stages[5].id
    deal.closed_at = datetime(2030, 1, 20, 9)
    db.session.commit()
    auth.login(manager)
    client.post("/reports/targets", data=grid_form(**{cell(sales_user, 1): "3000"}))
    html = client.get(
        "/reports/forecast?period=custom&from=2030-01-01&to=2030-01-31&owner=all"
    ).get_data(as_text=True)
    figures = figures_of(html)
    assert figures["Target"] == "3,000" and figures["Attainment"] == "25%"
    assert "Target: 3K" in html  # the marker on the chart
