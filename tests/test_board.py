"""The board: columns, totals, filters, cards, load more, quick create, query counts."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from sqlalchemy import insert, select

from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import Activity, Opportunity, PluginEnablement, User, opportunity_tags
from webapp.models._base import utcnow

from . import factories


def column_html(html: str, stage_id: int) -> str:
    """The markup of one column (up to the next column or the drop zones)."""
    start = html.index(f'id="column-{stage_id}"')
    end = min(
        (
            i
            for i in (
                html.find('class="board-column"', start + 1),
                html.find("board-closing", start),
            )
            if i > 0
        ),
        default=len(html),
    )
    return html[start:end]


def totals_of(html: str, stage_id: int) -> tuple[str, str, str]:
    col = column_html(html, stage_id)
    pick = lambda key: re.search(rf"<span data-{key}[^>]*>([^<]*)</span>", col).group(1).strip()  # noqa: E731
    return pick("count"), pick("total"), pick("weighted")


def bulk_deals(pipeline, owner, count: int, *, stage=None, amount="1000", **extra) -> list[int]:
    """Insert ``count`` open deals directly (fast), each with a tag and an open activity."""
    stage = stage or pipeline.stages[0]
    first = (db.session.scalar(select(db.func.max(Opportunity.id))) or 0) + 1
    now = utcnow()
    rows = [
        {
            "id": first + i,
            "name": f"Bulk deal {i}",
            "owner_id": owner.id,
            "business_line_id": pipeline.business_line_id,
            "pipeline_id": pipeline.id,
            "stage_id": stage.id,
            "position": i,
            "probability": stage.probability,
            "amount": Decimal(amount),
            "currency": "EUR",
            "status": "open",
            "stage_entered_at": now,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            **extra,
        }
        for i in range(count)
    ]
    db.session.execute(insert(Opportunity.__table__), rows)
    tag = factories.tag(f"bulk-{first}")
    db.session.execute(
        insert(opportunity_tags), [{"opportunity_id": r["id"], "tag_id": tag.id} for r in rows]
    )
    db.session.execute(
        insert(Activity.__table__),
        [
            {
                "opportunity_id": r["id"],
                "subject": "Call back",
                "kind": "call",
                "done": False,
                "due_at": now + timedelta(days=2),
                "created_at": now,
                "updated_at": now,
            }
            for r in rows
        ],
    )
    db.session.commit()
    return [r["id"] for r in rows]


def test_columns_show_totals_over_every_matching_deal(
    client, auth, sales_user, pipeline, create_opportunity
):
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    create_opportunity(name="Alpha", amount="1000")
    create_opportunity(name="Beta", amount="2500")
    create_opportunity(name="Gamma", amount="10000", stage_id=qualification.id)
    auth.login(sales_user)
    html = client.get("/board").get_data(as_text=True)
    assert totals_of(html, new.id) == ("2 deals", "€3.5K", "≈ €350")  # 10%
    assert totals_of(html, qualification.id) == ("1 deal", "€10K", "≈ €2K")  # 20%
    assert "Alpha" in column_html(html, new.id) and "Gamma" in column_html(html, qualification.id)
    # Won and Lost are drop zones, not columns.
    assert 'data-kind="won"' in html and 'data-kind="lost"' in html
    assert f'id="column-{pipeline.stages[-1].id}"' not in html


def test_card_shows_account_amount_owner_tags_days_and_next_activity(
    client, auth, sales_user, pipeline, create_opportunity, create_account
):
    tag = factories.tag("media agency", "info")
    opp = create_opportunity(
        name="Acme rollout",
        amount="12500",
        account_id=create_account("Acme S.p.A.").id,
        close_date="2027-03-31",
        tag_ids=[tag.id],
    )
    later = Activity(
        opportunity_id=opp.id, subject="Send the offer", due_at=utcnow() + timedelta(days=9)
    )
    sooner = Activity(
        opportunity_id=opp.id, subject="Demo call", due_at=utcnow() + timedelta(days=2)
    )
    done = Activity(opportunity_id=opp.id, subject="Old call", done=True, due_at=utcnow())
    db.session.add_all([later, sooner, done])
    db.session.commit()
    auth.login(sales_user)
    # Compact (the default): name, account, amount, close date, owner; no mover per card.
    html = client.get("/board").get_data(as_text=True)
    card = card_html(html, opp.id)
    assert "Acme rollout" in card and "Acme S.p.A." in card
    assert "€12,500" in card and "Mar 31, 2027" in card  # the locale's date (en)
    assert ">SS<" in card  # Sam Sales
    assert "media agency" not in card and "days in stage" not in card
    assert f'data-version="{opp.version}"' in card
    assert "<select" not in card and "<form" not in card
    # The move: the menu's link (the move page without JavaScript); one mover per board.
    assert f'href="/opportunities/{opp.id}/stage"' in card
    assert html.count('id="board-mover"') == 1
    assert f'<option value="{pipeline.stages[0].id}">{pipeline.stages[0].name}</option>' in html

    # Comfortable, chosen on the board and stored on the user.
    response = client.post("/board/density", data={"density": "comfortable"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, sales_user.id).board_density == "comfortable"
    card = card_html(client.get("/board").get_data(as_text=True), opp.id)
    assert "media agency" in card
    assert "0 days in stage" in card
    assert "Next: Demo call" in card and "Old call" not in card


def card_html(html: str, opp_id: int) -> str:
    card = html[html.index(f'id="card-{opp_id}"') :]
    return card[: card.index("</article>")]


def test_density_refuses_unknown_values(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    client.post("/board/density", data={"density": "x" * 1000})
    page = client.get("/board").get_data(as_text=True)
    assert "Choose compact or comfortable cards." in page
    db.session.expire_all()
    assert db.session.get(User, sales_user.id).board_density == "compact"


def test_compact_card_flags_stale_deals_and_missing_activity(
    client, auth, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity(name="Quiet deal")
    auth.login(sales_user)
    card = card_html(client.get("/board").get_data(as_text=True), opp.id)
    assert "No next activity" in card


def test_move_page_without_javascript(client, auth, sales_user, pipeline, create_opportunity):
    opp = create_opportunity(name="Paper deal")
    qualification = pipeline.stages[1]
    auth.login(sales_user)
    page = client.get(f"/opportunities/{opp.id}/stage", headers={"Referer": "/board?owner=all"})
    html = page.get_data(as_text=True)
    assert "Stage of Paper deal" in html and 'name="next" value="/board?owner=all"' in html
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": qualification.id, "version": opp.version, "next": "/board?owner=all"},
    )
    assert response.status_code == 302 and response.location.endswith("/board?owner=all")
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).stage_id == qualification.id


def test_move_page_of_someone_elses_deal_is_refused(
    client, auth, sales_user, create_user, pipeline, create_opportunity
):
    colleague = create_user(email="other@example.com", name="Olga Other", role="sales")
    hers = create_opportunity(name="Not mine", owner=colleague)
    auth.login(sales_user)
    response = client.get(f"/opportunities/{hers.id}/stage")
    assert response.status_code == 403 and "Stage of" not in response.get_data(as_text=True)
    items = client.get(f"/opportunities/{hers.id}/card-actions").get_data(as_text=True)
    assert "data-move-to" not in items


def test_stale_card_stands_out_with_its_days(
    client, auth, sales_user, pipeline, create_opportunity
):
    fresh = create_opportunity(name="Fresh deal")
    stale = create_opportunity(name="Stale deal")
    stale.stage_entered_at = utcnow() - timedelta(days=40)  # New rots after 14 days
    db.session.commit()
    auth.login(sales_user)
    html = client.get("/board").get_data(as_text=True)
    stale_card = html[html.index(f'id="card-{stale.id}"') - 60 :]
    assert "rotting" in stale_card[:80]
    assert "Stale: 40 days in stage (limit 14)" in stale_card[: stale_card.index("</article>")]
    fresh_card = html[html.index(f'id="card-{fresh.id}"') - 60 :]
    assert "rotting" not in fresh_card[:80]


def test_overdue_activity_and_passed_close_date_are_red(
    client, auth, sales_user, pipeline, create_opportunity
):
    late = create_opportunity(name="Late deal", close_date=(date.today() - timedelta(days=3)))
    on_time = create_opportunity(name="On time", close_date=(date.today() + timedelta(days=30)))
    db.session.add_all(
        [
            Activity(opportunity_id=late.id, subject="Chase", due_at=utcnow() - timedelta(days=2)),
            Activity(
                opportunity_id=on_time.id, subject="Demo", due_at=utcnow() + timedelta(days=2)
            ),
        ]
    )
    db.session.commit()
    auth.login(sales_user)
    html = client.get("/board").get_data(as_text=True)

    def card(opp):
        start = html.index(f'id="card-{opp.id}"')
        return html[start : html.index("</article>", start)]

    written = format_date(late.close_date, "medium", locale="en")  # the locale's date
    assert f'class="text-danger" title="Expected close">{written}<' in card(late)
    assert "Overdue: Chase" in card(late)  # compact: only what needs attention
    assert 'class="text-body-secondary" title="Expected close"' in card(on_time)
    assert "Demo" not in card(on_time)

    sales_user.board_density = "comfortable"
    db.session.commit()
    html = client.get("/board").get_data(as_text=True)
    assert '<span class="text-danger">Next: Chase' in card(late)
    assert '<span class="text-body-secondary">Next: Demo' in card(on_time)


def test_owner_filter_defaults_to_mine_and_everyone_shows_all(
    client, auth, sales_user, create_user, pipeline, create_opportunity
):
    colleague = create_user(email="other@example.com", name="Olga Other", role="sales")
    create_opportunity(name="My deal")
    create_opportunity(name="Her deal", owner=colleague)
    auth.login(sales_user)
    mine = client.get("/board").get_data(as_text=True)
    assert ">My deal</a>" in mine and ">Her deal</a>" not in mine
    everyone = client.get("/board?owner=all").get_data(as_text=True)
    assert ">My deal</a>" in everyone and ">Her deal</a>" in everyone
    assert totals_of(everyone, pipeline.stages[0].id)[0] == "2 deals"
    hers = client.get(f"/board?owner={colleague.id}").get_data(as_text=True)
    assert ">Her deal</a>" in hers and ">My deal</a>" not in hers


def test_tag_account_and_close_filters(
    client, auth, sales_user, pipeline, create_opportunity, create_account
):
    media = factories.tag("media agency")
    acme = create_account("Acme")
    today = date.today()
    create_opportunity(
        name="Tagged", tag_ids=[media.id], close_date=(today + timedelta(days=400)).isoformat()
    )
    create_opportunity(
        name="For Acme", account_id=acme.id, close_date=(today + timedelta(days=400)).isoformat()
    )
    create_opportunity(name="Overdue one", close_date=(today - timedelta(days=3)).isoformat())
    auth.login(sales_user)

    def names(query):
        html = client.get(f"/board?{query}").get_data(as_text=True)
        return {n for n in ("Tagged", "For Acme", "Overdue one") if f">{n}</a>" in html}

    assert names("") == {"Tagged", "For Acme", "Overdue one"}
    assert names(f"tag={media.id}") == {"Tagged"}
    assert names(f"account_id={acme.id}") == {"For Acme"}
    assert names("close=overdue") == {"Overdue one"}
    assert names("close=this_month&tag=" + str(media.id)) == set()
    # The picker shows the account's own name, whatever the URL says.
    html = client.get(f"/board?account_id={acme.id}&account_name=Spoofed").get_data(as_text=True)
    assert 'id="filter-account"' in html and 'value="Acme"' in html
    assert 'value="Spoofed"' not in html
    # Malformed values are ignored rather than failing.
    assert names("owner=x&tag=abc&close=sometime") == {"Tagged", "For Acme", "Overdue one"}


def test_filter_bar_htmx_request_returns_the_board_fragment(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    response = client.get(
        "/board?owner=all", headers={"HX-Request": "true", "HX-Target": "board-page"}
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="board-page"') and "<html" not in html
    assert 'hx-push-url="true"' in html and 'value="all" selected' in html


def test_pipeline_switcher_and_business_line(client, auth, admin, pipeline):
    other_line = factories.business_line("Services")
    services_pipeline = factories.pipeline(other_line, "Services pipeline")
    auth.login(admin)
    html = client.get("/board").get_data(as_text=True)
    assert "Services pipeline" in html and 'name="pipeline"' in html
    assert "<h1" in html and pipeline.name in html
    switched = client.get(f"/board?pipeline={services_pipeline.id}").get_data(as_text=True)
    assert f'id="column-{services_pipeline.stages[0].id}"' in switched
    by_line = client.get(f"/board?business_line={other_line.id}").get_data(as_text=True)
    assert f'id="column-{services_pipeline.stages[0].id}"' in by_line


def test_pipeline_of_another_business_line_is_refused(client, auth, sales_user, pipeline):
    hidden = factories.pipeline(factories.business_line("Hidden"), "Secret")
    auth.login(sales_user)
    response = client.get(f"/pipelines/{hidden.id}/board")
    assert response.status_code == 403
    assert "Secret" not in response.get_data(as_text=True)


def test_column_shows_first_page_and_loads_more(client, auth, sales_user, pipeline):
    ids = bulk_deals(pipeline, sales_user, 30)
    auth.login(sales_user)
    stage = pipeline.stages[0]
    html = client.get("/board").get_data(as_text=True)
    col = column_html(html, stage.id)
    assert col.count('class="card board-card') == 25
    assert totals_of(html, stage.id)[0] == "30 deals"
    more_url = re.search(r'hx-get="([^"]*/cards\?[^"]*)"', col).group(1).replace("&amp;", "&")
    assert "offset=25" in more_url
    assert 'hx-trigger="intersect once, click"' in col
    more = client.get(more_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert more.count('class="card board-card') == 5
    assert f'id="card-{ids[-1]}"' in more and "offset=" not in more  # last page: no sentinel
    # Without JavaScript the same URL is a page of that column.
    page = client.get(more_url)
    assert page.status_code == 200 and "Back to the board" in page.get_data(as_text=True)


@pytest.mark.parametrize("owner", ["me", "all"])
@pytest.mark.parametrize("density", ["compact", "comfortable"])
def test_board_query_count_does_not_grow_with_deals(
    client, auth, sales_user, pipeline, count_queries, owner, density
):
    sales_user.board_density = density
    db.session.commit()
    auth.login(sales_user)
    bulk_deals(pipeline, sales_user, 10)
    client.get(f"/board?owner={owner}")  # warm-up
    db.session.expire_all()  # both requests start from the same (empty) identity map
    with count_queries() as few:
        assert client.get(f"/board?owner={owner}").status_code == 200
    for stage in pipeline.open_stages:
        bulk_deals(pipeline, sales_user, 198, stage=stage)
    db.session.expire_all()
    with count_queries() as many:
        html = client.get(f"/board?owner={owner}").get_data(as_text=True)
    assert html.count('class="card board-card') == 25 * len(pipeline.open_stages)
    assert len(many) == len(few), "\n".join(many)


def test_quick_create_adds_the_card_to_its_column(
    client, auth, sales_user, pipeline, create_account
):
    stage = pipeline.stages[1]
    acme = create_account("Acme")
    auth.login(sales_user)
    response = client.post(
        f"/pipelines/{pipeline.id}/board/stages/{stage.id}/deals",
        data={"name": "Quick one", "account_id": acme.id, "account_name": "Acme", "amount": "4200"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "Quick one" in html and "€4,200" in html and "Acme" in html
    assert 'hx-swap-oob="true"' in html  # a fresh form replaces the filled one
    trigger = response.headers["HX-Trigger"]
    assert f'"{stage.id}": {{"count": "1 deal", "total": "\\u20ac4.2K"' in trigger
    opp = db.session.scalars(select(Opportunity).where(Opportunity.name == "Quick one")).one()
    assert opp.stage_id == stage.id and opp.account_id == acme.id and opp.owner_id == sales_user.id


def test_quick_create_with_a_new_account_name(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    stage = pipeline.stages[0]
    client.post(
        f"/pipelines/{pipeline.id}/board/stages/{stage.id}/deals",
        data={"name": "New logo", "account_id": "", "account_name": "Brand New Srl", "amount": ""},
        headers={"HX-Request": "true"},
    )
    opp = db.session.scalars(select(Opportunity).where(Opportunity.name == "New logo")).one()
    assert opp.account.name == "Brand New Srl" and opp.amount == 0


def test_quick_create_errors_keep_the_typed_input(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    stage = pipeline.stages[0]
    url = f"/pipelines/{pipeline.id}/board/stages/{stage.id}/deals"
    data = {"name": "", "account_name": "Typed account", "amount": "lots"}
    response = client.post(url, data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == f"#quick-{stage.id}"
    html = response.get_data(as_text=True)
    assert "This field is required." in html and "lots is not a number in English" in html
    assert 'value="Typed account"' in html and 'value="lots"' in html
    assert db.session.scalar(select(db.func.count()).select_from(Opportunity)) == 0
    # Without JavaScript: the board page, the form open with the same errors and values.
    page = client.post(url, data=data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert f'id="quick-{stage.id}" open' in html and 'value="Typed account"' in html


def test_quick_create_without_javascript_redirects_back(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    stage = pipeline.stages[0]
    response = client.post(
        f"/pipelines/{pipeline.id}/board/stages/{stage.id}/deals",
        data={"name": "Plain form deal", "amount": "10"},
        headers={"Referer": "/board?owner=all"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/board?owner=all"
    assert "Plain form deal" in client.get("/board?owner=all").get_data(as_text=True)


def test_quick_create_in_a_closed_stage_is_refused(client, auth, sales_user, pipeline):
    """Won is a drop zone, not a column: nothing to create a deal in."""
    auth.login(sales_user)
    won = pipeline.stage_of_kind("won")
    response = client.post(
        f"/pipelines/{pipeline.id}/board/stages/{won.id}/deals",
        data={"name": "Sneaky"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(Opportunity)) == 0


class CardSlotsPlugin:
    """A test plugin filling the card's slots: a badge and a menu action."""

    @hookimpl
    def board_card_badges(self, opportunity):
        return [{"label": "From ERP", "style": "success"}]

    @hookimpl
    def opportunity_actions(self, opportunity, user):
        return [{"label": "Duplicate", "href": f"/test/duplicate/{opportunity.id}"}]


def test_cards_show_plugin_badges_and_menu_only_where_enabled(
    app, client, auth, sales_user, pipeline, create_opportunity
):
    app.extensions["opportuno.plugins"].pm.register(CardSlotsPlugin(), name="test_card_slots")
    opp = create_opportunity(name="Plugged")
    auth.login(sales_user)
    html = client.get("/board").get_data(as_text=True)
    assert "From ERP" not in html and "Duplicate" not in html  # not enabled for this line
    # The menu holds the core's actions ("Schedule activity…"), not the plugin's, and lists the
    # stages to move to, the card's own marked.
    items = client.get(f"/opportunities/{opp.id}/card-actions").get_data(as_text=True)
    assert "Schedule activity…" in items and "/test/duplicate/" not in items
    assert f'data-move-to="{pipeline.stages[1].id}"' in items
    assert f'data-move-to="{pipeline.stages[0].id}" disabled' in items

    db.session.add(
        PluginEnablement(business_line_id=pipeline.business_line_id, plugin="test_card_slots")
    )
    db.session.commit()
    html = client.get("/board").get_data(as_text=True)
    card = html[html.index(f'id="card-{opp.id}"') :]
    card = card[: card.index("</article>")]
    assert "From ERP" in card
    # The menu is on the card; its items come when it opens, from the one deal's hook call.
    assert 'class="board-card-menu' in card
    assert 'data-card-actions="/opportunities/0/card-actions"' in html
    assert "/test/duplicate/" not in card
    items = client.get(f"/opportunities/{opp.id}/card-actions").get_data(as_text=True)
    assert f'href="/test/duplicate/{opp.id}"' in items and "<html" not in items


def test_card_actions_of_a_hidden_deal_are_refused(
    app, client, auth, sales_user, create_user, pipeline
):
    app.extensions["opportuno.plugins"].pm.register(CardSlotsPlugin(), name="test_card_slots")
    hidden_line = factories.business_line("Hidden")
    db.session.add(PluginEnablement(business_line_id=hidden_line.id, plugin="test_card_slots"))
    outsider = create_user(email="outsider@example.com", role="admin")
    secret = factories.opportunity(
        outsider,
        {"name": "Secret", "stage_id": factories.pipeline(hidden_line, "S").stages[0].id},
    )
    auth.login(sales_user)
    response = client.get(f"/opportunities/{secret.id}/card-actions")
    assert response.status_code == 403 and "/test/duplicate/" not in response.get_data(as_text=True)
