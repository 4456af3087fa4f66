"""Board benchmark: server time of the board render and of a stage move, SQL and KB per request.

    python -m bench.board [--sizes 1000,10000,100000] [--backends sqlite,postgresql] [--runs 40]

Databases are seeded with the demo seed (webapp.demo.seed.seed_demo): SQLite files under
/tmp/opportuno-bench/ (BENCH_SQLITE_DIR overrides: a branch with a new migration benches on
copies), PostgreSQL in the database ``test_board`` (BENCH_POSTGRES_URL overrides;
its public schema is dropped and re-created whenever the size differs). A seeded database is
reused when it already holds that many deals. Requests go through the Flask test client in this
process, so the times are server times (routing, queries, rendering) without network. The
CPU column is this process's CPU time per request (for SQLite the database work included; not
PostgreSQL's): on a busy machine it shows the cost that the wall-clock times blur.

The row "bare Flask+Jinja page" after each size's boards is the floor to judge the board's
figures by on any machine: a Flask app with no database, login or extension renders, through
Jinja with autoescape, the same cards' markup from plain dicts, padded to the same size as the
board of everyone's deals. It is requested just before each board request, so both are
measured in the same moments: a shared machine's speed drifts by a third within minutes.
"""

import gc
import os
import statistics
import sys
import time
from pathlib import Path

from flask import Flask, render_template
from sqlalchemy import create_engine, event, func, make_url, select, text

from bench import table
from webapp import create_app
from webapp.demo.seed import DEMO_PASSWORD, seed_demo
from webapp.extensions import db
from webapp.models import Opportunity, Pipeline
from webapp.schema import upgrade_database

SQLITE_DIR = Path(os.environ.get("BENCH_SQLITE_DIR", "/tmp/opportuno-bench"))
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_board"
)


def database_url(backend: str, size: int) -> str:
    if backend == "sqlite":
        SQLITE_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{SQLITE_DIR / f'board-{size}.db'}"
    return POSTGRES_URL


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when the server does not have it yet."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def prepare(backend: str, size: int):
    """An app on a database holding ``size`` demo deals (seeded only when needed)."""
    url = database_url(backend, size)
    if backend == "postgresql":
        ensure_postgres_database(url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench"}
    )
    with app.app_context():
        try:
            have = db.session.scalar(select(func.count()).select_from(Opportunity))
        except Exception:  # no schema yet
            db.session.rollback()
            have = None
        if have == size:
            db.session.remove()  # its open read would block the migrations' DDL on PostgreSQL
            upgrade_database()  # a database seeded before the latest migrations
        else:
            db.session.remove()
            if backend == "postgresql":
                engine = create_engine(url)
                with engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
                engine.dispose()
            else:
                db.engine.dispose()
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            upgrade_database()
            started = time.perf_counter()
            seed_demo(size)
            if backend == "postgresql":  # what autovacuum does soon after a bulk load
                db.session.commit()
                with db.engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                        text("VACUUM ANALYZE")
                    )
            print(f"  seeded {size} deals in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return app


def bare_app(size: int, cards: int = 125, columns: int = 5) -> Flask:
    """A bare Flask app whose ``/bare`` renders ``cards`` cards, padded to ``size`` bytes."""
    app = Flask("bare", template_folder=str(Path(__file__).parent))
    data = [
        {
            "id": c + 1,
            "name": f"Column {c + 1}",
            "cards": [
                {
                    "id": n,
                    "version": 1 + n % 3,
                    "position": n,
                    "url": f"/opportunities/{n}",
                    "move_url": f"/opportunities/{n}/stage",
                    "name": f"Blue rollout {2026 + n % 3} <{n}>",
                    "account": f"Zenit Design {n % 97} & Co",
                    "owner": "Giulia Rossi",
                    "initials": "GR",
                    "amount": f"€{n * 125:,}",
                    "close": "21 Jan 2027",
                    "flag": "No next activity" if n % 3 else "",
                }
                for n in range(c * 1000, c * 1000 + cards // columns)
            ],
        }
        for c in range(columns)
    ]
    with app.app_context():
        unpadded = len(render_template("bare_board.html", columns=data, padding="").encode())
    padding = "x" * max(0, size - unpadded)

    @app.get("/bare")
    def bare():
        return render_template("bare_board.html", columns=data, padding=padding)

    return app


def bare_request(bare, times: list):
    """A ``measure`` setup: one request of the bare page, timed into ``times``."""

    def run():
        started = time.perf_counter()
        assert bare.get("/bare").status_code == 200
        times.append((time.perf_counter() - started) * 1000)

    return run


def summary(times: list, kb: float) -> dict:
    """``measure``'s figures of the bare page's ``times`` (no database: no query)."""
    times = sorted(times)
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(len(times) * 0.95) - 1)]
    return {"median": median, "p95": p95, "cpu": median, "queries": 0, "kb": kb}


def login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"login of {email} failed"
    return client


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        if engine is not None:
            event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def measure(call, runs: int, counter: QueryCounter, setup=lambda: None) -> dict:
    """Median/p95 milliseconds of ``call(setup())`` (setup untimed) and its SQL statements."""
    call(setup())  # warm-up: templates compiled, caches filled
    times, cpu, size = [], [], 0
    for _ in range(runs):
        arg = setup()
        counter.count = 0
        started, started_cpu = time.perf_counter(), time.process_time()
        response = call(arg)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, response.status_code
        size = len(response.data)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(len(times) * 0.95) - 1)],
        "cpu": statistics.median(cpu),
        "queries": counter.count,
        "kb": size / 1024,
    }


def bench(backend: str, size: int, runs: int) -> list[tuple]:
    app = prepare(backend, size)
    gc.collect()
    gc.freeze()  # as wsgi.py does for the served app
    with app.app_context():
        counter = QueryCounter(db.engine)
        pipeline = db.session.scalars(
            select(Pipeline).where(Pipeline.is_default).order_by(Pipeline.id)
        ).first()
        stages = [s.id for s in pipeline.open_stages]
        deal_id = db.session.scalar(
            select(Opportunity.id)
            .where(Opportunity.pipeline_id == pipeline.id, Opportunity.status == "open")
            .order_by(Opportunity.id)
            .limit(1)
        )
        db.session.remove()
    # Requests run outside this app context: each gets its own (session, g, current_user).
    mine = login(app, "sales1@example.com")
    everyone = login(app, "manager@example.com")

    def current_version():
        with app.app_context():
            version = db.session.scalar(
                select(Opportunity.version).where(Opportunity.id == deal_id)
            )
            db.session.remove()
        return version

    moves = iter(range(10**6))

    def move(version):
        return everyone.post(
            f"/opportunities/{deal_id}/stage",
            data={"stage_id": stages[1 - next(moves) % 2], "version": version},
            headers={"HX-Request": "true"},
        )

    kb = len(everyone.get("/board?owner=all").data) / 1024
    bare, bare_times = bare_app(round(kb * 1024)).test_client(), []
    bare.get("/bare")  # its template compiled
    boards = [
        ("board, my deals", mine, "/board"),
        ("board, everyone", everyone, "/board?owner=all"),
    ]
    before = bare_request(bare, bare_times)
    rows = [
        (name, measure(lambda _, c=client, u=url: c.get(u), runs, counter, before))
        for name, client, url in boards
    ]
    rows.append(("bare Flask+Jinja page (between the boards)", summary(bare_times, kb)))
    rows.append(("stage move", measure(move, runs, counter, current_version)))
    with app.app_context():
        db.engine.dispose()
    return rows


main = table.command(
    bench,
    __doc__,
    "request",
    sizes="1000,10000,100000",
    backends="sqlite,postgresql",
    runs=40,
    kb=True,
)


if __name__ == "__main__":
    main()
