"""Opportunity page benchmark: server time, size and SQL statements of ``GET /opportunities/<id>``.

    python -m bench.page [--sizes 1000,10000,100000] [--backends sqlite] [--runs 40]

SQLite: /tmp/opportuno-bench/page-<size>.db, a copy of bench.board's database of that size
(seeded when bench.board has none yet); PostgreSQL (``--backends sqlite,postgresql``): the
database ``test_page`` (BENCH_POSTGRES_URL overrides), seeded as bench.board seeds its own.
The demo's deals are thin (a line, a contact, a few timeline entries), so one open deal is
filled once with what a busy deal has: product lines, contacts, partners and competitors,
activities, notes, documents, a long timeline, ERP quotes and a renewal link (both plugins
are enabled in its business line). Each deal is opened by its owner, a salesperson. Times are
server times through the Flask test client in this process, as in bench.board.

Each deal's row is followed by the baseline the issue compares with: a bare Flask app
rendering a Jinja page of the same size (a layout and a loop of escaped rows, no database,
no extensions), measured the same way.
"""

import gc
import os
import sqlite3
from datetime import timedelta
from decimal import Decimal

from flask import Flask, render_template
from jinja2 import DictLoader
from sqlalchemy import select

from bench import board, table
from webapp.extensions import db
from webapp.models import (
    Activity,
    Contact,
    Document,
    Note,
    Opportunity,
    OpportunityAccount,
    OpportunityContact,
    OpportunityLine,
    PluginEnablement,
    Product,
    TimelineEntry,
)
from webapp.models._base import utcnow

board.POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_page"
)
MARK = "[bench.page] a busy deal"  # the note that tells the filled deal
RICH = {
    "lines": 12,
    "contacts": 8,
    "accounts": 4,
    "activities": 15,
    "notes": 10,
    "documents": 6,
    "timeline": 200,
    "quotes": 3,
}


def database_url(backend: str, size: int) -> str:
    """bench.board's SQLite database copied once (the filled deal stays out of its board)."""
    if backend != "sqlite":
        return board.POSTGRES_URL
    board.SQLITE_DIR.mkdir(exist_ok=True)
    path = board.SQLITE_DIR / f"page-{size}.db"
    source = board.SQLITE_DIR / f"board-{size}.db"
    if not path.exists() and source.exists():
        with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
    return f"sqlite:///{path}"


board.database_url = database_url  # prepare() opens (or seeds) our own database


def fill_busy_deal() -> int:
    """The id of the busy deal, filled on first use (idempotent: found by its marker note)."""
    from plugins.erp_quotes.models import ErpQuote
    from plugins.renewals.models import DealLink

    found = db.session.scalar(select(Note.opportunity_id).where(Note.body == MARK))
    if found:
        return found
    line_id = db.session.scalar(
        select(PluginEnablement.business_line_id).where(PluginEnablement.plugin == "erp_quotes")
    )
    deals = select(Opportunity).where(Opportunity.business_line_id == line_id)
    opp = db.session.scalars(deals.where(Opportunity.status == "open").offset(7).limit(1)).one()
    origin = db.session.scalars(
        deals.where(Opportunity.status == "won", Opportunity.contract_months.is_not(None))
        .where(Opportunity.account_id == opp.account_id)
        .limit(1)
    ).first()
    now = utcnow()
    products = list(db.session.scalars(select(Product).limit(RICH["lines"])))
    others = list(db.session.scalars(select(Contact.account_id).distinct().limit(RICH["accounts"])))
    add = db.session.add_all
    add(
        OpportunityLine(
            opportunity_id=opp.id,
            product_id=p.id,
            description=p.name,
            quantity=i + 1,
            unit_price=p.unit_price,
            position=i,
        )
        for i, p in enumerate(products * (RICH["lines"] // len(products) + 1))
        if i < RICH["lines"]
    )
    for i in range(RICH["contacts"]):
        contact = Contact(
            account_id=opp.account_id,
            first_name=f"Bench{i}",
            last_name="Contact",
            name_key=f"bench{i} contact",
            title="Buyer",
        )
        add([contact])
        db.session.flush()
        add([OpportunityContact(opportunity_id=opp.id, contact_id=contact.id, role="technical")])
    add(
        OpportunityAccount(
            opportunity_id=opp.id, account_id=a, role="partner" if i % 2 else "competitor"
        )
        for i, a in enumerate(a for a in others if a != opp.account_id)
    )
    add(
        Activity(
            opportunity_id=opp.id,
            kind="call",
            subject=f"Call {i}",
            owner_id=opp.owner_id,
            due_at=now + timedelta(days=i - 5),
            done=i % 3 == 0,
        )
        for i in range(RICH["activities"])
    )
    add(
        Note(
            opportunity_id=opp.id,
            author_id=opp.owner_id,
            body=f"Note {i}: budget talk.",
            pinned=i == 0,
        )
        for i in range(RICH["notes"] - 1)
    )
    add([Note(opportunity_id=opp.id, author_id=opp.owner_id, body=MARK)])
    add(
        Document(
            opportunity_id=opp.id,
            filename=f"offer-{i}.pdf",
            stored_name=f"bench-page-{i}",
            content_type="application/pdf",
            size=1000 * (i + 1),
            uploaded_by_id=opp.owner_id,
        )
        for i in range(RICH["documents"])
    )
    add(
        TimelineEntry(
            opportunity_id=opp.id,
            user_id=opp.owner_id,
            action="updated",
            field="amount",
            old_value=f"{i}00.00",
            new_value=f"{i + 1}00.00",
            created_at=now - timedelta(hours=RICH["timeline"] - i),
        )
        for i in range(RICH["timeline"])
    )
    add(
        ErpQuote(
            opportunity_id=opp.id,
            version=v,
            provider="erpnext",
            reference=f"bench-{v}",
            external_id=f"QTN-BENCH-{v}",
            status="open",
            total=Decimal(1000 * v),
            currency="EUR",
            request={},
        )
        for v in range(1, RICH["quotes"] + 1)
    )
    if origin is not None:
        add(
            [
                DealLink(
                    source_id=origin.id,
                    opportunity_id=opp.id,
                    kind="renewal",
                    renewal_of_id=origin.id,
                )
            ]
        )
    db.session.commit()
    return opp.id


def deals_to_open() -> list[tuple[str, int]]:
    """(name, id) of the deals measured: the busy one, a won one with a term, a typical one."""
    busy = fill_busy_deal()
    won = db.session.scalar(
        select(Opportunity.id)
        .where(Opportunity.status == "won", Opportunity.contract_months.is_not(None))
        .order_by(Opportunity.id)
        .limit(1)
    )
    typical = db.session.scalar(
        select(Opportunity.id).where(Opportunity.status == "open").order_by(Opportunity.id.desc())
    )
    return [
        ("busy deal (every panel filled, quotes, lineage)", busy),
        ("won deal with a term (renewals panel)", won),
        ("typical demo deal", typical),
    ]


BARE_PAGE = """<!doctype html><html lang="en"><head><title>{{ title }}</title></head><body>
<main><h1>{{ title }}</h1><table class="table">
{% for row in rows %}<tr data-row="{{ row.id }}">
<td><a href="/rows/{{ row.id }}">{{ row.name }}</a></td>
<td class="text-end">{{ row.amount }}</td><td>{{ row.note }}</td></tr>
{% endfor %}</table></main></body></html>"""


def bare_app(kb: float):
    """A bare Flask + Jinja app whose one page is about ``kb`` kilobytes."""
    app = Flask("bare")
    app.jinja_loader = DictLoader({"page.html": BARE_PAGE})
    row = {"name": "Arya & Verde <training>", "amount": "1,234.50", "note": "budget talk"}
    per_row = 150  # bytes of one rendered row, about
    rows = [{"id": i, **row} for i in range(max(1, int(kb * 1024 / per_row)))]

    @app.get("/")
    def page():
        return render_template("page.html", title="A page", rows=rows)

    return app


class _NoQueries:
    count = 0


def bare(kb: float, runs: int) -> dict:
    client = bare_app(kb).test_client()
    return board.measure(lambda _: client.get("/"), runs, _NoQueries())


def bench(backend: str, size: int, runs: int) -> list[tuple]:
    app = board.prepare(backend, size)
    gc.collect()
    gc.freeze()
    with app.app_context():
        counter = board.QueryCounter(db.engine)
        deals = [
            (name, db.session.get(Opportunity, deal_id).owner.email, deal_id)
            for name, deal_id in deals_to_open()
        ]
        db.session.remove()
    rows = []
    for name, owner, deal_id in deals:
        client = board.login(app, owner)
        sizes: list[int] = []

        def get(_, c=client, url=f"/opportunities/{deal_id}", sizes=sizes):
            response = c.get(url)
            sizes.append(len(response.data))
            return response

        result = board.measure(get, runs, counter)
        rows.append((name, {**result, "kb": sizes[-1] / 1024}))
        baseline = bare(sizes[-1] / 1024, runs)
        rows.append(("  bare Flask + Jinja page of that size", baseline))
    with app.app_context():
        db.engine.dispose()
    return rows


main = table.command(
    bench, __doc__, "page", sizes="1000,10000,100000", backends="sqlite", runs=40, kb=True
)


if __name__ == "__main__":
    main()
