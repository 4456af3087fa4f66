"""The read-only role: it sees what its business lines' visibility allows, every write is
refused with a clear 403 (page or htmx fragment) and nothing is written, and the pages show it
no write controls. Its own settings (password, language, saved views...) stay its own."""

from datetime import timedelta

import pytest
from werkzeug.routing import Rule

from tests import factories
from tests.fingerprint import fingerprint
from webapp.extensions import db
from webapp.models import ImportRun, Lead, PluginEnablement, Team
from webapp.models._base import utcnow
from webapp.opportunities import activities, notes, relations
from webapp.opportunities.services import add_line

HTMX = {"HX-Request": "true"}
READ_ONLY = "Your account is read-only"

# A user's own settings and the sign-in: open to read-only users too.
PERSONAL = {
    "auth.login",
    "auth.logout",
    "i18n.switch_language",
    "board.density",
    "erp_quotes.webhook",  # signed by the ERP, no user
    "access.follow",  # a one-time link: public, answered by its token, not the role
}
PERSONAL_PREFIXES = ("profile.", "security.", "saved_views.")


@pytest.fixture
def reader(create_user):
    return create_user(email="rita@example.com", name="Rita Reader", role="readonly", sales=False)


@pytest.fixture
def setting(app, business_line, pipeline, reader, sales_user, create_opportunity):
    """A deal of a colleague with something of everything, and Rita's own things."""
    for plugin in ("renewals", "erp_quotes"):
        db.session.add(PluginEnablement(business_line_id=business_line.id, plugin=plugin))
    db.session.commit()
    account = factories.account("Acme")
    contact = factories.contact(account, first_name="Anna", owner=reader)
    twin = factories.account("Acme bis")  # what the merge pages would merge into
    factories.contact(twin, first_name="Annina", owner=reader)
    deal = create_opportunity(name="Acme support", account_id=str(account.id))
    relations.add_contact(sales_user, deal, contact.id, "technical")
    note = notes.add_note(sales_user, deal, "Call back in May")
    line = add_line(sales_user, deal, {"product_id": factories.product().id, "quantity": "1"})
    activity = activities.create_activity(
        sales_user,
        deal,
        {
            "subject": "Demo",
            "kind": "call",
            "due_at": (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "owner_id": str(reader.id),  # assigned to Rita: still not hers to complete
        },
    )
    lead = Lead(
        first_name="Lia",
        last_name="Verdi",
        company="Verdi",
        owner_id=reader.id,
        business_line_id=business_line.id,
        status="new",
    )
    run = ImportRun(
        user_id=reader.id,
        entity="opportunity",
        filename="deals.csv",
        stored_path="x.csv",
        status="uploaded",
        options={},
    )
    team = Team(name="Alpha", members=[sales_user])
    db.session.add_all([lead, run, team])
    db.session.commit()
    return {
        "opportunity_id": deal.id,
        "account_id": account.id,
        "contact_id": contact.id,
        "lead_id": lead.id,
        "activity_id": activity.id,
        "note_id": note.id,
        "line_id": line.id,
        "link_id": deal.contact_links[0].id,
        "run_id": run.id,
        "pipeline_id": pipeline.id,
        "stage_id": pipeline.stages[1].id,
        "business_line_id": business_line.id,
        "team_id": team.id,
        "user_id": sales_user.id,
        "token": "not-a-link",
        "record_id": account.id,
        "other": twin.id,
        "quote_id": 1,
        "view_id": 1,
        "kind_key": "accounts",
        "plugin": "renewals",
        "name": "amount",
    }


def form_for(ids: dict) -> dict:
    """Values that would make most forms valid, had the user the right to write."""
    return {
        "name": "Changed by Rita",
        "value": "999",
        "amount": "999",
        "stage_id": str(ids["stage_id"]),
        "close_date": "2027-01-31",
        "account_name": "Rita's account",
        "first_name": "Rita",
        "last_name": "Rossi",
        "company": "Rossi Srl",
        "body": "A note by Rita",
        "subject": "A call by Rita",
        "kind": "call",
        "due_at": "2027-01-31T10:00",
        "role": "finance",
        "contact_id": str(ids["contact_id"]),
        "product_id": "1",
        "quantity": "2",
        "status": "contacted",
        "action": "note",
        "ids": str(ids["opportunity_id"]),
        "confirm": "1",
        "confirmed": "1",
        "enabled": "1",
        "mode": "all",
        "other": str(ids["other"]),
        "survivor": str(ids["account_id"]),
    }


def post_routes(app) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and rule.endpoint not in PERSONAL
        and not rule.endpoint.startswith(PERSONAL_PREFIXES)
    ]


def test_every_write_route_refuses_a_read_only_user_and_writes_nothing(
    app, client, auth, reader, setting
):
    auth.login(reader)
    routes = post_routes(app)
    assert len(routes) > 60  # the sweep covers the app, plugins included
    form = form_for(setting)
    for rule in routes:
        fixed = rule.defaults or {}
        url = rule.build({k: setting[k] for k in rule.arguments if k not in fixed})[1]
        for headers in ({}, HTMX):
            before = fingerprint()
            response = client.post(url, data=form, headers=headers)
            assert 400 <= response.status_code < 500, (rule.endpoint, response.status_code)
            assert fingerprint() == before, rule.endpoint


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/opportunities/new", {"name": "Mine", "account_name": "Acme", "amount": "10"}),
        ("/opportunities/{opportunity_id}/notes", {"body": "Hello"}),
        ("/opportunities/{opportunity_id}/stage", {"stage_id": "{stage_id}"}),
        ("/accounts/new", {"name": "Nuova Srl"}),
        ("/contacts/new", {"first_name": "Ugo", "last_name": "Neri"}),
        ("/leads/new", {"first_name": "Ugo", "last_name": "Neri", "company": "Neri"}),
        ("/opportunities/mass", {"action": "note", "ids": "{opportunity_id}", "body": "x"}),
        ("/opportunities/mass/confirm", {"action": "note", "ids": "{opportunity_id}"}),
        ("/imports/new?entity=opportunity", {}),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_refusals_say_why_as_a_page_or_a_fragment(
    client, auth, reader, setting, url, data, headers
):
    auth.login(reader)
    data = {k: v.format(**setting) for k, v in data.items()}
    before = fingerprint()
    response = client.post(url.format(**setting), data=data, headers=headers)
    assert response.status_code == 403
    assert READ_ONLY in response.text
    assert ("<html" in response.text) is not bool(headers)
    assert fingerprint() == before


def test_forms_to_create_are_refused_too(client, auth, reader, setting):
    auth.login(reader)
    for url in (
        "/opportunities/new",
        "/accounts/new",
        "/contacts/new",
        "/leads/new",
        "/imports/new?entity=contact",
    ):
        response = client.get(url)
        assert response.status_code == 403 and READ_ONLY in response.text, url


def test_pages_show_a_read_only_user_no_write_controls(
    client, auth, reader, setting, pipeline, sales_user
):
    auth.login(reader)
    deal = client.get(f"/opportunities/{setting['opportunity_id']}")
    assert deal.status_code == 200 and "Acme support" in deal.text
    assert "+ New deal" not in deal.text
    assert 'aria-label="New note"' not in deal.text and "Call back in May" in deal.text
    board = client.get(f"/pipelines/{pipeline.id}/board?owner=all").text
    assert "Acme support" in board and "+ Add a deal" not in board
    assert 'id="board" data-read-only' in board  # board.js makes nothing draggable
    listed = client.get("/activities?owner=all").text
    assert "Demo" in listed and 'action="/activities/' not in listed
    week = client.get("/activities/calendar").text
    assert "Demo" in week and "data-draggable" not in week
    deals = client.get("/opportunities?owner=all").text
    assert 'id="mass-actions"' not in deals and "data-import-link" not in deals
    folder = client.get(f"/accounts/{setting['account_id']}").text
    assert "data-new-deal" not in folder and "Acme support" in folder
    # The same pages for a salesperson do have them (the checks above can fail).
    auth.logout()
    auth.login(sales_user)
    assert 'aria-label="New note"' in client.get(f"/opportunities/{setting['opportunity_id']}").text
    board = client.get(f"/pipelines/{pipeline.id}/board?owner=all").text
    assert "+ Add a deal" in board and "data-read-only" not in board
    assert 'action="/activities/' in client.get("/activities?owner=all").text


def test_own_settings_stay_open_to_a_read_only_user(client, auth, reader, setting):
    auth.login(reader)
    response = client.post("/language", data={"locale": "it", "next": "/board"})
    assert response.status_code in (200, 302, 303)
    db.session.expire_all()
    assert reader.locale == "it"
    assert client.post("/board/density", data={"density": "comfortable"}).status_code < 400


def test_a_read_only_user_owns_no_deal(create_user, business_line, sales_user, create_opportunity):
    from webapp.errors import ValidationError
    from webapp.owners.services import eligible_owners

    viewer = create_user(email="view@example.com", name="Vera", role="readonly", sales=True)
    assert viewer.in_group("sales") and viewer not in eligible_owners(business_line.id)
    assert sales_user in eligible_owners(business_line.id)
    before = fingerprint()
    with pytest.raises(ValidationError):
        create_opportunity(name="For Vera", owner=viewer, user=sales_user)
    assert fingerprint() == before
