"""No input gives a 5xx, and invalid input writes nothing: every route of ``app.url_map``
(new ones included automatically) gets hostile values in its path, query string and form.

Parameter names come from the views' own source (``request.args.get("...")``, WTForms field
declarations, ``data.get("...")`` in the feature's modules) plus a list of common ones.
After each request the row count of every table and each deal's version must be unchanged.
"""

import inspect
import io
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select, text

from webapp.extensions import db
from webapp.models import Note, Opportunity, PluginEnablement, Stage
from webapp.opportunities import activities, documents, notes, relations
from webapp.opportunities import services as deals

from . import factories

HOSTILE = {
    "huge": "9" * 25,
    "negative": "-1",
    "superscript": "²",
    "arabic_digit": "٣",
    "empty": "",
    "megabyte": "x" * (1 << 20),
    "nul": "a\x00b",
    "control": "a\r\nb\x1bc",
    "bad_utf8": None,  # the byte 0xFF, percent-encoded: Werkzeug keeps such bytes as "%FF"
}
# Invalid for any parameter: a request carrying one of these must write nothing.
ALWAYS_INVALID = ("megabyte", "nul", "control")
# Invalid for an id or an amount (Arabic-Indic digits are fine amounts; empty is a default).
NUMBER_VALUES = ("huge", "negative", "superscript", "bad_utf8")
# Each parameter alone (the others absent), so no other field's error hides its own answer;
# a text parameter gets only the values that are invalid as text.
ALONE = ("huge", "superscript", "nul", "megabyte")
PATH_VALUES = ("huge", "superscript", "arabic_digit", "bad_utf8")
NUMERIC_NAME = re.compile(
    r"(^|_)(id|ids|page|offset|version|seen|before|after|quantity|amount|price|discount|"
    r"probability|months|position|uplift|days|objective|low|high|line|step|order)$"
)
# Routes that accept any value of what they read (say why).
ACCEPTS_ANYTHING = {
    "admin.owner_settings": "checkboxes: any value but 1 is off",
}
COMMON_QUERY = ("page", "q", "owner", "tag", "account_id", "next", "offset", "before", "edit")
PARAM_PATTERNS = (
    re.compile(r"""\b(?:args|form|values|data)\.get(?:list)?\(\s*["'](\w+)["']"""),
    re.compile(r"""\b(?:args|form|values|data)\[\s*["'](\w+)["']\s*\]"""),
    re.compile(r"""^\s*(\w+) = \w*Field\(""", re.M),
    re.compile(r"""^\s*"(\w+)": \(?(?:lambda|\(|"|\w+\()""", re.M),  # parser tables
)
# Signing out (or ending one's sessions) would end the session of the walk.
SKIP = {"static", "auth.logout", "security.end_all_sessions", "security.end_session"}


@pytest.fixture
def world(app, pipeline, business_line, admin, lost_reason):
    """A small company: a deal with lines, contacts, a partner, an activity, a note and a
    document; a lead; every bundled plugin enabled."""
    for plugin in ("erp_quotes", "renewals", "pipeline_variants"):
        db.session.add(PluginEnablement(business_line_id=business_line.id, plugin=plugin))
    db.session.commit()
    account = factories.account("Acme S.p.A.")
    partner = factories.account("Partner srl")
    anna = factories.contact(account, "Bianchi", first_name="Anna")
    factories.contact(account, "Verdi", first_name="Luca")
    product = factories.product()
    factories.tag("Hot")
    opp = factories.opportunity(
        admin, {"name": "Acme support", "account_id": account.id, "amount": "1000"}
    )
    line = deals.add_line(admin, opp, {"product_id": product.id, "quantity": "2"})
    link = relations.add_contact(admin, opp, anna.id, "decision_maker")
    partner_link = relations.add_account(admin, opp, "partner", {"account_id": partner.id})
    activity = activities.create_activity(admin, opp, {"subject": "Call Anna", "kind": "call"})
    note = notes.add_note(admin, opp, "First call went well.")
    doc = documents.upload_document(
        admin,
        opp,
        io.BytesIO(b"%PDF-1.4 hello"),
        "offer.pdf",
        folder=app.config["UPLOAD_FOLDER"],
        limit=app.config["MAX_UPLOAD_BYTES"],
    )
    from webapp.leads.services import create_lead

    lead = create_lead(admin, {"last_name": "Neri", "company": "Neri Spa"})
    from webapp.imports.services import upload

    run = upload(
        admin,
        "opportunity",
        io.BytesIO(b"Nome;Importo;Data chiusura\nAffare;1.500,50;31/12/2026\n"),
        "deals.csv",
        folder=app.config["UPLOAD_FOLDER"],
        limit=app.config["MAX_IMPORT_BYTES"],
    )
    stage = db.session.scalars(select(Stage).where(Stage.pipeline_id == pipeline.id)).first()
    return {
        "opportunity_id": opp.id,
        "activity_id": activity.id,
        "line_id": line.id,
        "note_id": note.id,
        "document_id": doc.id,
        "account_id": account.id,
        "contact_id": anna.id,
        "lead_id": lead.id,
        "run_id": run.id,
        "pipeline_id": pipeline.id,
        "stage_id": stage.id,
        "business_line_id": business_line.id,
        "quote_id": 1,
        "plugin": "renewals",
        "filename": "app.css",
        "_contact_link": link.id,
        "_account_link": partner_link.id,
    }


def _path_values(rule, world) -> dict:
    """A valid value for each path argument of ``rule``."""
    values = {}
    for arg in rule.arguments - set(rule.defaults or {}):
        if arg == "link_id":
            kind = "contact" if "/contacts/" in rule.rule else "account"
            values[arg] = world[f"_{kind}_link"]
        elif arg == "name":
            values[arg] = "notes" if rule.endpoint.endswith("panel") else "name"
        else:
            values[arg] = world.get(arg, 1)
    return values


def _url(rule, values: dict) -> str:
    """The path of ``rule`` with ``values`` put in literally (no converter checks)."""
    url = rule.rule
    for arg, value in values.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(value), url)
    return url


def _sources(view) -> list[str]:
    """The source of the view's module, and for a package feature its siblings' sources."""
    module = sys.modules[inspect.unwrap(view).__module__]
    folder = Path(module.__file__).parent
    files = [Path(module.__file__)]
    if folder.name not in ("webapp", "plugins"):
        files += sorted(p for p in folder.glob("*.py") if p != files[0])
    return [p.read_text() for p in files]


def _names(source: str) -> set[str]:
    found = {m for pattern in PARAM_PATTERNS for m in pattern.findall(source)}
    return {n for n in found if not n.startswith("_") and n != "csrf_token"}


def _params(view) -> tuple[list[str], list[str]]:
    """(names the view function itself reads, names its feature's modules read plus the
    common ones)."""
    own = _names(inspect.getsource(inspect.unwrap(view)))
    feature = _names("\n".join(_sources(view))) | set(COMMON_QUERY)
    return sorted(own), sorted(own | feature)


def _reads_input(view) -> bool:
    """True when the view function reads the form or the query string itself."""
    return (
        re.search(
            r"request\.(form|values|args|files|get_data|get_json)|\bform\b",
            inspect.getsource(inspect.unwrap(view)),
        )
        is not None
    )


ENCODED = {kind: "%FF" if v is None else quote(v, safe="") for kind, v in HOSTILE.items()}


def _encode(name: str, kind: str) -> str:
    return f"{quote(name)}={ENCODED[kind]}"


def _encode_all(names: list[str], kind: str) -> str:
    """Every name set to the hostile value; the megabyte is shared out (still far longer than
    any column) so that one request stays about 1 MB."""
    if kind != "megabyte":
        return "&".join(_encode(name, kind) for name in names)
    share = "x" * ((1 << 20) // max(1, len(names)))
    return "&".join(f"{quote(name)}={share}" for name in names)


# Logs of attempts and accepted actions, not data: the audit log records sign-in failures and
# admin actions such as a plugin toggle (where any value but 1 disables).
LOGS = {"audit_events"}


def _tables():
    return [t for t in db.metadata.sorted_tables if t.name not in LOGS]


def _snapshot() -> tuple:
    """Row counts of every table and each deal's version (one query, plus the versions)."""
    tables = _tables()
    counts = ", ".join(f'(SELECT count(*) FROM "{t.name}")' for t in tables)
    row = db.session.execute(text(f"SELECT {counts}")).one()
    versions = db.session.execute(select(Opportunity.id, Opportunity.version)).all()
    return tuple(row), tuple(sorted(versions))


def _diff(before: tuple, after: tuple) -> str:
    names = [t.name for t in _tables()]
    changed = [f"{n}: {a} -> {b}" for n, a, b in zip(names, before[0], after[0], strict=True)]
    changed = [c for c, a, b in zip(changed, before[0], after[0], strict=True) if a != b]
    if before[1] != after[1]:
        changed.append(f"versions {before[1]} -> {after[1]}")
    return "; ".join(changed)


class Walk:
    """Sends the requests and collects every 5xx and every write."""

    def __init__(self, client):
        self.client = client
        self.problems: list[str] = []
        self.sent = 0
        self.state = _snapshot()

    def send(self, method: str, path: str, *, query: str = "", body: str = "", label: str) -> None:
        self.sent += 1
        kwargs = {"query_string": query}
        if method == "POST":
            kwargs["data"] = body.encode()
            kwargs["content_type"] = "application/x-www-form-urlencoded"
        try:
            with self.client.open(path, method=method, **kwargs) as response:
                status = response.status_code
        except Exception as exc:  # TESTING propagates what would be a 500
            status = f"500 ({type(exc).__name__}: {str(exc)[:200]})"
        db.session.rollback()  # what the end of a real request does
        db.session.expire_all()
        if not isinstance(status, int) or status >= 500:
            self.problems.append(f"{method} {path[:80]} {label}: {status}")
        state = _snapshot()
        if state != self.state:
            self.problems.append(f"{method} {path[:80]} {label}: wrote {_diff(self.state, state)}")
        self.state = state


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in SKIP or rule.endpoint.endswith(".static"):
            continue
        yield rule


def test_no_route_answers_5xx_or_writes_on_hostile_input(app, client, auth, admin, world):
    auth.login(admin)
    walk = Walk(client)
    started = time.monotonic()
    only = re.compile(os.environ.get("HOSTILE_ONLY", ""))  # to walk a few routes while fixing
    for rule in _rules(app):
        if not only.search(rule.rule):
            continue
        view = app.view_functions[rule.endpoint]
        valid = _path_values(rule, world)
        args = sorted(valid)
        for method in sorted(rule.methods & {"GET", "POST"}):
            for arg in args:  # hostile path values: no route matches, or a 4xx
                for kind in PATH_VALUES:
                    path = _url(rule, {**valid, arg: ENCODED[kind][:4096]})
                    walk.send(method, path, label=f"path {arg}={kind}")
            path = _url(rule, valid)
            if method == "POST" and not _reads_input(view):
                continue  # a plain action (delete, complete): only its path is hostile
            own, every = _params(view)
            if method == "GET":
                for kind in HOSTILE:  # every parameter at once
                    query = _encode_all(every, kind)
                    walk.send("GET", path, query=query, label=f"?all={kind}")
                for name in own:
                    for kind in ALONE:
                        walk.send("GET", path, query=_encode(name, kind), label=f"?{name}={kind}")
                continue
            if rule.endpoint in ACCEPTS_ANYTHING:
                continue
            numeric = [n for n in every if NUMERIC_NAME.search(n)]
            for kind in ALWAYS_INVALID + NUMBER_VALUES:
                names = every if kind in ALWAYS_INVALID else numeric
                body = _encode_all(names, kind)
                walk.send("POST", path, body=body, label=f"form all={kind}")
            for name in own:
                for kind in ALONE:
                    if kind in NUMBER_VALUES and not NUMERIC_NAME.search(name):
                        continue  # a fine deal name or note
                    walk.send("POST", path, body=_encode(name, kind), label=f"{name}={kind}")
    elapsed = time.monotonic() - started
    print(f"hostile walk: {walk.sent} requests in {elapsed:.1f} s")
    assert walk.sent > 800  # the walk found the routes and their parameters
    assert not walk.problems, "\n".join(walk.problems)
    assert db.session.get(Note, world["note_id"]) is not None
