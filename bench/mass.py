"""Mass actions benchmark: each action on every open deal of a demo database, timed.

    python -m bench.mass [--sizes 1000,10000] [--backends sqlite,postgresql]

Seeds a fresh demo database per size (webapp.demo.seed): SQLite under /tmp/opportuno-bench-mass/,
PostgreSQL in BENCH_POSTGRES_URL (default: the database ``test_trash``, whose public schema is
dropped and re-created). An admin runs each action on "all matching" (everyone's open deals,
as the list's filter) through the service: one transaction each, the time includes the commit.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, text
from werkzeug.datastructures import MultiDict

from webapp import create_app
from webapp.demo.seed import seed_demo
from webapp.extensions import db
from webapp.models import Opportunity, Tag, User
from webapp.opportunities import mass
from webapp.schema import upgrade_database

SQLITE_DIR = Path("/tmp/opportuno-bench-mass")
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_trash"
)


def fresh_app(backend: str, size: int):
    if backend == "sqlite":
        SQLITE_DIR.mkdir(exist_ok=True)
        path = SQLITE_DIR / f"mass-{size}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = POSTGRES_URL
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade_database()
        seed_demo(size)
        db.session.commit()
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    options = parser.parse_args()
    print("backend     deals  action        deals changed  seconds  statements")
    for backend in options.backends.split(","):
        for size in (int(s) for s in options.sizes.split(",")):
            app = fresh_app(backend, size)
            with app.test_request_context():
                admin = db.session.scalar(select(User).where(User.role == "admin").limit(1))
                stage = db.session.scalars(
                    select(Opportunity.stage_id)
                    .where(Opportunity.status == "open")
                    .group_by(Opportunity.stage_id)
                    .order_by(func.count().desc())
                ).first()
                other_stage = db.session.scalar(
                    select(Opportunity.stage_id).where(
                        Opportunity.status == "open", Opportunity.stage_id != stage
                    )
                )
                tag = db.session.scalar(select(Tag.id).limit(1))
                target = mass.Target(
                    matching=True, filters=MultiDict({"owner": "all", "status": "open"})
                )
                runs = (
                    ("stage", mass.change_stage, (other_stage,), {}),
                    ("close_date", mass.set_close_date, ("2031-12-31",), {}),
                    ("add_tags", mass.change_tags, ([tag],), {"add": True}),
                    ("note", mass.add_note, ("Quarterly review",), {}),
                    ("trash", mass.trash, (), {}),
                )
                for name, action, args, kwargs in runs:
                    statements = []

                    def count(*args, _s=statements):
                        _s.append(1)

                    event.listen(db.engine, "before_cursor_execute", count)
                    started = time.perf_counter()
                    report = action(admin, target, *args, **kwargs)
                    elapsed = time.perf_counter() - started
                    event.remove(db.engine, "before_cursor_execute", count)
                    print(
                        f"{backend:<10} {size:>6}  {name:<12} {report.changed:>14}  "
                        f"{elapsed:>7.2f}  {len(statements):>10}",
                        flush=True,
                    )
                    db.session.expire_all()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
