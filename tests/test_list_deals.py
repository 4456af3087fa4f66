"""The deals list: filters, sort, keyset pages read back, totals, query count, bad input."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.models import Activity, Opportunity, OpportunityContact, Stage
from webapp.models._base import utcnow
from webapp.money import money
from webapp.opportunities import listing

HX = {"HX-Request": "true"}


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-deal="(\d+)"', html)]


@pytest.fixture
def deals(create_opportunity, sales_user):
    """Seven deals of the seller: amounts, close dates (one blank), names to search."""
    specs = [
        ("Alpha rollout", "500", date(2026, 3, 1)),
        ("Beta pilot", "1500", date(2026, 1, 15)),
        ("Gamma licences", "1500", None),
        ("Delta support", "250", date(2026, 2, 1)),
        ("Epsilon hosting", "9000", date(2026, 1, 15)),
        ("Zeta training", "750", date(2026, 5, 1)),
        ("Eta renewal", "1500", date(2026, 2, 1)),
    ]
    made = []
    for name, amount, close in specs:
        opp = create_opportunity(name=name, amount=amount)
        opp.close_date = close
        made.append(opp)
    db.session.commit()
    return made


def expected(key, reverse=False):
    """Ids of every open deal of the list in the list's order: blanks smallest, ties by id."""
    rows = db.session.scalars(select(Opportunity).where(Opportunity.status == "open")).all()
    present = sorted(
        (r for r in rows if getattr(r, key) is not None), key=lambda r: (getattr(r, key), r.id)
    )
    blank = sorted((r for r in rows if getattr(r, key) is None), key=lambda r: r.id)
    order = [r.id for r in blank + present]
    return order[::-1] if reverse else order


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [("close_date", "close_date", False), ("-amount", "amount", True), ("name", "name", False)],
)
def test_keyset_pages_walk_the_whole_list_both_ways(
    client, auth, sales_user, deals, monkeypatch, sort, key, reverse
):
    monkeypatch.setattr(listing.SPEC, "per_page", 3)
    auth.login(sales_user)
    want = expected(key, reverse)
    seen, url = [], f"/opportunities?sort={sort}"
    while True:
        html = client.get(url).text
        page = ids(html)
        seen += page
        match = re.search(r'href="([^"]*after=\d+[^"]*)"', html)
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
    assert seen == want
    # Backwards from the last page with "Previous".
    html = client.get(f"/opportunities?sort={sort}&last=1").text
    back = ids(html)
    while (match := re.search(r'href="([^"]*before=\d+[^"]*)"', html)) is not None:
        html = client.get(match.group(1).replace("&amp;", "&")).text
        back = ids(html) + back
    assert back == want
    assert ids(client.get(f"/opportunities?sort={sort}&last=1").text) == want[-3:]


def test_totals_are_those_of_every_matching_deal(client, auth, sales_user, deals, monkeypatch):
    """A list longer than a page asks for its totals once shown (htmx on load): the URL
    carries the filters, not the table's state nor the cursor."""
    monkeypatch.setattr(listing.SPEC, "per_page", 2)
    deals[0].probability = 30
    deals[4].probability = 55
    db.session.commit()
    auth.login(sales_user)
    html = client.get("/opportunities?amount_min=1000&sort=-amount&cols=name,amount").text
    rows = db.session.scalars(select(Opportunity).where(Opportunity.amount >= 1000)).all()
    assert len(ids(html)) == 2 and 'data-testid="deal-count"' not in html
    url = re.search(r'hx-get="(/opportunities/totals\?[^"]*)" hx-trigger="load"', html).group(1)
    assert url == "/opportunities/totals?amount_min=1000"
    amount = sum(r.amount for r in rows)
    weighted = Decimal(sum(r.amount * r.probability / 100 for r in rows)).quantize(Decimal("0.01"))
    fragment = client.get(url, headers=HX).text
    assert f'data-count="{len(rows)}"' in fragment and f">{len(rows)} deals</div>" in fragment
    assert f'data-total="amount">{money(amount, "EUR")}<' in fragment
    assert f'data-total="weighted">{money(weighted, "EUR")}<' in fragment
    assert listing.matching_totals(sales_user, _args(amount_min="1000")) == {
        "count": len(rows),
        "amount": amount,
        "weighted": weighted,
    }
    everyone = client.get("/opportunities/totals?owner=all&q=zzz-none", headers=HX).text
    assert 'data-count="0"' in everyone and ">0 deals</div>" in everyone


def test_totals_need_a_login(client, deals):
    response = client.get("/opportunities/totals?owner=all")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_totals_of_a_list_on_one_page_come_with_it(client, auth, sales_user, deals, count_queries):
    """Every matching deal on the page: the totals are the page's, without a query."""
    deals[1].probability = 40
    db.session.commit()
    auth.login(sales_user)
    with count_queries() as queries:
        html = client.get("/opportunities?amount_min=1000").text
    assert not any("count(" in q for q in queries)
    rows = db.session.scalars(select(Opportunity).where(Opportunity.amount >= 1000)).all()
    assert sorted(ids(html)) == sorted(r.id for r in rows) and "/opportunities/totals" not in html
    assert f'data-count="{len(rows)}"' in html and f">{len(rows)} deals</div>" in html
    assert listing.matching_totals(sales_user, _args(amount_min="1000")) == (
        listing.list_opportunities(sales_user, _args(amount_min="1000")).page.totals
    )
    empty = client.get("/opportunities?q=zzz-none").text
    assert ">0 deals</div>" in empty and 'data-empty="deals"' in empty


def _args(**values):
    from werkzeug.datastructures import MultiDict

    return MultiDict(values)


def matched(user, **values) -> set[int]:
    return {o.id for o in db.session.scalars(listing.matching_deals(user, _args(**values)))}


def test_filters(sales_user, manager, deals, pipeline, create_opportunity):
    by_name = {o.name: o.id for o in deals}
    theirs = create_opportunity(name="Theta (manager)", owner=manager, user=manager)
    contact = factories.contact(last_name="Moradi", first_name="Omid")
    deals[1].primary_contact_id = contact.id
    account = factories.account("Rossi Logistica")
    deals[2].account_id = account.id
    strategic = factories.tag("strategic")
    deals[3].tags.append(strategic)
    later = pipeline.stages[1]
    deals[5].stage_id = later.id
    deals[6].stage_entered_at = utcnow() - timedelta(days=400)
    db.session.add(Activity(opportunity_id=deals[0].id, subject="Call", due_at=utcnow()))
    stage0 = db.session.get(Stage, deals[6].stage_id)
    stage0.rotting_days = 30
    db.session.commit()

    assert matched(sales_user) == set(by_name.values())
    assert matched(sales_user, owner="all") == {*by_name.values(), theirs.id}
    assert matched(sales_user, owner=str(manager.id)) == {theirs.id}
    assert matched(sales_user, q="omid moradi") == {by_name["Beta pilot"]}
    assert matched(sales_user, q="logistica") == {by_name["Gamma licences"]}
    assert matched(sales_user, q="ROLLOUT") == {by_name["Alpha rollout"]}
    assert matched(sales_user, tag=str(strategic.id)) == {by_name["Delta support"]}
    assert matched(sales_user, stage=str(later.id)) == {by_name["Zeta training"]}
    assert matched(sales_user, account_id=str(account.id)) == {by_name["Gamma licences"]}
    assert matched(sales_user, amount_min="1000", amount_max="1500") == {
        by_name[n] for n in ("Beta pilot", "Gamma licences", "Eta renewal")
    }
    assert matched(sales_user, close="custom", close_from="2026-02-01", close_to="2026-03-01") == {
        by_name[n] for n in ("Alpha rollout", "Delta support", "Eta renewal")
    }
    assert matched(sales_user, close="none") == {by_name["Gamma licences"]}
    assert matched(sales_user, stale="1") == {by_name["Eta renewal"]}
    assert by_name["Alpha rollout"] not in matched(sales_user, no_activity="1")
    assert len(matched(sales_user, no_activity="1")) == 6
    assert matched(sales_user, pipeline=str(pipeline.id)) == set(by_name.values())
    assert matched(sales_user, business_line=str(pipeline.business_line_id + 1)) == set()
    assert matched(sales_user, status="won") == set()


def test_search_finds_a_deal_by_any_linked_contact_not_a_trashed_one(
    client, auth, sales_user, deals, count_queries
):
    buyer = factories.contact(last_name="Ferri", first_name="Sara")
    gone = factories.contact(last_name="Ferrante", first_name="Ugo", deleted_at=utcnow())
    db.session.add_all(
        [
            OpportunityContact(opportunity_id=deals[3].id, contact_id=buyer.id, role="finance"),
            OpportunityContact(opportunity_id=deals[4].id, contact_id=buyer.id, role="other"),
            OpportunityContact(opportunity_id=deals[5].id, contact_id=gone.id, role="other"),
        ]
    )
    deals[6].primary_contact_id = gone.id
    db.session.commit()
    linked = {deals[3].id, deals[4].id}
    assert matched(sales_user, q="sara ferri") == linked
    assert matched(sales_user, q="ferr") == linked  # the trashed contact finds nothing
    auth.login(sales_user)
    with count_queries() as queries:
        html = client.get("/opportunities?q=Ferri", headers=HX).text
    assert set(ids(html)) == linked
    linked_queries = [q for q in queries if "opportunity_contacts" in q]
    assert linked_queries and all("EXISTS" in q for q in linked_queries)  # page and totals
    assert len(linked_queries) <= 2  # no query per row


def test_a_trashed_primary_contact_is_not_shown_sorted_or_exported(
    client, auth, sales_user, deals
):
    kept = factories.contact(first_name="Carla", last_name="Abati")
    gone = factories.contact(first_name="Ugo", last_name="Zanetti")
    deals[0].primary_contact_id, deals[1].primary_contact_id = kept.id, gone.id
    db.session.commit()
    auth.login(sales_user)
    url = "/opportunities?cols=name,primary_contact&sort=-primary_contact"
    html = client.get(url, headers=HX).text
    assert "Ugo Zanetti" in html and ids(html)[0] == deals[1].id  # live: Zanetti sorts first
    gone.deleted_at = utcnow()
    db.session.commit()
    html = client.get(url, headers=HX).text
    assert "Zanetti" not in html and "Carla Abati" in html
    row = html.split(f'data-deal="{deals[1].id}"')[1].split("</tr>")[0]
    assert "—" in row  # the cell is blank, as for a deal without a contact
    order = ids(html)
    assert order[0] == deals[0].id  # the only live contact; the trashed one sorts as a blank
    assert order.index(deals[1].id) > 0
    exported = client.get("/opportunities/export?scope=all&columns=all").data.decode("utf-8-sig")
    assert "Zanetti" not in exported and "Abati" in exported
    db.session.expire_all()
    assert db.session.get(Opportunity, deals[1].id).primary_contact_id == gone.id  # kept


def test_list_page_shows_filtered_rows_and_chosen_columns(client, auth, sales_user, deals):
    auth.login(sales_user)
    html = client.get("/opportunities?q=eta&cols=name,amount,tags,next_activity&sort=-amount").text
    by_amount = sorted(deals, key=lambda o: (-o.amount, -o.id))
    want = [o.id for o in by_amount if "eta" in o.name.lower()]
    assert ids(html) == want
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert re.findall(r'<th scope="col" data-col="([\w.]+)"', head) == [
        "name",
        "amount",
        "tags",
        "next_activity",
    ]
    assert 'aria-sort="descending"' in head
    # The hooks other helpers fill.
    assert f'name="ids" value="{want[0]}" form="mass-form"' in html
    assert "data-select-page" in html
    fragment = client.get("/opportunities?q=eta&cols=name,amount", headers=HX).text
    assert fragment.startswith('<div id="deal-list">') and 'hx-swap-oob="true"' in fragment
    assert '<input type="hidden" name="cols" value="name,amount">' in fragment


def test_queries_per_page_do_not_grow(client, auth, sales_user, create_opportunity, count_queries):
    auth.login(sales_user)
    for i in range(3):
        create_opportunity(name=f"Deal {i}")
    cols = "cols=name,account,primary_contact,stage,owner,amount,tags,next_activity,source,pipeline"

    def measure(url):
        db.session.expire_all()
        with count_queries() as queries:
            html = client.get(url).text
        return len(queries), html

    few, _ = measure(f"/opportunities?{cols}")
    for i in range(3, 130):
        opp = create_opportunity(name=f"Deal {i}", account_name=f"Account {i}")
        db.session.add(Activity(opportunity_id=opp.id, subject="Call"))
    db.session.commit()
    many, html = measure(f"/opportunities?{cols}")
    assert few == many, (few, many)
    cursor = ids(html)[-1]
    after, html = measure(f"/opportunities?{cols}&after={cursor}")
    assert len(ids(html)) == 50 and after == many + 1  # the cursor's sort value
    last, html = measure(f"/opportunities?{cols}&last=1")
    assert len(ids(html)) == 50 and last == many


@pytest.mark.parametrize(
    "query",
    [
        "sort=%27%3B--",
        "sort=-tags",
        "cols=%00,name,nope&widths=name:99999999999999999999,amount:-4",
        "after=99999999999999999999",
        "before=%D9%A3",
        "after=999999",
        "owner=%D9%A3&team=1e9&stage=x&tag=99999999999",
        "close=custom&close_from=31/31/2026&close_to=%00",
        "amount_min=1e999&amount_max=" + "9" * 30,
        "q=" + "x" * 5000,
    ],
)
def test_hostile_parameters_are_ignored_or_explained(client, auth, sales_user, deals, query):
    auth.login(sales_user)
    response = client.get(f"/opportunities?{query}")
    assert response.status_code == 200
    if "amount_max=999" in query:
        assert "This number is too large." in response.text
    fragment = client.get(f"/opportunities?{query}", headers=HX)
    assert fragment.status_code == 200


def _counted(user, args) -> dict:
    """The totals counted from the matching deals themselves (no stored totals)."""
    figures = listing.matching_deals(user, args).with_only_columns(
        Opportunity.amount, Opportunity.probability
    )
    rows = db.session.execute(figures).all()
    weighted = sum(a * p for a, p in rows) / 100 if rows else 0
    return {
        "count": len(rows),
        "amount": sum((a for a, _ in rows), Decimal(0)),
        "weighted": Decimal(weighted).quantize(Decimal("0.01")),
    }


def test_totals_on_the_stored_keys_are_read_from_the_board_totals(
    client, auth, sales_user, manager, create_user, deals, count_queries
):
    """Open deals filtered by owner, pipeline, business line or stage: the totals come from
    the board's stored totals (no count over the deals), equal to counting the deals; a
    colleague's deal counts only for "all" or their id, a won or trashed one never."""
    other = create_user(email="other@example.com", name="Olga Other", role="sales")
    deals[0].owner_id = other.id
    deals[1].probability, deals[2].amount = 35, Decimal("1234.56")
    deals[3].status = "won"
    deals[4].deleted_at = utcnow()
    db.session.commit()
    stage_id = deals[5].stage_id
    pipeline_id, line_id = deals[5].pipeline_id, deals[5].business_line_id
    cases = [
        {},
        {"owner": "all"},
        {"owner": str(other.id)},
        {"owner": "all", "stage": str(stage_id)},
        {"owner": "all", "pipeline": str(pipeline_id), "business_line": str(line_id)},
        {"owner": "all", "business_line": "999999"},
    ]
    for user in (sales_user, manager):
        for case in cases:
            args = _args(**case)
            assert listing.stored_totals(user, listing.filters_from(args)) is not None
            assert listing.matching_totals(user, args) == _counted(user, args), (user, case)
    mine = listing.matching_totals(sales_user, _args())
    assert mine["count"] == 4 and mine["amount"] == Decimal("1500") + Decimal("1234.56") + 2250
    # Beyond the keys (a search, another status, an amount): counted from the deals.
    for case in ({"owner": "all", "q": "alpha"}, {"status": "all"}, {"amount_min": "600"}):
        assert listing.stored_totals(manager, listing.filters_from(_args(**case))) is None
        assert listing.matching_totals(manager, _args(**case)) == _counted(manager, _args(**case))
    auth.login(manager)
    with count_queries() as queries:
        fragment = client.get("/opportunities/totals?owner=all", headers=HX).text
    assert any("board_totals" in q for q in queries)
    assert not any("FROM opportunities" in q for q in queries)
    everyone = _counted(manager, _args(owner="all"))
    assert f'data-count="{everyone["count"]}"' in fragment
    assert f'data-total="amount">{money(everyone["amount"], "EUR")}<' in fragment
