"""The opportunity page: panels, inline edit (bad input, conflicts, permission), the stage
bar, quick create and prefill, and a query count that does not grow with the rows shown."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.models import Account, Opportunity, OpportunityContact, TimelineEntry
from webapp.opportunities import activities, notes, relations, services

HX = {"HX-Request": "true"}
PANELS = (
    "timeline",
    "activities",
    "products",
    "contacts",
    "partners",
    "competitors",
    "documents",
    "notes",
)


@pytest.fixture
def deal(create_opportunity):
    account = factories.account("Acme S.p.A.")
    return create_opportunity(name="Acme support", amount="0", account_id=account.id)


def _timeline_count(opp) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(TimelineEntry)
        .where(TimelineEntry.opportunity_id == opp.id)
    )


def test_page_has_every_panel_and_the_figures(client, auth, sales_user, deal):
    services.update_opportunity(sales_user, deal, {"amount": "1000", "objective": "1500"})
    auth.login(sales_user)
    html = client.get(f"/opportunities/{deal.id}").text
    for name in (*PANELS, "overview"):
        assert f'data-panel="{name}"' in html
    assert 'data-figure="amount">€1,000' in html
    assert 'data-figure="objective">€1,500' in html
    # forecast = amount x probability (10% in "New")
    assert f'data-figure="forecast">€{deal.amount * deal.probability / 100:,.0f}' in html
    assert "Close as won" in html and "Close as lost…" in html


def test_inline_edit_saves_one_field_and_writes_the_timeline(client, auth, sales_user, deal):
    auth.login(sales_user)
    editor = client.get(f"/opportunities/{deal.id}/fields/name?edit=1", headers=HX)
    assert 'name="version" value="1"' in editor.text and 'value="Acme support"' in editor.text
    response = client.post(
        f"/opportunities/{deal.id}/fields/name",
        data={"name": "Acme 2027", "version": "1"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "dealChanged"
    field, header = response.text.split('<header id="deal-header"')
    assert "Acme 2027" in field and "<form" not in field
    assert 'hx-swap-oob="true"' in header and 'data-version="2"' in header  # out of band
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).name == "Acme 2027"
    entry = db.session.scalars(select(TimelineEntry).where(TimelineEntry.field == "name")).one()
    assert (entry.old_value, entry.new_value, entry.user_id) == (
        "Acme support",
        "Acme 2027",
        sales_user.id,
    )


@pytest.mark.parametrize(
    ("name", "typed", "message"),
    [
        ("amount", "-50", "cannot be negative"),
        ("amount", "twelve", "twelve is not a number in English"),
        ("close_date", "31/12/2027", "YYYY-MM-DD"),
        ("probability", "150", "at most 100"),
        ("name", "", "required"),
        ("account_id", "424242", "Unknown account"),
    ],
)
def test_bad_input_is_shown_in_place_with_the_typed_value(
    client, auth, sales_user, deal, name, typed, message
):
    auth.login(sales_user)
    before = _timeline_count(deal)
    response = client.post(
        f"/opportunities/{deal.id}/fields/{name}", data={name: typed, "version": "1"}, headers=HX
    )
    assert response.status_code == 422
    assert message in response.text and "is-invalid" in response.text
    if typed:
        assert f'value="{typed}"' in response.text
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).version == 1
    assert _timeline_count(deal) == before


def test_a_typed_account_name_links_the_account_of_that_name(client, auth, sales_user, deal):
    fiume = factories.account("Fiume Foods")
    accounts = db.session.scalar(select(func.count(Account.id)))
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{deal.id}/fields/account_id",
        data={"account_id": "", "account_name": " fiume  FOODS", "version": "1"},
        headers=HX,
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).account_id == fiume.id
    assert db.session.scalar(select(func.count(Account.id))) == accounts


def test_a_typed_name_like_an_existing_account_asks_first(client, auth, sales_user, deal):
    fiume = factories.account("Fiume Foods", city="Torino")
    accounts = db.session.scalar(select(func.count(Account.id)))
    auth.login(sales_user)
    url = f"/opportunities/{deal.id}/fields/account_id"
    typed = {"account_id": "", "account_name": "Fiume Foods srl", "version": "1"}
    response = client.post(url, data=typed, headers=HX)
    assert response.status_code == 422
    assert "similar name" in response.text and 'value="Fiume Foods srl"' in response.text
    assert f'data-pick-account="{fiume.id}"' in response.text
    assert 'name="account_confirm_new"' in response.text
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).version == 1
    assert db.session.scalar(select(func.count(Account.id))) == accounts

    response = client.post(url, data={**typed, "account_confirm_new": "1"}, headers=HX)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).account.name == "Fiume Foods srl"
    assert db.session.scalar(select(func.count(Account.id))) == accounts + 1


def test_stale_save_shows_what_changed_and_keeps_the_input(client, auth, sales_user, manager, deal):
    auth.login(sales_user)
    editor = client.get(f"/opportunities/{deal.id}/fields/amount?edit=1", headers=HX).text
    seen = editor.split('name="seen" value="')[1].split('"')[0]
    services.update_opportunity(manager, deal, {"amount": "9000"}, version=1)  # meanwhile
    response = client.post(
        f"/opportunities/{deal.id}/fields/amount",
        data={"amount": "1234", "version": "1", "seen": seen},
        headers=HX,
    )
    assert response.status_code == 409
    assert response.headers["HX-Trigger"] == "dealChanged"  # the header refreshes
    assert "changed this deal meanwhile" in response.text
    assert "Created in" not in response.text  # only what changed since the editor opened
    assert "€9,000" in response.text  # the current value
    assert "Mia Manager" in response.text and "amount 0.00 → 9000.00" in response.text
    assert 'value="1234"' in response.text  # the user's input is kept
    assert 'name="version" value="2"' in response.text  # saving again applies it
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).amount == Decimal("9000.00")
    again = client.post(
        f"/opportunities/{deal.id}/fields/amount",
        data={"amount": "1234", "version": "2"},
        headers=HX,
    )
    assert again.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1234.00")


def test_a_user_who_may_not_edit_sees_no_editors_and_cannot_save(client, auth, create_user, deal):
    colleague = create_user(email="other@example.com", name="Olga Other", role="sales")
    auth.login(colleague)
    html = client.get(f"/opportunities/{deal.id}").text
    assert "Acme support" in html
    assert "?edit=1" not in html and "Add line" not in html and "Close as won" not in html
    assert "Add note" in html  # colleagues may still leave a note
    for url, data in (
        (f"/opportunities/{deal.id}/fields/name", {"name": "Hijacked", "version": "1"}),
        (f"/opportunities/{deal.id}/lines", {"description": "x", "unit_price": "5"}),
        (f"/opportunities/{deal.id}/activities", {"subject": "x"}),
        (f"/opportunities/{deal.id}/competitors", {"account_name": "Rival"}),
    ):
        response = client.post(url, data=data, headers=HX)
        assert response.status_code == 403, url
        assert "may not edit this deal" in response.text
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).name == "Acme support"
    assert client.get(f"/opportunities/{deal.id}/fields/name?edit=1").text.count("<form") == 0


def test_other_business_line_cannot_see_the_deal(client, auth, deal):
    elsewhere = factories.business_line("Hardware")
    stranger = factories.user(email="x@example.com", name="X", business_lines=[elsewhere])
    auth.login(stranger)
    assert client.get(f"/opportunities/{deal.id}").status_code == 403
    assert client.get(f"/opportunities/{deal.id}/panels/timeline", headers=HX).status_code == 403


def test_adding_a_line_makes_the_amount_follow(client, auth, sales_user, deal):
    product = factories.product("Support plan", "100")
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{deal.id}/lines",
        data={"product_id": product.id, "quantity": "3", "discount": "10"},
        headers=HX,
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "dealChanged"
    assert "follows these lines" in response.text and "€270" in response.text
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).amount == Decimal("270.00")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"quantity": "-2"}, "quantity", "positive number"),
        ({"quantity": "0"}, "quantity", "more than zero"),
        ({"discount": "150"}, "discount", "between 0 and 100"),
        ({"product_id": "9999"}, "product_id", "Unknown product"),
    ],
)
def test_bad_line_is_refused_and_input_kept(client, auth, sales_user, deal, data, field, message):
    product = factories.product("Support plan", "100")
    auth.login(sales_user)
    form = {"product_id": product.id, "quantity": "1", **data}
    response = client.post(f"/opportunities/{deal.id}/lines", data=form, headers=HX)
    assert response.status_code == 422 and message in response.text
    if field == "quantity":
        assert f'value="{data["quantity"]}"' in response.text
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).lines == []


def test_manual_amount_does_not_follow_lines(client, auth, sales_user, create_opportunity):
    opp = create_opportunity(amount="5000")
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/lines",
        data={"description": "Setup", "unit_price": "100"},
        headers=HX,
    )
    assert "set by hand" in response.text
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).amount == Decimal("5000.00")


def test_contacts_roles_and_buying_committee(client, auth, sales_user, deal):
    anna = factories.contact(deal.account, first_name="Anna", last_name="Rossi")
    auth.login(sales_user)
    html = client.get(f"/opportunities/{deal.id}/panels/contacts", headers=HX).text
    assert all(
        f'data-missing-role="{r}"' in html for r in ("decision_maker", "technical", "finance")
    )
    response = client.post(
        f"/opportunities/{deal.id}/contacts",
        data={"contact_id": anna.id, "role": "decision_maker"},
        headers=HX,
    )
    assert response.status_code == 200
    assert 'data-role-held="decision_maker"' in response.text
    assert 'data-missing-role="technical"' in response.text
    link = db.session.scalars(select(OpportunityContact)).one()
    response = client.post(
        f"/opportunities/{deal.id}/contacts/{link.id}/role", data={"role": "finance"}, headers=HX
    )
    assert 'data-role-held="finance"' in response.text
    assert 'data-missing-role="decision_maker"' in response.text
    dup = client.post(
        f"/opportunities/{deal.id}/contacts",
        data={"contact_id": anna.id, "role": "technical"},
        headers=HX,
    )
    assert dup.status_code == 422


def test_partners_and_competitors(client, auth, sales_user, deal):
    partner = factories.account("Partner Srl")
    auth.login(sales_user)
    ok = client.post(
        f"/opportunities/{deal.id}/partners", data={"account_id": partner.id}, headers=HX
    )
    assert ok.status_code == 200 and "Partner Srl" in ok.text
    assert 'data-panel="partners"' in ok.text
    new = client.post(
        f"/opportunities/{deal.id}/competitors", data={"account_name": "Rival Corp"}, headers=HX
    )
    assert new.status_code == 200 and "Rival Corp" in new.text
    unknown = client.post(
        f"/opportunities/{deal.id}/competitors",
        data={"account_id": "9999", "account_name": "Ghost"},
        headers=HX,
    )
    assert unknown.status_code == 422 and "Unknown account" in unknown.text
    own = client.post(
        f"/opportunities/{deal.id}/partners", data={"account_id": deal.account_id}, headers=HX
    )
    assert own.status_code == 422 and "own account" in own.text
    db.session.expire_all()
    roles = sorted(ln.role for ln in db.session.get(Opportunity, deal.id).account_links)
    assert roles == ["competitor", "partner"]
    link = next(
        ln for ln in db.session.get(Opportunity, deal.id).account_links if ln.role == "partner"
    )
    removed = client.post(f"/opportunities/{deal.id}/partners/{link.id}/delete", headers=HX)
    assert removed.status_code == 200 and "Partner Srl" not in removed.text
    assert "Removed partner Partner Srl" in [
        e.message for e in db.session.scalars(select(TimelineEntry))
    ]


def test_timeline_is_newest_first_and_paginated(client, auth, sales_user, deal):
    for i in range(25):
        notes.add_note(sales_user, deal, f"Note number {i}")
    auth.login(sales_user)
    html = client.get(f"/opportunities/{deal.id}").text
    timeline = html[html.index('data-panel="timeline"') :]
    assert timeline.index("Note number 24") < timeline.index("Note number 23")
    assert "Note number 5" in timeline and "Note number 4" not in timeline  # 20 per page
    assert "Older entries" in timeline
    last_shown = db.session.scalars(
        select(TimelineEntry.id).order_by(TimelineEntry.id.desc()).offset(19)
    ).first()
    older = client.get(
        f"/opportunities/{deal.id}/panels/timeline?before={last_shown}", headers=HX
    ).text
    assert "Note number 4" in older and "Note number 0" in older and "Created in" in older
    assert "Note number 5" not in older and "Older entries" not in older


def test_stage_bar_posts_to_the_board_move(client, auth, sales_user, pipeline, deal, lost_reason):
    auth.login(sales_user)
    html = client.get(f"/opportunities/{deal.id}").text
    assert f'action="/opportunities/{deal.id}/stage"' in html
    assert f'name="stage_id" value="{pipeline.stages[2].id}"' in html
    assert 'name="deal" value="1"' in html  # the move answers the page, not a board card
    response = client.post(
        f"/opportunities/{deal.id}/stage",
        data={"stage_id": pipeline.stages[2].id, "version": "1"},
        headers={"Referer": f"http://localhost/opportunities/{deal.id}"},
    )
    assert response.status_code == 302
    html = client.get(f"/opportunities/{deal.id}").text
    assert 'aria-current="step"' in html and pipeline.stages[2].name in html


PAGE_QUERY_BUDGET = 12  # issue 14: at most 12 statements for the page, plugin panels on


def test_the_header_answers_do_not_load_the_pickers(
    app, client, auth, sales_user, deal, count_queries
):
    """The header (its refresh, and out of band with every inline save) shows no picker: the
    products, the account's contacts and the activity types are left unread."""
    factories.product("Support plan", "100")
    factories.contact(deal.account, first_name="Giulia", last_name="Verdi")
    auth.login(sales_user)
    for method, url, data in (
        ("get", f"/opportunities/{deal.id}/header", None),
        ("post", f"/opportunities/{deal.id}/fields/name", {"name": "Acme 2027", "version": "1"}),
    ):
        with app.app_context(), count_queries() as queries:
            response = getattr(client, method)(url, data=data, headers=HX)
        assert response.status_code == 200 and 'id="deal-header"' in response.text
        for table in ("products", "contacts", "activity_types"):  # their own queries
            assert not [q for q in queries if q.lstrip().startswith(f"SELECT {table}.")], table
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).name == "Acme 2027"
    page = client.get(f"/opportunities/{deal.id}").text  # the page itself still offers them
    assert "Support plan" in page and "Giulia Verdi" in page


def test_page_query_count_does_not_grow_with_rows(
    app, client, auth, sales_user, deal, create_opportunity, count_queries, tmp_path
):
    """Every panel filled (lines, contacts, partners and competitors, tags, activities, notes,
    documents, a long timeline) and the plugins' panels on (ERP quotes, renewals lineage):
    the page's statements stay the same however many rows it shows, within the budget."""
    import io

    from plugins.erp_quotes.models import ErpQuote
    from plugins.renewals.models import DealLink
    from webapp.models import PluginEnablement
    from webapp.opportunities.documents import upload_document

    for plugin in ("erp_quotes", "renewals"):
        db.session.add(PluginEnablement(business_line_id=deal.business_line_id, plugin=plugin))
    product = factories.product("Support plan", "100")
    auth.login(sales_user)
    added = 0

    def add_rows(n):
        nonlocal added
        for i in range(added, added + n):
            contact = factories.contact(deal.account, first_name=f"C{i}", last_name=f"L{i}")
            relations.add_contact(sales_user, deal, contact.id, "technical")
            services.add_line(sales_user, deal, {"product_id": product.id, "quantity": "1"})
            activities.create_activity(sales_user, deal, {"subject": f"Call {i}"})
            notes.add_note(sales_user, deal, f"note {i}")
            relations.add_account(sales_user, deal, "competitor", {"account_name": f"R{i}"})
            upload_document(
                sales_user,
                deal,
                io.BytesIO(b"notes"),
                f"n{i}.txt",
                folder=str(tmp_path),
                limit=10**6,
            )
            tag = factories.tag(f"tag {i}")  # commits: the deal's tags load after it
            deal.tags.append(tag)
            copy = create_opportunity(name=f"Copy {i}", account_id=deal.account_id)
            db.session.add(DealLink(source_id=deal.id, opportunity_id=copy.id, kind="copy"))
            db.session.add(
                ErpQuote(
                    opportunity_id=deal.id,
                    version=i + 1,
                    provider="erpnext",
                    reference=f"ref-{i}",
                    request={},
                )
            )
        db.session.commit()
        added += n

    queries_seen = []

    def measure():
        db.session.expire_all()
        # A fresh app context, as each request has in production: the test's own session and
        # ``g`` (Flask-Login keeps the user there) would otherwise serve and refresh objects.
        with app.app_context(), count_queries() as queries:
            html = client.get(f"/opportunities/{deal.id}").text
        queries_seen[:] = queries
        return len(queries), html

    add_rows(1)
    few, html = measure()
    assert "C0 L0" in html and "n0.txt" in html and "tag 0" in html and "Copy 0" in html
    assert 'data-panel="quotes"' in html and 'data-panel="lineage"' in html
    add_rows(25)
    many, html = measure()
    assert "C25 L25" in html and "n25.txt" in html and "Copy 25" in html and "note 25" in html
    assert html.count('data-activity="') == 26 and html.count("data-entry=") == 20
    assert _timeline_count(deal) > 100
    assert few == many, (few, many)
    assert many <= PAGE_QUERY_BUDGET, "\n".join(" ".join(q.split())[:200] for q in queries_seen)


def test_quick_create_dialog_and_redirect(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    dialog = client.get("/opportunities/new", headers=HX)
    assert dialog.status_code == 200 and '<dialog class="app-dialog"' in dialog.text
    for field in ("name", "account_id", "account_name", "amount", "stage_id"):
        assert f'name="{field}"' in dialog.text
    bad = client.post("/opportunities/new", data={"name": "", "amount": "5"}, headers=HX)
    assert bad.status_code == 422 and '<dialog class="app-dialog"' in bad.text
    assert 'value="5"' in bad.text
    ok = client.post(
        "/opportunities/new",
        data={
            "name": "Quick one",
            "account_name": "Newco",
            "amount": "700",
            "stage_id": pipeline.stages[0].id,
        },
        headers=HX,
    )
    opp = db.session.scalars(select(Opportunity).where(Opportunity.name == "Quick one")).one()
    assert ok.status_code == 204
    assert ok.headers["HX-Redirect"] == f"/opportunities/{opp.id}"
    assert opp.account.name == "Newco" and opp.amount == Decimal("700.00")
    # the + New deal button opens the dialog and keeps its href as the no-JS way
    page = client.get(f"/opportunities/{opp.id}").text
    assert 'href="/opportunities/new" hx-get="/opportunities/new" hx-target="#modal-root"' in page


def test_new_form_prefilled_from_a_contact_or_an_account(client, auth, sales_user, pipeline):
    account = factories.account("Folder Co")
    anna = factories.contact(account, first_name="Anna", last_name="Rossi")
    auth.login(sales_user)
    from_account = client.get(f"/opportunities/new?account_id={account.id}").text
    assert f'name="account_id" value="{account.id}"' in from_account
    assert 'value="Folder Co"' in from_account
    from_contact = client.get(f"/opportunities/new?contact_id={anna.id}").text
    assert f'name="primary_contact_id" value="{anna.id}"' in from_contact
    assert f'name="account_id" value="{account.id}"' in from_contact
    response = client.post(
        "/opportunities/new",
        data={
            "name": "From Anna",
            "account_id": account.id,
            "primary_contact_id": anna.id,
            "stage_id": pipeline.stages[0].id,
        },
    )
    assert response.status_code == 302
    opp = db.session.scalars(select(Opportunity)).one()
    assert opp.primary_contact == anna and opp.account == account
    assert [link.contact for link in opp.contact_links] == [anna]


def test_editing_a_line_updates_the_amount_and_refuses_bad_input(client, auth, sales_user, deal):
    product = factories.product("Support plan", "100")
    line = services.add_line(sales_user, deal, {"product_id": product.id, "quantity": "2"})
    auth.login(sales_user)
    editor = client.get(
        f"/opportunities/{deal.id}/panels/products?edit_line={line.id}", headers=HX
    ).text
    assert f'form="line-edit-{line.id}"' in editor and 'value="2.00"' in editor
    bad = client.post(
        f"/opportunities/{deal.id}/lines/{line.id}",
        data={"quantity": "-1", "unit_price": "100", "discount": "0", "edit_line": line.id},
        headers=HX,
    )
    assert bad.status_code == 422 and "positive number" in bad.text
    assert f'form="line-edit-{line.id}"' in bad.text and 'value="-1"' in bad.text
    ok = client.post(
        f"/opportunities/{deal.id}/lines/{line.id}",
        data={"quantity": "5", "unit_price": "80", "discount": "0", "edit_line": line.id},
        headers=HX,
    )
    assert ok.status_code == 200 and "line-edit-" not in ok.text
    db.session.expire_all()
    opp = db.session.get(Opportunity, deal.id)
    assert opp.amount == Decimal("400.00")
    changed = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.message == "Changed Support plan")
    ).one()
    assert set(changed.data["changes"]) == {"quantity", "unit_price"}


def test_own_saves_of_other_fields_do_not_make_an_open_editor_stale(
    client, auth, sales_user, manager, deal
):
    auth.login(sales_user)

    def open_editor(name):
        html = client.get(f"/opportunities/{deal.id}/fields/{name}?edit=1", headers=HX).text
        return html.split('name="seen" value="')[1].split('"')[0]

    seen_close, seen_name = open_editor("close_date"), open_editor("name")
    saved = client.post(
        f"/opportunities/{deal.id}/fields/name",
        data={"name": "Renamed", "version": "1", "seen": seen_name},
        headers=HX,
    )
    assert saved.status_code == 200
    also = client.post(  # opened at version 1, but only this user's name save came since
        f"/opportunities/{deal.id}/fields/close_date",
        data={"close_date": "2027-05-31", "version": "1", "seen": seen_close},
        headers=HX,
    )
    assert also.status_code == 200
    # someone else's change since the editor opened is a real conflict
    seen = open_editor("objective")
    services.update_opportunity(manager, db.session.get(Opportunity, deal.id), {"amount": "5"})
    stale = client.post(
        f"/opportunities/{deal.id}/fields/objective",
        data={"objective": "10", "version": "3", "seen": seen},
        headers=HX,
    )
    assert stale.status_code == 409 and "amount 0.00 → 5.00" in stale.text
    # and so is the user's own earlier save of the same field from another editor
    seen_a, seen_b = open_editor("objective"), open_editor("objective")
    first = client.post(
        f"/opportunities/{deal.id}/fields/objective",
        data={"objective": "20", "version": "4", "seen": seen_a},
        headers=HX,
    )
    second = client.post(
        f"/opportunities/{deal.id}/fields/objective",
        data={"objective": "30", "version": "4", "seen": seen_b},
        headers=HX,
    )
    assert (first.status_code, second.status_code) == (200, 409)
    db.session.expire_all()
    opp = db.session.get(Opportunity, deal.id)
    assert (opp.name, str(opp.close_date), opp.objective) == ("Renamed", "2027-05-31", 20)


def test_tags_edit_inline(client, auth, sales_user, deal):
    media, vip = factories.tag("Media agency"), factories.tag("VIP", "danger")
    auth.login(sales_user)
    editor = client.get(f"/opportunities/{deal.id}/fields/tag_ids?edit=1", headers=HX).text
    assert f'value="{media.id}"' in editor and "checked" not in editor
    response = client.post(
        f"/opportunities/{deal.id}/fields/tag_ids",
        data={"tag_ids": [str(media.id), str(vip.id)], "version": "1"},
        headers=HX,
    )
    assert response.status_code == 200
    assert '<span class="badge text-bg-danger me-1">VIP</span>' in response.text
    cleared = client.post(
        f"/opportunities/{deal.id}/fields/tag_ids", data={"version": "2"}, headers=HX
    )
    assert cleared.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).tags == []
    entries = db.session.scalars(select(TimelineEntry).where(TimelineEntry.field == "tags")).all()
    assert [(e.old_value, e.new_value) for e in entries] == [
        (None, "Media agency, VIP"),
        ("Media agency, VIP", None),
    ]


def test_a_trashed_contact_is_not_shown_on_the_deal(client, auth, sales_user, deal):
    from webapp.models import Activity, Contact
    from webapp.trash import services as trash

    ghost = factories.contact(deal.account, last_name="Ghostly", owner_id=sales_user.id)
    services.update_opportunity(sales_user, deal, {"primary_contact_id": str(ghost.id)})
    activities.create_activity(sales_user, deal, {"subject": "Call", "contact_id": str(ghost.id)})
    trash.trash(sales_user, "contacts", ghost.id)
    db.session.expire_all()
    assert db.session.get(Contact, ghost.id).deleted_at is not None
    assert db.session.get(Opportunity, deal.id).primary_contact_id == ghost.id
    assert db.session.scalar(select(Activity.contact_id)) == ghost.id
    auth.login(sales_user)
    html = client.get(f"/opportunities/{deal.id}").text
    overview = html.split('data-field="primary_contact_id"', 1)[1].split("</div>", 1)[0]
    assert "Ghostly" not in overview and "—" in overview
    shown = html.split('data-panel="activities"', 1)[1].split('data-panel="', 1)[0]
    assert "Call" in shown and "Ghostly" not in shown  # neither "with" nor the picker
    assert "Ghostly" not in html.split('data-panel="contacts"', 1)[1].split('data-panel="', 1)[0]
    field = client.get(f"/opportunities/{deal.id}/fields/primary_contact_id", headers=HX).text
    assert "Ghostly" not in field and "—" in field
