"""Reports benchmark: server time and SQL statements of every report (and the dashboard)
for a manager reading everyone's figures, the hardest case.

    python -m bench.reports [--sizes 10000,100000] [--backends sqlite,postgresql] [--runs 20]

Databases are bench.board's (seeded with the demo seed when needed): SQLite files
/tmp/opportuno-bench/board-<size>.db, PostgreSQL in ``test_board`` (BENCH_POSTGRES_URL
overrides). Times are server times through the Flask test client (routing, queries,
rendering), without network. Every report in the registry is measured, plugins' included.
"""

import gc

from bench import board, table
from webapp.extensions import db
from webapp.reports.registry import reports


def bench(backend: str, size: int, runs: int) -> list[tuple]:
    app = board.prepare(backend, size)
    gc.collect()
    gc.freeze()
    with app.app_context():
        counter = board.QueryCounter(db.engine)
        specs = [(spec.key, spec.title) for spec in reports()]
        db.session.remove()
    manager = board.login(app, "manager@example.com")
    requests = [("dashboard", "/reports/")] + [
        (title, f"/reports/{key}?owner=all") for key, title in specs
    ]
    rows = [
        (name, board.measure(lambda _, u=url: manager.get(u), runs, counter))
        for name, url in requests
    ]
    with app.app_context():
        db.engine.dispose()
    return rows


main = table.command(
    bench, __doc__, "report", sizes="10000,100000", backends="sqlite,postgresql", runs=20
)


if __name__ == "__main__":
    main()
