"""Visibility benchmark: what a salesperson's pages cost under each business-line rule
("all", "team", "own"): server time, CPU time and SQL statements of the deals list, the
board, the totals and a report, everyone's deals asked for (owner=all).

    python -m bench.visibility [--sizes 10000] [--backends sqlite,postgresql] [--runs 20]

Databases are seeded as bench.board does (BENCH_SQLITE_DIR, BENCH_POSTGRES_URL). Giulia
(sales1) is in a team with Marco and Leila (sales2, sales3), managed by Marta. "all" builds
the same WHERE clause as before the rules existed: its rows are the baseline.
"""

import gc

from sqlalchemy import delete, select, update

from bench import board, table
from webapp.extensions import db
from webapp.models import BusinessLine, Team, User
from webapp.models.user import team_members

MEMBERS = ("sales1@example.com", "sales2@example.com", "sales3@example.com")
REQUESTS = (
    ("deals list", "/opportunities?owner=all", {}),
    ("deals totals (htmx)", "/opportunities/totals?owner=all", {"HX-Request": "true"}),
    ("board", "/board?owner=all", {}),
    ("report: pipeline value", "/reports/pipeline?owner=all", {}),
)


def _set_up(rule: str) -> None:
    db.session.execute(delete(team_members))
    db.session.execute(delete(Team))
    people = {u.email: u for u in db.session.scalars(select(User))}
    db.session.add(
        Team(
            name="Bench team",
            manager=people["manager@example.com"],
            members=[people[e] for e in MEMBERS],
        )
    )
    db.session.execute(update(BusinessLine).values(visibility=rule))
    db.session.commit()


def bench(backend: str, size: int, runs: int) -> list[tuple]:
    app = board.prepare(backend, size)
    gc.collect()
    gc.freeze()
    rows = []
    for rule in ("all", "team", "own"):
        with app.app_context():
            counter = board.QueryCounter(db.engine)
            _set_up(rule)
            db.session.remove()
        seller = board.login(app, MEMBERS[0])
        for name, url, headers in REQUESTS:
            measured = board.measure(
                lambda _, c=seller, u=url, h=headers: c.get(u, headers=h), runs, counter
            )
            rows.append((f"{rule}: {name}", measured))
    with app.app_context():
        db.session.execute(update(BusinessLine).values(visibility="all"))
        db.session.commit()
        db.engine.dispose()
    return rows


main = table.command(
    bench, __doc__, "rule: request", sizes="10000", backends="sqlite,postgresql", runs=20
)


if __name__ == "__main__":
    main()
