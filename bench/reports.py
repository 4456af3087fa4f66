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

# The yardstick of bench.board (its bare page, as large as a board of 125 cards), requested
# just before each report request: a shared machine's speed drifts by a third within minutes,
# so each report's median is also given as a multiple of this page's, measured in the same
# moments (100 ms at the 7 ms this page took when the reports' goal was set: 14.3 times).
BARE_BYTES = 139_000


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
    bare, every_bare = board.bare_app(BARE_BYTES).test_client(), []
    bare.get("/bare")  # its template compiled
    rows = []
    for name, url in requests:
        bare_times = []
        before = board.bare_request(bare, bare_times)
        result = board.measure(lambda _, u=url: manager.get(u), runs, counter, before)
        ratio = result["median"] / board.summary(bare_times, 0)["median"]
        rows.append((f"{name} ({ratio:.1f} × bare page)", result))
        every_bare += bare_times
    rows.append(("bare Flask+Jinja page (between the reports)", board.summary(every_bare, 0)))
    with app.app_context():
        db.engine.dispose()
    return rows


main = table.command(
    bench, __doc__, "report", sizes="10000,100000", backends="sqlite,postgresql", runs=20
)


if __name__ == "__main__":
    main()
