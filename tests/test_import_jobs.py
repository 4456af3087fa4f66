"""Imports through the command line and through a real Huey consumer (``opportuno worker``
in a subprocess) on SQLite storage and on Redis; progress visible to another connection."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from webapp import jobs
from webapp.extensions import db
from webapp.imports import engine
from webapp.imports.jobs import run_import
from webapp.imports.runs import queue_run
from webapp.models import ImportRun, Opportunity

ROOT = Path(__file__).resolve().parent.parent
DEALS = "Nome;Fase;Importo;Proprietario\nUno;New;1.000,50;\nDue;Negotiation;20;\n"
BAD = DEALS + "Tre;Nowhere;5;\nQuattro;New;5;ghost@example.com\n"


def deal_names() -> list[str]:
    return sorted(db.session.scalars(select(Opportunity.name)))


def test_cli_imports_and_exits_zero(runner, pipeline, admin, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text(DEALS, encoding="utf-8")
    result = runner.invoke(args=["import", "opportunities", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 created, 0 updated, 0 rejected." in result.output
    assert deal_names() == ["Due", "Uno"]
    run = db.session.scalars(select(ImportRun)).one()
    assert (run.user_id, run.status, run.filename) == (admin.id, "done", "deals.csv")


def test_cli_lists_every_rejected_row_and_exits_one(runner, pipeline, admin, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(args=["import", "opportunities", str(path)])
    assert result.exit_code == 1
    assert "line 4, Fase: Unknown stage “Nowhere” in the pipeline “Sales”." in result.output
    assert "line 5, Proprietario: Unknown user “ghost@example.com”." in result.output
    assert "Nothing was written" in result.output and deal_names() == []

    good = runner.invoke(args=["import", "opportunities", str(path), "--mode", "good"])
    assert good.exit_code == 1 and "2 created" in good.output
    assert deal_names() == ["Due", "Uno"]


def test_cli_dry_run_mapping_and_user(runner, pipeline, admin, manager, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text('Codice,Deal title here,Soldi\nK1,Alpha,"1.000,00"\n', encoding="utf-8")
    unmapped = runner.invoke(args=["import", "opportunities", str(path)])
    assert unmapped.exit_code != 0 and "--mapping" in unmapped.output
    mapping = '{"Codice": "external_id", "Deal title here": "name", "Soldi": "amount"}'
    args = ["import", "opportunities", str(path), "--mapping", mapping, "--as", manager.email]
    dry = runner.invoke(args=[*args, "--dry-run"])
    assert dry.exit_code == 0 and "1 would be created" in dry.output and deal_names() == []
    real = runner.invoke(args=args)
    assert real.exit_code == 0, real.output
    deal = db.session.scalars(select(Opportunity)).one()
    assert (deal.external_id, deal.name, deal.owner_id, str(deal.amount)) == (
        "K1",
        "Alpha",
        manager.id,
        "1000.00",
    )
    wrong = runner.invoke(
        args=["import", "opportunities", str(path), "--mapping", '{"Nope": "name"}']
    )
    assert wrong.exit_code == 2 and "no column “Nope”" in wrong.output
    bad_key = runner.invoke(
        args=["import", "opportunities", str(path), "--mapping", '{"Codice": "salary"}']
    )
    assert bad_key.exit_code == 2 and "“salary” is not a field" in bad_key.output


def test_cli_accounts_contacts_leads(runner, pipeline, admin, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Nome;Cognome;Azienda;E-mail\nAnna;Bianchi;Delta Spa;a@d.example\n")
    for entity in ("accounts", "contacts", "leads"):
        if entity == "accounts":
            path.write_text("Ragione sociale;Città\nDelta Spa;Roma\n")
        result = runner.invoke(args=["import", entity, str(path)])
        assert result.exit_code == 0, (entity, result.output)
        assert "1 created" in result.output or "0 created, 1 updated" in result.output
        path.write_text("Nome;Cognome;Azienda;E-mail\nAnna;Bianchi;Delta Spa;a@d.example\n")


def test_progress_is_visible_to_another_connection_while_the_run_writes(
    app, make_app, pipeline, admin, tmp_path, monkeypatch
):
    """All or nothing keeps one transaction open; another app (session, connection) reads
    the rows done so far through the job store."""
    queue = f"sqlite:///{tmp_path / 'tasks.db'}"
    app.config["TASK_QUEUE_URL"] = queue
    jobs.init_jobs(app)
    other = make_app(TASK_QUEUE_URL=queue)
    monkeypatch.setattr(engine, "BATCH", 10)
    path = tmp_path / "many.csv"
    path.write_text("Name;Stage\n" + "".join(f"Deal {i};New\n" for i in range(35)))
    run = ImportRun(
        user_id=admin.id,
        entity="opportunity",
        filename="many.csv",
        stored_path=str(path),
        status="queued",
        options={"mapping": {"0": "name"}},
    )
    db.session.add(run)
    db.session.commit()
    seen = []

    def look(processed, total):
        with other.app_context():
            other_run = db.session.get(ImportRun, run.id)
            written = db.session.scalar(select(func.count()).select_from(Opportunity))
            seen.append((processed, engine.progress(other_run), written, total))

    engine.execute(run.id, on_progress=look)
    assert seen == [(10, 10, 0, 35), (20, 20, 0, 35), (30, 30, 0, 35), (35, 35, 0, 35)]
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == 35


def _worker(database_url: str, queue_url: str, name: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "TASK_QUEUE_URL": queue_url,
        "TASK_QUEUE_NAME": name,
        "SECRET_KEY": "worker-test",
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from webapp.cli import main; main()", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_an_import_goes_through_a_real_consumer(
    storage, make_app, test_config, pipeline, admin, tmp_path
):
    if storage == "sqlite":
        queue_url = f"sqlite:///{tmp_path / 'tasks.db'}"
    else:
        queue_url = "redis://127.0.0.1:6379/11"
        redis.Redis.from_url(queue_url).ping()
    name = f"importrun-test-{os.getpid()}"
    web = make_app(TASK_QUEUE_URL=queue_url, TASK_QUEUE_NAME=name)
    path = tmp_path / "deals.csv"
    path.write_text(DEALS, encoding="utf-8")
    with web.app_context():
        jobs.queue().flush()
        run = ImportRun(
            user_id=admin.id,
            entity="opportunity",
            filename="deals.csv",
            stored_path=str(path),
            status="uploaded",
            options={"mapping": {"0": "name", "1": "stage", "2": "amount"}},
        )
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        queue_run(admin, run_id, "all_or_nothing", False)
        jobs.enqueue(run_import, run_id)
        assert len(jobs.queue()) == 1  # waiting for the worker
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = _worker(test_config["SQLALCHEMY_DATABASE_URI"], queue_url, name, log)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status not in ("done", "failed"):
            time.sleep(0.2)
            with web.app_context():
                status = db.session.get(ImportRun, run_id).status
                db.session.remove()
        assert status == "done", log_path.read_text()
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    with web.app_context():
        run = db.session.get(ImportRun, run_id)
        assert (run.created_count, run.rejected_count) == (2, 0)
        assert deal_names() == ["Due", "Uno"]
        jobs.queue().flush()
