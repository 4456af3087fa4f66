"""Every page in three languages: each GET route of the URL map (new ones included, the
plugins' too) is rendered for an admin and a salesperson, as a page and as an htmx fragment,
in English, Italian and Persian (tests/i18n_text.py): no interface text may be left in
English, and a Persian page writes its numbers in Persian digits. Error pages, the dialogs
and the pages a typical POST leads to (with its flash message) are read the same way.

A route that answers something else than a page is listed in ``NOT_PAGES`` with why."""

import re

import pytest
from sqlalchemy import select

from tests.i18n_text import HEADERS, untranslated, visible_texts
from tests.test_route_matrix import _close_world, _open_world, _url
from webapp.extensions import db

# Routes whose answer is not an HTML page, and why nobody reads it as interface text here.
NOT_PAGES = {
    "GET /favicon.ico": "an icon",
    "GET /healthz": "a probe's plain answer",
    "GET /calendar/<int:user_id>/<token>.ics": "an iCalendar feed (its events are user data)",
    "GET /accounts/export": "a CSV or XLSX file (its headers: tests/test_exports.py)",
    "GET /contacts/export": "a CSV or XLSX file (its headers: tests/test_exports.py)",
    "GET /leads/export": "a CSV or XLSX file (its headers: tests/test_exports.py)",
    "GET /opportunities/export": "a CSV or XLSX file (its headers: tests/test_exports.py)",
    "GET /imports/<int:run_id>/rejects.csv": "the rejected rows as a CSV file",
    "GET /reports/<key>/<table_key>.csv": "a report table as a CSV file",
    "GET /opportunities/<int:opportunity_id>/documents/<int:document_id>": "the uploaded file",
    "GET /opportunities/totals": "numbers for the list's footer (JSON)",
}
# Columns whose values are what people typed (names, emails, subjects...): the same in every
# language. Stored timeline and audit messages are not among them: they must be translated.
DATA = {
    "users": ("name", "email"),
    "accounts": ("name", "industry", "city", "country", "email", "website", "phone"),
    "contacts": ("first_name", "last_name", "email", "title"),
    "leads": ("first_name", "last_name", "company", "email"),
    "opportunities": ("name",),
    "activities": ("subject",),
    "documents": ("filename",),
    "notes": ("body",),
    "saved_views": ("name",),
    "teams": ("name",),
    "pipelines": ("name",),
    "stages": ("name",),
    "business_lines": ("name",),
    "products": ("name", "code"),
    "import_runs": ("filename",),
    "erp_quotes": ("reference",),
    "user_sessions": ("user_agent", "address"),
}
# The cells of the uploaded file the import's mapping page previews.
FILE_CELLS = ("Nome", "Importo", "Affare", "1.500,50")
HX = {"HX-Request": "true"}
# Latin digits a Persian page shows on purpose: how a file or an input writes numbers (the
# examples of the import, export and targets pages), dates (ISO, accepted in every date input), the
# names of text encodings. Any other number must be in Persian digits.
FILE_FORMATS = re.compile(r"1\.?500[,.]50|12500[,.]50|\d{4}-\d{2}-\d{2}|\(\d+|UTF-|8859|1252")
# Latin digits a Persian page may show: in data, ids, URLs, emails, times typed by people.
_LATIN = re.compile(r"[0-9]")


def _data() -> list[str]:
    values = set()
    for table in db.metadata.sorted_tables:
        for column in DATA.get(table.name, ()):
            values.update(v for v in db.session.scalars(select(table.c[column])) if v)
    for name in db.session.scalars(select(db.metadata.tables["users"].c.email)):
        values.add(name.split("@")[0])  # a user without a name is shown by their email's
    values.update(FILE_CELLS)
    return sorted(values, key=len, reverse=True)


@pytest.fixture(scope="module")
def world(_migrated, test_config):
    opened, _data_app = _open_world(test_config)
    yield opened
    _close_world(opened)


def _pages(client, url, headers=None, method="get", data=None):
    pages, statuses = {}, {}
    for lang, language in HEADERS.items():
        call = getattr(client, method)
        kwargs = {"data": data} if data is not None else {}
        response = call(url, headers={**language, **(headers or {})}, **kwargs)
        statuses[lang] = response.status_code
        pages[lang] = (response.mimetype, response.get_data(as_text=True))
    return pages, statuses


def _latin_digits(page: str, data: list[str]) -> set[str]:
    """Texts of a Persian page with Latin digits in them that are not data."""
    found = set()
    for shown in visible_texts(page):
        text = shown
        for value in data:
            text = text.replace(value, " ")
        text = re.sub(r"\S+@\S+|https?://\S+|/\S*", " ", text)
        if _LATIN.search(text) and not FILE_FORMATS.search(text):
            found.add(shown)
    return found


def _misses(world, column, url, headers=None, method="get", form=None):
    """What is left in English (or in Latin digits) on ``url`` for ``column``."""
    client = world.clients[column]
    pages, statuses = _pages(client, url, headers, method, form)
    assert statuses["en"] < 500 and statuses["it"] < 500 and statuses["fa"] < 500, (
        url,
        column,
        statuses,
    )
    if 300 <= statuses["en"] < 400:
        return {}  # a redirect: its target is a route of its own
    if pages["en"][0] != "text/html":
        return {"not html": {pages["en"][0]}}
    data = _data()
    misses = {}
    for lang in ("it", "fa"):
        left = untranslated(pages["en"][1], pages[lang][1], lang, data)
        left = {text for text in left if len(text) > 1}  # a letter: an avatar's initial
        if left:
            misses[lang] = left
    digits = _latin_digits(pages["fa"][1], data)
    if digits:
        misses["fa digits"] = digits
    return misses


def test_every_page_in_italian_and_persian(world):
    found = {}
    checked = 0
    for key, rule in sorted(world.rules.items()):
        if not key.startswith("GET ") or key in NOT_PAGES:
            continue
        url = _url(rule, world.ids)
        for column in ("admin", "sales"):
            for headers in (None, HX):
                misses = _misses(world, column, url, headers)
                checked += 1
                for kind, texts in misses.items():
                    found.setdefault(f"{key} [{column}{' hx' if headers else ''}] {kind}", texts)
    for line in sorted(found):
        print(line, sorted(found[line]))
    assert checked > 200
    assert not found


def _report_keys(world) -> list[str]:
    from webapp.reports.registry import reports

    with world.web.test_request_context("/"):
        return [spec.key for spec in reports()]


def test_dialogs_flashes_error_pages_and_every_report(world):
    """What the URL map alone does not reach: every report and its summary, the 404 page, the
    lost dialog (a move refused for want of a reason), the mass actions' dialogs, and the
    pages a create, a note and a move lead to with their flash message."""
    from webapp.models import Stage

    ids = world.ids
    deal = ids["opportunity_id"]
    lost = db.session.scalar(
        select(Stage.id).where(Stage.pipeline_id == ids["pipeline_id"], Stage.kind == "lost")
    )
    found = {}

    def check(label, column, url, **kwargs):
        for kind, texts in _misses(world, column, url, **kwargs).items():
            found[f"{label} [{column}] {kind}"] = texts

    for key in _report_keys(world):
        for column in ("admin", "sales"):
            check(f"report {key}", column, f"/reports/{key}")
            check(f"report {key} summary", column, f"/reports/{key}/summary", headers=HX)
    check("404", "sales", "/no/such/page")
    move = {"stage_id": lost, "version": ids["version"], "board": "1"}
    check(
        "lost dialog", "sales", f"/opportunities/{deal}/stage", headers=HX, method="post", form=move
    )
    for action in ("stage", "owner", "add_tags", "close_date", "note", "trash"):
        form = {"action": action, "scope": "selected", "ids": deal}
        check(
            f"mass {action}",
            "sales",
            "/opportunities/mass/confirm",
            headers=HX,
            method="post",
            form=form,
        )
    client = world.clients["sales"]
    for lang, headers in HEADERS.items():  # each language's flash, read on the page it leads to
        created = client.post(
            "/opportunities/new",
            data={"name": f"Flash {lang}", "stage_id": ids["stage_id"]},
            headers=headers,
            follow_redirects=True,
        )
        assert created.status_code == 200
        found_left = _flash_left(created.text, lang)
        if found_left:
            found[f"flash after create [{lang}]"] = found_left
    for line in sorted(found):
        print(line, sorted(found[line]))
    assert not found


def _flash_left(page: str, lang: str) -> set[str]:
    """The flash messages of ``page`` (in ``lang``) that are English."""
    flashes = re.findall(r'class="alert[^"]*"[^>]*>(.*?)<', page, re.S)
    english = {"created", "moved", "saved", "deleted", "Deal"}
    if lang == "en":
        return set()
    return {f.strip() for f in flashes if any(word in f for word in english)}
