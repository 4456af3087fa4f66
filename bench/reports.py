"""Reports benchmark: server time and SQL statements of every report (and the dashboard)
for a manager reading everyone's figures, the hardest case.

    python -m bench.reports [--sizes 10000,100000] [--backends sqlite,postgresql] [--runs 20]

Databases are bench.board's (seeded with the demo seed when needed): SQLite files
/tmp/opportuno-bench/board-<size>.db, PostgreSQL in ``test_board`` (BENCH_POSTGRES_URL
overrides). Times are server times through the Flask test client (routing, queries,
rendering), without network. Every report in the registry is measured, plugins' included.
"""

import argparse
import gc
import os

from bench import board
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| backend | deals | report | median ms | p95 ms | CPU ms (median) | queries |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            for name, result in bench(backend, size, args.runs):
                print(
                    f"| {backend} | {size:,} | {name} | {result['median']:.1f} "
                    f"| {result['p95']:.1f} | {result['cpu']:.1f} | {result['queries']} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
