"""Stored XSS, every page: the free-text columns of every row hold a script and an attribute
breaker, then every GET route of the URL map (new ones included) is rendered for an admin
and a salesperson; no HTML page may carry the payload unescaped."""

import pytest
from sqlalchemy import String, Text, cast, literal, update

from tests.test_route_matrix import _close_world, _open_world, _url
from webapp.extensions import db

PAYLOAD = "\"'><script>alert('xss')</script><img src=x onerror=alert(1)>"
# Columns people type free text into (names, subjects, notes...), in every table that has them;
# not keys, codes or choices (role, status, kind, currency), which the app validates.
FREE_TEXT = {
    "name", "title", "subject", "body", "description", "first_name", "last_name", "company",
    "city", "industry", "website", "phone", "mobile", "street", "notes", "detail", "reason",
    "customer", "label", "original_name", "job_title", "source_name", "message", "summary",
}  # fmt: skip


@pytest.fixture
def hostile_world(_migrated, test_config):
    world, _data = _open_world(test_config)
    for table in db.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if c.name in FREE_TEXT and isinstance(c.type, String | Text) and not c.primary_key
        ]
        for column in columns:
            length = getattr(column.type, "length", None)
            if length is None or length >= len(PAYLOAD) + 12:
                # Unique per row (some names are unique): the payload, then the row's id.
                value = literal(PAYLOAD) + cast(table.c.id, String) if "id" in table.c else PAYLOAD
                db.session.execute(
                    update(table).where(column.isnot(None)).values({column.name: value})
                )
    db.session.commit()
    yield world
    _close_world(world)


def test_no_page_carries_stored_script_unescaped(hostile_world):
    world = hostile_world
    checked = shown = 0
    for key, rule in sorted(world.rules.items()):
        if not key.startswith("GET "):
            continue
        url = _url(rule, world.ids)
        for column in ("admin", "sales"):
            with world.clients[column].get(url) as response:
                assert response.status_code < 500, (url, column, response.status_code)
                if response.mimetype != "text/html":
                    continue
                page = response.get_data(as_text=True)
                assert "<script>alert('xss')" not in page, (url, column)
                assert "<img src=x onerror" not in page, (url, column)
                checked += 1
                shown += "&lt;script&gt;alert(" in page  # the payload is there, escaped
    assert checked > 100 and shown > 40, (checked, shown)
