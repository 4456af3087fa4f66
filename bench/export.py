"""Export benchmark: time, peak memory and SQL statements of exporting every deal.

    python -m bench.export [--sizes 10000,100000] [--formats csv,xlsx]

SQLite databases seeded with the demo seed live in /tmp/opportuno-bench/export-<size>.db
(reused when they hold that many deals). Each export runs in a fresh process through the
Flask test client as the demo admin (GET /opportunities/export?scope=all&columns=all),
reading the response to the end, so the peak RSS is that export's own. The CPU column is the
process's CPU time (SQLite's work included): on a busy machine it is the steadier figure.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import event, func, select

from webapp import create_app
from webapp.demo.seed import DEMO_PASSWORD, seed_demo
from webapp.extensions import db
from webapp.models import Opportunity
from webapp.schema import upgrade_database

SQLITE_DIR = Path("/tmp/opportuno-bench")


def app_for(size: int):
    SQLITE_DIR.mkdir(exist_ok=True)
    url = f"sqlite:///{SQLITE_DIR / f'export-{size}.db'}"
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    )


def prepare(size: int) -> None:
    app = app_for(size)
    with app.app_context():
        upgrade_database()
        if db.session.scalar(select(func.count()).select_from(Opportunity)) != size:
            db.session.remove()
            db.engine.dispose()
            Path(db.engine.url.database).unlink(missing_ok=True)
            upgrade_database()
            started = time.perf_counter()
            seed_demo(size)
            print(f"  seeded {size} deals in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        db.session.remove()
        db.engine.dispose()


def memory_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in MB (ru_maxrss would carry the
    parent's peak over the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def one(size: int, fmt: str) -> None:
    """Run one export in this process and print its figures."""
    app = app_for(size)
    with app.app_context():
        client = app.test_client()
        login = client.post(
            "/login", data={"email": "admin@example.com", "password": DEMO_PASSWORD}
        )
        assert login.status_code == 302
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        before = memory_mb("VmRSS")
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(
            f"/opportunities/export?scope=all&columns=all&format={fmt}", buffered=False
        )
        size_bytes = sum(len(chunk) for chunk in response.response)
        response.close()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        print(
            f"{size:>7} deals  {fmt:<4}  {seconds:6.2f} s ({cpu:5.2f} s CPU)  "
            f"{size / seconds:6.0f} rows/s  "
            f"{size_bytes / 1e6:6.1f} MB file  peak RSS {memory_mb('VmHWM'):4.0f} MB "
            f"(+{memory_mb('VmHWM') - before:.0f} MB over the app)  {len(statements)} SQL"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "FORMAT"))
    args = parser.parse_args()
    if args.one:
        one(int(args.one[0]), args.one[1])
        return
    for size in (int(s) for s in args.sizes.split(",")):
        prepare(size)
        for fmt in args.formats.split(","):
            subprocess.run(
                [sys.executable, "-m", "bench.export", "--one", str(size), fmt], check=True
            )


if __name__ == "__main__":
    main()
