"""Import benchmark: a 100k-row CSV of deals (Italian style: ``;``, decimal comma, dd/mm/yyyy)
imported through the import engine, on SQLite and PostgreSQL.

    python -m bench.import [--rows 100000] [--backends sqlite,postgresql] [--mode all|good]

Each backend starts from an empty migrated database with one business line, its pipeline and
six sellers; the file names 5,000 accounts and 10,000 contacts (created by the import), owners
by email, stages by name and a few tags. The import runs in this process, as ``opportuno import``
runs it in the foreground (all-or-nothing: one transaction). It is then imported a second time
(the same external ids: nothing changes). Printed: rows per second, total time, and the
process's peak RSS (``resource.getrusage``; the SQLite database work included, not
PostgreSQL's), this process's CPU time and, for a PostgreSQL server on this machine, the CPU
time of the database's server processes (read from /proc): on a shared machine the wall-clock
rate understates what the code does alone (for SQLite the CPU time includes the database
work). The load average is printed with each run for that reason.
SQLite files live under /tmp/opportuno-bench/; PostgreSQL uses
BENCH_POSTGRES_URL (default: the database ``test_importrun``, its public schema re-created).
"""

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from webapp import create_app
from webapp.auth.services import create_user
from webapp.extensions import db
from webapp.imports import engine
from webapp.imports.mapping import guess_mapping
from webapp.imports.reading import open_table
from webapp.models import Account, BusinessLine, Contact, ImportRun, Opportunity, User
from webapp.pipelines.services import create_pipeline
from webapp.schema import upgrade_database

from .board import ensure_postgres_database

WORKDIR = Path(os.environ.get("BENCH_WORKDIR", "/tmp/opportuno-bench"))
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_importrun"
)
STAGES = ("New", "Qualification", "Demo scheduled", "Awaiting commitment", "Negotiation")
WORDS = ("Rinnovo", "Licenze", "Supporto", "Nuovo sito", "Migrazione", "Formazione", "Cloud")
COMPANIES = ("Fiume", "Delta", "Aurora", "Vento", "Sole", "Monte", "Lago", "Borgo", "Colle")
FORMS = ("S.r.l.", "S.p.A.", "srl", "SpA", "& C. S.n.c.")
FIRST = ("Anna", "Luca", "Giulia", "Marco", "Sara", "Paolo", "Elena", "Nima", "Chiara")
LAST = ("Bianchi", "Rossi", "Verdi", "Neri", "Greco", "Romano", "Colombo", "Ricci", "Marino")


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    accounts = [
        f"{rng.choice(COMPANIES)} {rng.choice(COMPANIES)}{i} {rng.choice(FORMS)}"
        for i in range(5000)
    ]
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}{i}" for i in range(10000)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("ID;Nome;Azienda;Contatto;Importo;Fase;Proprietario;Data chiusura;Etichette\n")
        for i in range(rows):
            account = rng.randrange(len(accounts))
            amount = rng.randint(5, 900) * 100 + rng.choice((0, 50))
            whole, cents = divmod(amount, 100)
            money = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
            tags = rng.choice(("", "", "vip", "rinnovo", "vip, rinnovo"))
            out.write(
                f"IMP-{i};{rng.choice(WORDS)} {rng.choice(WORDS)} {2026 + i % 2};"
                f"{accounts[account]};{people[account * 2 + rng.randrange(2)]};{money};"
                f"{rng.choice(STAGES)};sales{rng.randint(1, 6)}@example.com;"
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.choice((2026, 2027))};"
                f"{tags}\n"
            )


def prepare(backend: str):
    if backend == "sqlite":
        url_path = WORKDIR / "import.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url_path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{url_path}"
    else:
        url = POSTGRES_URL
        ensure_postgres_database(url)
        with create_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TASK_QUEUE_URL": "immediate"}
    )
    with app.app_context():
        upgrade_database()
        line = BusinessLine(name="Software", slug="software")
        db.session.add(line)
        db.session.flush()
        create_pipeline(line, "Vendite", is_default=True)
        create_user("admin@example.com", "bench-password", name="Ada", role="admin",
                    business_lines=[line])  # fmt: skip
        for i in range(1, 7):
            create_user(f"sales{i}@example.com", "bench-password", name=f"Seller {i}",
                        business_lines=[line])  # fmt: skip
        db.session.commit()
    return app


def run_backend(backend: str, path: Path, rows: int, mode: str) -> None:
    app = prepare(backend)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        table = open_table(path, filename=path.name)
        mapping = guess_mapping("opportunity", table.headers)
        for _ in table.rows:
            pass
        for attempt in ("first import", "same file again"):
            run = ImportRun(
                user_id=admin.id,
                entity="opportunity",
                filename=path.name,
                stored_path=str(path),
                status="queued",
                mode=mode,
                options={"mapping": {str(i): k for i, k in mapping.items()}},
            )
            db.session.add(run)
            db.session.commit()
            server = server_cpu(backend)
            started, cpu = time.perf_counter(), time.process_time()
            run = engine.execute(run.id)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            server = server_cpu(backend, server)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{backend:<10} {attempt:<16} {run.processed_rows:>7} rows {seconds:7.2f} s "
                f"{run.processed_rows / seconds:>9,.0f} rows/s (CPU {cpu:6.2f} s: "
                f"{run.processed_rows / cpu:,.0f} rows per CPU s{server})  "
                f"created {run.created_count:>6} updated {run.updated_count:>6} "
                f"rejected {run.rejected_count:>4}  peak RSS {peak:,.0f} MB  "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            if run.status != "done":
                print(f"  failed: {run.error}", file=sys.stderr)
        counts = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Opportunity, Account, Contact)
        }
        print(f"{backend:<10} stored: {counts}")
        db.session.remove()
        db.engine.dispose()


def server_cpu(backend: str, before=None):
    """PostgreSQL: the CPU seconds of this database's server processes so far ({pid: s});
    with ``before``, the text saying how many they used since (empty when not readable)."""
    if backend != "postgresql":
        return {} if before is None else ""
    pids = db.session.scalars(
        text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    ).all()
    db.session.commit()
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if before is None:
        return used
    seconds = sum(used[p] - before.get(p, 0) for p in used)
    return f", server CPU {seconds:.2f} s" if used else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--mode", choices=("all", "good"), default="all")
    args = parser.parse_args()
    WORKDIR.mkdir(exist_ok=True)
    path = WORKDIR / f"deals-{args.rows}.csv"
    if not path.exists():
        make_csv(path, args.rows)
    mode = {"all": "all_or_nothing", "good": "good_rows"}[args.mode]
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB), mode {mode}")
    for backend in args.backends.split(","):
        run_backend(backend, path, args.rows, mode)


if __name__ == "__main__":
    main()
