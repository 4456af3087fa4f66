# ruff: noqa: E501  (the table below has a route per line)
"""Route x role matrix: every route of ``app.url_map`` has an expected answer for each kind of
visitor, so a new route without an entry fails ``test_every_route_has_an_entry``.

Columns: anonymous, a salesperson of another business line, the deal's salesperson, a
manager and an admin of its line, and read-only (tested once ``ROLES`` has it: its column is
already written). Each GET is sent and its status compared; each POST is sent by every role
whose entry is a refusal, and nothing may be written (a digest of every table's rows is the
same before and after). POSTs a role may make ("ok") are not sent: they would change the
shared fixtures; each feature's own tests cover them.

Entries, one word per column:
  login  302 to the sign-in page     200 403 404 410 422  that status
  home   302 to a page of the app    ok  (POST) allowed: not sent here
A POST whose word is not "ok" is sent with a form of plausible values (so the refusal must
come from the permission check) and must write nothing, whatever its status.
To write the entry of a new route, ``ROUTE_MATRIX_OBSERVE='/new/route' pytest -s -k observe
tests/test_route_matrix.py`` prints what the matching routes answer today (a POST that wrote
shows as "ok(status)"): check every word before copying it into the table.
"""

import hashlib
import io
import os
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD, _empty_tables
from webapp import create_app
from webapp.extensions import db
from webapp.models import ROLES, PluginEnablement, UserSession
from webapp.teams.services import save_team

COLUMNS = ("anonymous", "other_line", "sales", "manager", "admin", "readonly")
TESTED = tuple(c for c in COLUMNS if c in ("anonymous", "other_line") or c in ROLES)
WORDS = {"login", "home", "ok", "200", "403", "404", "410", "422"}

# One line per route and method: a word per column, then the route. The read-only column is
# written ahead of the role (it sees what a salesperson of its line sees and changes nothing
# but its own settings); it is tested once ``ROLES`` has "readonly".
TABLE = """
anon. other sales mgr   admin r/o
login home  home  home  home  home  GET  /

200   200   200   200   200   200   GET  /access/<token>
ok    200   200   200   200   200   POST /access/<token>

login 200   200   200   200   200   GET  /accounts
login 200   200   200   200   200   GET  /accounts/<int:account_id>
login 200   200   200   200   403   GET  /accounts/<int:account_id>/edit
login ok    ok    ok    ok    403   POST /accounts/<int:account_id>/edit
login 200   200   200   200   200   GET  /accounts/<int:account_id>/merge
login ok    ok    ok    ok    200   POST /accounts/<int:account_id>/merge
login 200   200   200   200   200   GET  /accounts/export
login 200   200   200   200   403   GET  /accounts/new
login ok    ok    ok    ok    403   POST /accounts/new
login 200   200   200   200   200   GET  /accounts/search

login 200   200   200   200   200   GET  /activities
login 404   ok    ok    ok    403   POST /activities/<int:activity_id>/done
login 404   ok    ok    ok    403   POST /activities/<int:activity_id>/reschedule
login 200   200   200   200   200   GET  /activities/calendar
login 403   200   200   200   403   GET  /activities/new
login 403   ok    ok    ok    403   POST /activities/new
login 403   403   403   200   403   GET  /activities/types
login 403   403   403   ok    403   POST /activities/types

login 403   403   200   200   403   GET  /admin/
login 403   403   403   200   403   GET  /admin/audit
login 403   403   403   ok    403   POST /admin/owners
login 403   403   200   200   403   GET  /admin/pipelines/
login 403   403   ok    ok    403   POST /admin/pipelines/
login 403   403   200   200   403   GET  /admin/pipelines/<int:pipeline_id>
login 403   403   ok    ok    403   POST /admin/pipelines/<int:pipeline_id>
login 403   403   ok    ok    403   POST /admin/pipelines/<int:pipeline_id>/default
login 403   403   ok    ok    403   POST /admin/pipelines/<int:pipeline_id>/delete
login 403   403   ok    ok    403   POST /admin/pipelines/<int:pipeline_id>/stages
login 403   403   ok    ok    403   POST /admin/pipelines/<int:pipeline_id>/stages/order
login 403   403   ok    ok    403   POST /admin/pipelines/stages/<int:stage_id>
login 403   403   200   200   403   GET  /admin/pipelines/stages/<int:stage_id>/delete
login 403   403   ok    ok    403   POST /admin/pipelines/stages/<int:stage_id>/delete
login 403   403   ok    ok    403   POST /admin/pipelines/stages/<int:stage_id>/move
login 403   403   403   ok    403   POST /admin/plugins/<int:business_line_id>/<plugin>
login 403   403   403   200   403   GET  /admin/plugins/<int:business_line_id>/<plugin>/off
login 403   403   200   200   403   GET  /admin/teams
login 403   403   200   200   403   GET  /admin/teams/<int:team_id>
login 403   403   403   ok    403   POST /admin/teams/<int:team_id>
login 403   403   403   ok    403   POST /admin/teams/<int:team_id>/delete
login 403   403   403   200   403   GET  /admin/teams/new
login 403   403   403   ok    403   POST /admin/teams/new
login 403   403   403   200   403   GET  /admin/users
login 403   403   403   200   403   GET  /admin/users/<int:user_id>
login 403   403   403   ok    403   POST /admin/users/<int:user_id>/business-lines
login 403   403   403   ok    403   POST /admin/users/<int:user_id>/deactivate
login 403   403   403   ok    403   POST /admin/users/<int:user_id>/invitation
login 403   403   403   ok    403   POST /admin/users/<int:user_id>/invitation/revoke
login 403   403   403   ok    403   POST /admin/users/<int:user_id>/reactivate
login 403   403   403   ok    403   POST /admin/users/<int:user_id>/reset-password
login 403   403   403   ok    403   POST /admin/users/<int:user_id>/role
login 403   403   403   ok    403   POST /admin/users/invite
login 403   403   403   ok    403   POST /admin/visibility

login 200   200   200   200   200   GET  /board
login ok    ok    ok    ok    ok    POST /board/density

200   200   200   200   200   200   GET  /calendar/<int:user_id>/<token>.ics

login 200   200   200   200   200   GET  /contacts
login 200   200   200   200   200   GET  /contacts/<int:contact_id>
login 200   200   200   200   403   GET  /contacts/<int:contact_id>/edit
login ok    ok    ok    ok    403   POST /contacts/<int:contact_id>/edit
login 200   200   200   200   200   GET  /contacts/<int:contact_id>/merge
login ok    ok    ok    ok    200   POST /contacts/<int:contact_id>/merge
login 200   200   200   200   200   GET  /contacts/export
login 200   200   200   200   403   GET  /contacts/new
login ok    ok    ok    ok    403   POST /contacts/new

login 403   403   403   200   403   GET  /erp-quotes/connection
login 403   403   403   ok    403   POST /erp-quotes/connection/<int:business_line_id>/test
login 403   ok    ok    ok    403   POST /erp-quotes/opportunities/<int:opportunity_id>/close-won
login 403   home  home  home  home  GET  /erp-quotes/opportunities/<int:opportunity_id>/panel
login 403   ok    ok    ok    403   POST /erp-quotes/opportunities/<int:opportunity_id>/quotes
login 403   ok    ok    ok    403   POST /erp-quotes/opportunities/<int:opportunity_id>/refresh
login 403   ok    ok    ok    403   POST /erp-quotes/quotes/<int:quote_id>/discard
login 403   ok    ok    ok    403   POST /erp-quotes/quotes/<int:quote_id>/retry
login 403   ok    ok    ok    403   POST /erp-quotes/quotes/<int:quote_id>/take-total
403   403   403   403   403   403   POST /erp-quotes/webhook

200   200   200   200   200   200   GET  /favicon.ico

200   200   200   200   200   200   GET  /healthz

login 200   200   200   200   200   GET  /imports
login 404   200   404   200   404   GET  /imports/<int:run_id>
login 404   ok    404   ok    404   POST /imports/<int:run_id>/discard
login 404   200   404   200   404   GET  /imports/<int:run_id>/mapping
login 404   ok    404   ok    404   POST /imports/<int:run_id>/mapping
login 404   200   404   200   404   GET  /imports/<int:run_id>/rejects.csv
login 404   ok    404   ok    404   POST /imports/<int:run_id>/rerun
login 404   ok    404   ok    403   POST /imports/<int:run_id>/run
login 404   ok    404   ok    404   POST /imports/<int:run_id>/undo
login 200   200   200   200   403   GET  /imports/new
login ok    ok    ok    ok    403   POST /imports/new

ok    ok    ok    ok    ok    ok    POST /language

login 200   200   200   200   200   GET  /leads
login 403   200   200   200   200   GET  /leads/<int:lead_id>
login 403   200   200   200   403   GET  /leads/<int:lead_id>/convert
login 403   ok    ok    ok    403   POST /leads/<int:lead_id>/convert
login 403   200   200   200   403   GET  /leads/<int:lead_id>/edit
login 403   ok    ok    ok    403   POST /leads/<int:lead_id>/edit
login 403   ok    ok    ok    403   POST /leads/<int:lead_id>/status
login 200   200   200   200   200   GET  /leads/export
login 200   200   200   200   403   GET  /leads/new
login 422   ok    ok    ok    403   POST /leads/new

200   home  home  home  home  home  GET  /login
ok    ok    ok    ok    ok    ok    POST /login

login ok    ok    ok    ok    ok    POST /logout

login 200   200   200   200   200   GET  /opportunities
login 403   200   200   200   200   GET  /opportunities/<int:opportunity_id>
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/activities
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/activities/<int:activity_id>/done
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/activities/<int:activity_id>/reschedule
login 403   200   200   200   200   GET  /opportunities/<int:opportunity_id>/card-actions
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/competitors
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/competitors/<int:link_id>/delete
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/contacts
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/contacts/<int:link_id>/delete
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/contacts/<int:link_id>/role
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/contacts/new
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/documents
login 403   200   200   200   200   GET  /opportunities/<int:opportunity_id>/documents/<int:document_id>
login 403   200   200   200   200   GET  /opportunities/<int:opportunity_id>/fields/<name>
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/fields/<name>
login 403   200   200   200   200   GET  /opportunities/<int:opportunity_id>/header
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/lines
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/lines/<int:line_id>
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/lines/<int:line_id>/delete
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/notes
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/notes/<int:note_id>/pin
login 403   home  home  home  home  GET  /opportunities/<int:opportunity_id>/panels/<name>
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/partners
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/partners/<int:link_id>/delete
login 403   200   200   200   403   GET  /opportunities/<int:opportunity_id>/stage
login 403   ok    ok    ok    403   POST /opportunities/<int:opportunity_id>/stage
login 200   200   200   200   200   GET  /opportunities/export
login 200   ok    ok    ok    403   POST /opportunities/mass
login ok    ok    ok    ok    403   POST /opportunities/mass/confirm
login 200   200   200   200   403   GET  /opportunities/new
login 200   ok    ok    ok    403   POST /opportunities/new
login 200   200   200   200   200   GET  /opportunities/totals

login 403   200   200   200   200   GET  /pipelines/<int:pipeline_id>/board
login 403   200   200   200   200   GET  /pipelines/<int:pipeline_id>/board/stages/<int:stage_id>/cards
login 403   ok    ok    ok    403   POST /pipelines/<int:pipeline_id>/board/stages/<int:stage_id>/deals

login 200   200   200   200   200   GET  /profile
login ok    ok    ok    ok    ok    POST /profile/calendar-feed
login ok    ok    ok    ok    ok    POST /profile/calendar-feed/revoke
login 200   200   200   200   200   GET  /profile/security
login ok    ok    ok    ok    ok    POST /profile/security/name
login ok    ok    ok    ok    ok    POST /profile/security/password
login ok    ok    ok    ok    ok    POST /profile/security/sessions/<int:record_id>/end
login ok    ok    ok    ok    ok    POST /profile/security/sessions/end-all

login 403   403   200   200   403   GET  /renewals/
login 403   403   ok    ok    403   POST /renewals/
login 403   200   200   200   403   GET  /renewals/opportunities/<int:opportunity_id>/duplicate
login 403   ok    ok    ok    403   POST /renewals/opportunities/<int:opportunity_id>/duplicate
login 403   403   ok    ok    403   POST /renewals/policies/<int:business_line_id>

login 200   200   200   200   200   GET  /reports/
login 200   200   200   200   200   GET  /reports/<key>
login 200   200   200   200   200   GET  /reports/<key>/<table_key>.csv
login 200   200   200   200   200   GET  /reports/<key>/summary
login 200   200   200   200   200   GET  /reports/targets
login 404   403   ok    ok    403   POST /reports/targets

login 200   200   200   200   200   GET  /trash
login 403   403   ok    ok    403   POST /trash/<kind_key>/<int:record_id>
login 404   403   200   200   403   GET  /trash/<kind_key>/<int:record_id>/confirm
login 404   404   404   200   404   GET  /trash/<kind_key>/<int:record_id>/purge
login 403   403   403   ok    403   POST /trash/<kind_key>/<int:record_id>/purge
login 404   403   ok    ok    403   POST /trash/<kind_key>/<int:record_id>/restore

login ok    ok    ok    ok    ok    POST /views
login 404   ok    404   404   404   POST /views/<int:view_id>/delete
login 404   ok    404   404   404   POST /views/<int:view_id>/rename
login 404   ok    404   404   404   POST /views/<int:view_id>/update
login ok    ok    ok    ok    ok    POST /views/default
"""


def _parse(table: str) -> dict[str, str]:
    entries = {}
    for line in table.strip().splitlines()[1:]:
        if line.strip():
            *words, method, rule = line.split()
            key = f"{method} {rule}"
            assert key not in entries, f"{key} twice"
            entries[key] = " ".join(words)
    return entries


MATRIX = _parse(TABLE)


@dataclass
class World:
    web: Flask
    clients: dict[str, FlaskClient]
    ids: dict[str, object]
    context: object  # the data app's context, pushed while the world is open
    rules: dict = None  # "METHOD /rule" -> rule


def _build(app: Flask) -> tuple[dict[str, object], dict[str, object]]:
    """One small company: two business lines, a user per column, a deal of the salesperson's
    in the first line with everything a deal page shows, a trashed deal, a lead, an import,
    a saved view, a quote, a calendar feed and a pending invitation. Returns (ids, users)."""
    from werkzeug.datastructures import MultiDict

    from plugins.erp_quotes.models import ErpQuote
    from webapp.imports.services import upload
    from webapp.leads.services import create_lead
    from webapp.listing.saved import create_view
    from webapp.opportunities import activities, documents, notes, relations
    from webapp.opportunities import services as deals
    from webapp.profile import feed
    from webapp.trash import services as trash
    from webapp.users import services as users

    line, other = factories.business_line("Software"), factories.business_line("Hardware")
    pipeline = factories.pipeline(line)
    factories.pipeline(other)
    for plugin in ("erp_quotes", "renewals", "pipeline_variants"):
        db.session.add(PluginEnablement(business_line_id=line.id, plugin=plugin))
    db.session.commit()
    people = {
        "admin": factories.user(
            email="admin@example.com", role="admin", business_lines=[line, other]
        ),
        "manager": factories.user(
            email="manager@example.com", role="manager", business_lines=[line]
        ),
        "sales": factories.user(email="sales@example.com", role="sales", business_lines=[line]),
        "other_line": factories.user(
            email="other@example.com", role="sales", business_lines=[other]
        ),
    }
    if "readonly" in ROLES:
        people["readonly"] = factories.user(
            email="readonly@example.com", role="readonly", business_lines=[line]
        )
    sales = people["sales"]
    account = factories.account("Acme S.p.A.")
    partner = factories.account("Partner srl")
    anna = factories.contact(account, "Bianchi", first_name="Anna")
    product = factories.product()
    opp = factories.opportunity(
        sales, {"name": "Acme support", "account_id": account.id, "amount": "1000"}
    )
    gone = factories.opportunity(sales, {"name": "Old deal", "account_id": account.id})
    trash.trash(people["admin"], "deals", gone.id)
    line_item = deals.add_line(sales, opp, {"product_id": product.id, "quantity": "2"})
    contact_link = relations.add_contact(sales, opp, anna.id, "decision_maker")
    partner_link = relations.add_account(sales, opp, "partner", {"account_id": partner.id})
    activity = activities.create_activity(sales, opp, {"subject": "Call Anna", "kind": "call"})
    note = notes.add_note(sales, opp, "First call went well.")
    document = documents.upload_document(
        sales,
        opp,
        io.BytesIO(b"%PDF-1.4 hello"),
        "offer.pdf",
        folder=app.config["UPLOAD_FOLDER"],
        limit=app.config["MAX_UPLOAD_BYTES"],
    )
    lead = create_lead(sales, {"last_name": "Neri", "company": "Neri Spa"})
    run = upload(
        sales,
        "opportunity",
        io.BytesIO(b"Nome;Importo\nAffare;1.500,50\n"),
        "deals.csv",
        folder=app.config["UPLOAD_FOLDER"],
        limit=app.config["MAX_IMPORT_BYTES"],
    )
    view = create_view(sales, "opportunity", "Mine", MultiDict({"q": "acme"}))
    draft = {
        "reference": "Q-1",
        "title": "Acme support",
        "customer": "Acme S.p.A.",
        "currency": "EUR",
        "valid_till": None,
        "lines": [],
    }
    quote = ErpQuote(
        opportunity_id=opp.id,
        version=1,
        provider="demo",
        reference="Q-1",
        request=draft,
        created_by_id=sales.id,
    )
    db.session.add(quote)
    db.session.commit()
    feed.regenerate(sales)
    invited = users.invite(
        people["admin"],
        email="nina@example.com",
        name="Nina",
        role="sales",
        business_line_ids=[str(line.id)],
    )
    team = save_team(
        people["admin"],
        None,
        {"name": "North", "manager_id": str(people["manager"].id), "member_ids": [str(sales.id)]},
    )
    ids = {
        "team_id": team.id,
        "opportunity_id": opp.id,
        "activity_id": activity.id,
        "line_id": line_item.id,
        "note_id": note.id,
        "document_id": document.id,
        "account_id": account.id,
        "contact_id": anna.id,
        "lead_id": lead.id,
        "run_id": run.id,
        "pipeline_id": pipeline.id,
        "stage_id": pipeline.stages[0].id,
        "business_line_id": line.id,
        "plugin": "renewals",
        "quote_id": quote.id,
        "view_id": view.id,
        "key": "forecast",
        "table_key": "owners",
        "kind_key": "deals",
        "user_id": sales.id,
        "calendar_token": feed.token_of(feed.feed_of(sales)),
        "access_token": invited.token,
        "trashed_id": gone.id,
        "contact_link": contact_link.id,
        "account_link": partner_link.id,
        "version": opp.version,
        "product_id": product.id,
    }
    return ids, people


# Query strings some routes need to find their record (the deal to schedule on, the list).
QUERY = {
    "activities.new": lambda ids: f"deal={ids['opportunity_id']}",
    "imports.new": lambda ids: "entity=opportunity",
}


def _form(ids: dict) -> dict:
    """One form for every POST: plausible values for the fields the routes read, so that a
    refusal must come from the role check (with an empty form a validation error could hide
    a missing one)."""
    return {
        "business_line_id": ids["business_line_id"],
        "name": "Matrix",
        "body": "Matrix note",
        "subject": "Matrix call",
        "kind": "call",
        "stage_id": ids["stage_id"],
        "version": ids["version"],
        "amount": "100",
        "close_date": "2027-01-31",
        "account_id": ids["account_id"],
        "contact_id": ids["contact_id"],
        "product_id": ids["product_id"],
        "quantity": "1",
        "unit_price": "10",
        "role": "admin",
        "email": "matrix@example.com",
        "enabled": "1",
        "last_name": "Matrix",
        "company": "Matrix Spa",
        "status": "qualified",
        "ids": ids["opportunity_id"],
        "action": "note",
        "locale": "it",
        "density": "comfortable",
        "template": "services",
        "password": "a long passphrase",
        "confirm_password": "a long passphrase",
        "new_password": "a long passphrase",
        "current_password": PASSWORD,
        "user_id": ids["user_id"],
        "business_line": ids["business_line_id"],
        "year": "2026",
    }


def _url(rule, ids: dict) -> str:
    """The rule's path with ids from the fixtures (and the query it needs)."""
    values = {}
    for arg in rule.arguments - set(rule.defaults or {}):
        if arg == "link_id":
            values[arg] = ids["contact_link" if "/contacts/" in rule.rule else "account_link"]
        elif arg == "name":
            values[arg] = "notes" if rule.endpoint.endswith("panel") else "name"
        elif arg == "token":
            values[arg] = ids["calendar_token" if "calendar" in rule.rule else "access_token"]
        elif arg == "record_id" and rule.endpoint.startswith("security."):
            values[arg] = ids["session_id"]
        elif arg == "record_id":
            trashed = rule.endpoint in ("trash.purge_confirm", "trash.purge", "trash.restore")
            values[arg] = ids["trashed_id" if trashed else "opportunity_id"]
        else:
            values[arg] = ids[arg]
    url = rule.rule
    for arg, value in values.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(value), url)
    if rule.endpoint in QUERY:
        url += "?" + QUERY[rule.endpoint](ids)
    return url


def _open_world(test_config) -> tuple[World, Flask]:
    """The fixtures built on emptied tables, and a signed-in client per column on a second
    app (its requests get their own app context, so no signed-in user lingers in ``g``).
    Returns the world and the app whose context must stay pushed to read the database."""
    data = create_app(dict(test_config))
    context = data.app_context()
    context.push()
    _empty_tables()
    ids, people = _build(data)
    web = create_app(dict(test_config))
    clients = {"anonymous": web.test_client()}
    for column, user in people.items():
        client = web.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        clients[column] = client
    ids["session_id"] = db.session.scalar(
        select(UserSession.id).where(UserSession.user_id == people["sales"].id)
    )
    return World(web, clients, ids, context, _rules(web)), data


def _close_world(world: World) -> None:
    with world.web.app_context():
        db.engine.dispose()
    db.session.remove()
    db.engine.dispose()
    world.context.pop()


@pytest.fixture(scope="module")
def world(_migrated, test_config):
    """The fixtures, built once for the module."""
    opened, _data = _open_world(test_config)
    yield opened
    _close_world(opened)


def _rules(app: Flask) -> dict:
    """``"METHOD /rule"`` -> rule, for GET and POST of every route but static files."""
    keys = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            keys[f"{method} {rule.rule}"] = rule
    return keys


def _word(response) -> str:
    """What a response is, in the matrix's words."""
    if response.status_code == 302:
        return "login" if "/login" in response.headers["Location"] else "home"
    return str(response.status_code)


TICKING = ("user_sessions", "last_seen_at")


def digest() -> str:
    """A digest of every row of every table (a session's last-seen time left out: it ticks
    on any request)."""
    db.session.rollback()
    hashed = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) != TICKING]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        hashed.update(f"{table.name}:{rows!r}".encode())
    return hashed.hexdigest()


@pytest.mark.skipif(not os.environ.get("ROUTE_MATRIX_OBSERVE"), reason="ROUTE_MATRIX_OBSERVE")
def test_observe(_migrated, test_config):
    """Prints the answers today of the routes whose key matches ROUTE_MATRIX_OBSERVE (a
    regular expression); a POST that wrote (or signed its client out) is "ok(...)", and the
    world is rebuilt after it."""
    only = re.compile(os.environ["ROUTE_MATRIX_OBSERVE"])
    world, _data = _open_world(test_config)
    try:
        rules = _rules(world.web)
        for key in sorted(filter(only.search, rules), key=lambda k: k.split(" ", 1)[::-1]):
            rule, method = rules[key], key.split()[0]
            words = []
            for column in COLUMNS:
                if column not in world.clients:
                    words.append("?")
                    continue
                before = digest() if method == "POST" else None
                client = world.clients[column]
                data = _form(world.ids) if method == "POST" else None
                with client.open(_url(rule, world.ids), method=method, data=data) as response:
                    word = _word(response)
                if method == "POST":
                    signed_out = column != "anonymous" and client.get("/profile").status_code != 200
                    if digest() != before or signed_out:
                        word = f"ok({word})"
                        _close_world(world)
                        world, _data = _open_world(test_config)
                words.append(word)
            print(f'    "{key}": "{" ".join(words)}",', flush=True)
    finally:
        _close_world(world)


def _cases(method: str) -> list:
    """(key, column, expected word) of every entry of ``method`` sent here."""
    cases = []
    for key, words in sorted(MATRIX.items()):
        if not key.startswith(f"{method} "):
            continue
        for column, word in zip(COLUMNS, words.split(), strict=True):
            if column in TESTED and word != "ok":
                cases.append(pytest.param(key, column, word, id=f"{key} {column}"))
    return cases


def test_every_route_has_an_entry(world):
    keys = set(world.rules)
    assert sorted(keys - set(MATRIX)) == [], "routes without an entry in MATRIX"
    assert sorted(set(MATRIX) - keys) == [], "entries of routes that no longer exist"
    for key, words in MATRIX.items():
        split = words.split()
        assert len(split) == len(COLUMNS) and set(split) <= WORDS, key
        assert not (key.startswith("GET ") and "ok" in split), key


@pytest.mark.parametrize(("key", "column", "expected"), _cases("GET"))
def test_get(world, key, column, expected):
    url = _url(world.rules[key], world.ids)
    with world.clients[column].get(url) as response:
        assert _word(response) == expected, (url, response.status_code)


@pytest.mark.parametrize(("key", "column", "expected"), _cases("POST"))
def test_refused_post_writes_nothing(world, key, column, expected):
    url = _url(world.rules[key], world.ids)
    before = digest()
    with world.clients[column].post(url, data=_form(world.ids)) as response:
        assert _word(response) == expected, (url, response.status_code)
    assert digest() == before, f"{key} as {column} wrote"


CSRF_EXEMPT = {"POST /erp-quotes/webhook"}  # signed by the ERP instead (HMAC), no session


@pytest.mark.parametrize(
    "key", [k for k in sorted(MATRIX) if k.startswith("POST ") and k not in CSRF_EXEMPT]
)
def test_every_post_needs_the_csrf_token(world, key):
    """An admin's POST without the CSRF token is refused with 400 and writes nothing."""
    url = _url(world.rules[key], world.ids)
    before = digest()
    world.web.config["WTF_CSRF_ENABLED"] = True
    try:
        with world.clients["admin"].post(url, data=_form(world.ids)) as response:
            assert response.status_code == 400, (url, response.status_code)
    finally:
        world.web.config["WTF_CSRF_ENABLED"] = False
    assert digest() == before, f"{key} wrote without a CSRF token"
