"""Reports skeleton and the pipeline value report: figures against hand-computed ones,
visibility, filters in the URL, CSV, charts."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from tests import factories
from webapp.extensions import db
from webapp.models._base import utcnow
from webapp.reports.charts import BarChart, Series, nice_ticks


@pytest.fixture
def deals(create_opportunity, pipeline, manager, sales_user):
    """New: 1000 + 500 (seller), Negotiation: 2000 (manager); one more in the trash, one won."""
    new, negotiation = pipeline.stages[0], pipeline.stages[4]
    made = [
        create_opportunity(name="A", amount="1000", stage_id=new.id),
        create_opportunity(name="B", amount="500", stage_id=new.id),
        create_opportunity(name="C", amount="2000", stage_id=negotiation.id, owner=manager),
        create_opportunity(name="Trashed", amount="9999", stage_id=new.id),
        create_opportunity(name="Won", amount="7777", stage_id=negotiation.id),
    ]
    made[3].deleted_at = utcnow()
    made[4].status = "won"
    # A is 10 days old, B 20, C 4: average age of New is 15 days.
    for deal, days in zip(made[:3], (10, 20, 4), strict=True):
        deal.created_at = utcnow() - timedelta(days=days, hours=1)
    db.session.commit()
    return made


def rows_of(html: str, table: str) -> list[list[str]]:
    body = html.split(f'data-table="{table}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    rows = []
    for chunk in body.split("<tr")[1:]:
        cells = [c.split(">", 1)[1].split("</td>")[0] for c in chunk.split("<td")[1:]]
        rows.append([c.strip() for c in cells])
    return rows


def test_reports_need_a_login(client):
    assert client.get("/reports/").status_code == 302
    assert client.get("/reports/pipeline").status_code == 302


def test_the_reports_menu_lists_the_reports(client, auth, sales_user):
    auth.login(sales_user)
    page = client.get("/opportunities").get_data(as_text=True)
    assert 'href="/reports/"' in page
    dashboard = client.get("/reports/").get_data(as_text=True)
    assert 'href="/reports/pipeline?' in dashboard  # a card per report ...
    assert 'hx-get="/reports/pipeline/summary?' in dashboard  # ... loading its figures


def test_dashboard_card_shows_the_key_figures(client, auth, manager, deals):
    auth.login(manager)
    html = client.get("/reports/pipeline/summary?owner=all").get_data(as_text=True)
    assert "Open deals" in html and "3" in html and "3,500" in html and "<svg" in html


def test_pipeline_value_per_stage_against_hand_computed_figures(client, auth, manager, deals):
    auth.login(manager)
    html = client.get("/reports/pipeline?owner=all").get_data(as_text=True)
    rows = {row[0]: row for row in rows_of(html, "stages")}
    # New: 2 deals, 1500, weighted 10% = 150, age (10 + 20) / 2 = 15.0
    assert rows["New"][1:] == ["2", "1,500", "150", "15.0"]
    # Negotiation: 1 open deal (the won one is not open), 2000, 75% = 1500, 4 days
    assert rows["Negotiation"][1:] == ["1", "2,000", "1,500", "4.0"]
    assert rows["Qualification"][1:4] == ["0", "0", "0"]
    assert "Won" not in rows and "Lost" not in rows  # closed stages hold no open value
    assert "<svg" in html and "Amount and weighted amount per stage" in html


def test_owner_filter_and_visibility(client, auth, manager, sales_user, deals, pipeline):
    other_line = factories.business_line("Hardware")
    factories.pipeline(other_line)
    outsider = factories.user(
        email="out@example.com", name="Out Sider", role="sales", business_lines=[other_line]
    )
    auth.login(manager)
    mine = rows_of(client.get("/reports/pipeline?owner=me").get_data(as_text=True), "stages")
    assert {r[0]: r[1] for r in mine}["Negotiation"] == "1"
    assert {r[0]: r[1] for r in mine}["New"] == "0"
    auth.logout()
    auth.login(outsider)  # sees only Hardware: none of these deals
    html = client.get(f"/reports/pipeline?pipeline={pipeline.id}").get_data(as_text=True)
    assert "1,500" not in html and "2,000" not in html


def test_csv_download_has_the_same_figures(client, auth, manager, deals):
    auth.login(manager)
    response = client.get("/reports/pipeline/stages.csv?owner=all")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Stage", "Deals", "Amount", "Weighted", "Average age (days)"]
    new = next(r for r in rows if r[0] == "New")
    assert new[1:4] == ["2", "1500.00", "150.00"] and new[4] == "15.0"
    assert rows[-1][:2] == ["Total", "3"]
    semicolon = client.get("/reports/pipeline/stages.csv?owner=all&sep=semicolon")
    assert "New;2;1500,00;150,00" in semicolon.get_data(as_text=True)


def test_formula_like_stage_names_are_neutralised_in_csv(client, auth, manager, deals, pipeline):
    pipeline.stages[1].name = "=HYPERLINK(1)"
    db.session.commit()
    auth.login(manager)
    text = client.get("/reports/pipeline/stages.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_unknown_report_or_table_is_404(client, auth, manager):
    auth.login(manager)
    assert client.get("/reports/nope").status_code == 404
    assert client.get("/reports/pipeline/nope.csv").status_code == 404


def test_filters_are_kept_in_the_links(client, auth, manager, deals, pipeline):
    auth.login(manager)
    html = client.get(f"/reports/pipeline?owner=me&pipeline={pipeline.id}").get_data(as_text=True)
    assert f"stages.csv?pipeline={pipeline.id}&amp;owner=me" in html


def test_htmx_filter_change_swaps_the_body_only(client, auth, manager, deals):
    auth.login(manager)
    html = client.get(
        "/reports/pipeline?owner=all", headers={"HX-Request": "true", "HX-Target": "report-body"}
    ).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="report-body"') and "<nav" not in html


def test_custom_period_with_a_bad_date_says_why(client, auth, manager, deals):
    auth.login(manager)
    from webapp.reports.filters import filters_from

    with client.application.test_request_context("/?period=custom&from=31/31/2026&to=2026-02-01"):
        filters = filters_from({"period": "custom", "from": "31/31/2026", "to": "2026-02-01"})
    assert "from" in filters.errors and filters.end.isoformat() == "2026-02-01"


def test_report_queries_do_not_grow_with_deals(
    client, auth, manager, create_opportunity, pipeline, count_queries
):
    auth.login(manager)
    create_opportunity(name="one", stage_id=pipeline.stages[0].id)
    with count_queries() as few:
        client.get("/reports/pipeline")
    for n in range(15):
        create_opportunity(name=f"more {n}", stage_id=pipeline.stages[n % 4].id)
    with count_queries() as many:
        client.get("/reports/pipeline")
    assert len(many) == len(few)


def test_chart_layout_mirrors_in_right_to_left():
    chart = BarChart("t", ["a", "b"], [Series("x", [Decimal(10), Decimal(30)])])
    ltr, rtl = chart.layout(False), chart.layout(True)
    assert ltr.bars[0].x < ltr.bars[1].x  # first category on the left
    assert rtl.bars[0].x > rtl.bars[1].x  # ... and on the right in RTL
    assert rtl.bars[0].x == pytest.approx(ltr.width - ltr.bars[0].x - ltr.bars[0].width)
    assert ltr.bars[1].height == pytest.approx(3 * ltr.bars[0].height)


def test_stacked_bars_sit_on_each_other_and_horizontal_bars_grow_sideways():
    chart = BarChart("t", ["a"], [Series("x", [5]), Series("y", [15])], stacked=True)
    low, high = chart.layout().bars
    assert low.y == pytest.approx(high.y + high.height)
    sideways = BarChart("t", ["a", "b"], [Series("x", [5, 10])], horizontal=True).layout()
    assert sideways.bars[1].width == pytest.approx(2 * sideways.bars[0].width)
    assert nice_ticks(0, 93)[-1] >= 93 and nice_ticks(0, 93)[0] == 0


def test_chart_values_in_persian_use_persian_marks(app):
    """Ticks and tooltips: Persian digits with the Persian decimal (٫) and grouping (٬)
    marks, never a Latin point between Persian digits; Italian keeps its comma."""
    from webapp.reports.charts import format_value
    from webapp.reports.shown import days

    with app.test_request_context(headers={"Accept-Language": "fa-IR"}):
        assert format_value(1_500_000, "amount") == "۱٫۵\xa0میلیون"
        assert format_value(4.25, "days").startswith("۴٫۲")
        assert format_value(12345, "count") == "۱۲٬۳۴۵"
        assert days(Decimal("12.5")) == "۱۲٫۵"
    with app.test_request_context(headers={"Accept-Language": "it-IT"}):
        assert format_value(12345, "count") == "12.345" and days(Decimal("12.5")) == "12,5"
