"""List benchmark: server time of the deals list (first page, last page, a filtered search,
a sort by amount), of its totals (fetched after the page) and SQL statements per request.

    python -m bench.list [--sizes 1000,10000,100000] [--backends sqlite,postgresql] [--runs 40]

Databases are seeded with the demo seed as bench.board does: SQLite files
/tmp/opportuno-bench/list-<size>.db, PostgreSQL in the database ``test_list``
(BENCH_POSTGRES_URL overrides). The manager sees every deal of the demo (owner=all), the
hardest case; the seller's "my open deals" is the list's default. Times are server times
through the Flask test client (routing, queries, rendering), without network.
"""

import gc
import os

from sqlalchemy import select

from bench import board, table
from webapp.extensions import db
from webapp.models import Stage

board.POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_list"
)


def database_url(backend: str, size: int) -> str:
    if backend == "sqlite":
        board.SQLITE_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{board.SQLITE_DIR / f'list-{size}.db'}"
    return board.POSTGRES_URL


board.database_url = database_url  # prepare() seeds our own files


def bench(backend: str, size: int, runs: int) -> list[tuple]:
    app = board.prepare(backend, size)
    gc.collect()
    gc.freeze()
    with app.app_context():
        counter = board.QueryCounter(db.engine)
        stage_id = db.session.scalar(
            select(Stage.id).where(Stage.kind == "open").order_by(Stage.id).limit(1)
        )
        db.session.remove()
    mine = board.login(app, "sales1@example.com")
    everyone = board.login(app, "manager@example.com")
    hx = {"HX-Request": "true"}
    everyone_url = "/opportunities?owner=all"
    requests = [
        ("first page, my open deals (default)", mine, "/opportunities"),
        ("first page, everyone's open deals", everyone, everyone_url),
        ("first page, everyone's, any status", everyone, "/opportunities?owner=all&status=all"),
        ("last page, everyone's open deals", everyone, f"{everyone_url}&last=1"),
        ("next page, everyone's open deals", everyone, None),
        ("search q=rossi + stage", everyone, f"{everyone_url}&q=rossi&stage={stage_id}"),
        ("sort by amount desc", everyone, f"{everyone_url}&sort=-amount"),
        ("sort by amount, last page", everyone, f"{everyone_url}&sort=-amount&last=1"),
        ("fragment (htmx), everyone's open", everyone, everyone_url),
        # A list longer than a page loads its totals afterwards (htmx, on load): measured
        # on their own, they are not part of the pages' times above.
        ("totals (htmx, after the page), my open deals", mine, "/opportunities/totals"),
        (
            "totals (htmx, after the page), everyone's open",
            everyone,
            "/opportunities/totals?owner=all",
        ),
        (
            "totals (htmx, after the page), search q=rossi + stage",
            everyone,
            f"/opportunities/totals?owner=all&q=rossi&stage={stage_id}",
        ),
    ]
    rows = []
    for name, client, url in requests:
        if url is None:  # the page after the first: a cursor taken from the first page
            html = client.get(everyone_url).text
            cursor = html.split('data-deal="')[50].split('"')[0]
            url = f"{everyone_url}&after={cursor}"
        headers = hx if "htmx" in name else {}
        rows.append(
            (
                name,
                board.measure(
                    lambda _, c=client, u=url, h=headers: c.get(u, headers=h), runs, counter
                ),
            )
        )
    with app.app_context():
        db.engine.dispose()
    return rows


main = table.command(
    bench, __doc__, "request", sizes="1000,10000,100000", backends="sqlite,postgresql", runs=40
)


if __name__ == "__main__":
    main()
