"""Activities benchmark: /activities (mine, everyone's), the week calendar and the iCalendar
feed: median and p95 milliseconds and SQL statements per request, on SQLite.

    python -m bench.activities [--sizes 10000,100000] [--runs 30]

Works on copies of the board benchmark's demo databases (``bench.board`` builds them in
/tmp/opportuno-bench); the copies, migrated to this branch, live in
/tmp/opportuno-bench-activities so the shared ones stay as they are.
"""

import argparse
import shutil
from pathlib import Path

from sqlalchemy import select

from bench.board import QueryCounter, login, measure
from webapp import create_app
from webapp.extensions import db
from webapp.models import User
from webapp.profile import feed
from webapp.schema import upgrade_database

SOURCE = Path("/tmp/opportuno-bench")
COPIES = Path("/tmp/opportuno-bench-activities")


def prepare(size: int):
    source = SOURCE / f"board-{size}.db"
    if not source.exists():
        raise SystemExit(f"{source} is missing: run python -m bench.board --sizes {size} first")
    COPIES.mkdir(exist_ok=True)
    copy = COPIES / f"activities-{size}.db"
    if not copy.exists():
        shutil.copyfile(source, copy)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}",
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        upgrade_database()
    return app


def bench(size: int, runs: int) -> list[tuple]:
    app = prepare(size)
    rows = []
    with app.app_context():
        counter = QueryCounter(db.engine)
        sales = login(app, "sales1@example.com")
        admin = login(app, "admin@example.com")
        seller = db.session.scalar(select(User).where(User.email == "sales1@example.com"))
        link = feed.regenerate(seller)
        url = f"/calendar/{seller.id}/{feed.token_of(link)}.ics"
        pages = (
            ("/activities (mine)", sales, "/activities"),
            ("/activities?owner=all (admin)", admin, "/activities?owner=all"),
            ("/activities?show=done", sales, "/activities?show=done"),
            ("/activities/calendar", sales, "/activities/calendar"),
            ("feed .ics", app.test_client(), url),
        )
        for label, client, path in pages:
            result = measure(lambda _, c=client, p=path: c.get(p), runs, counter)
            size_kb = len(client.get(path).data) / 1024
            rows.append((size, label, result, size_kb))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"{'deals':>7}  {'page':<32} {'median':>8} {'p95':>8} {'queries':>7} {'KB':>6}")
    for size in (int(s) for s in args.sizes.split(",")):
        for size_, label, r, kb in bench(size, args.runs):
            print(
                f"{size_:>7}  {label:<32} {r['median']:>6.1f}ms {r['p95']:>6.1f}ms "
                f"{r['queries']:>7} {kb:>6.0f}"
            )


if __name__ == "__main__":
    main()
