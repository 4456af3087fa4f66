"""Imports that stop halfway: a queue that refuses the job, a worker that dies (interrupted,
run again without duplicates, or discarded), an older attempt fenced off; uploaded files
deleted after the run and, never run, after the keeping time."""

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from webapp import jobs
from webapp.extensions import db
from webapp.imports import engine, files, run_views
from webapp.imports.services import import_folder
from webapp.models import ImportReject, ImportRun, Opportunity
from webapp.models._base import utcnow

ROWS = 7  # with BATCH = 2: four batches


def deals_file(bad_line: int | None = None) -> str:
    lines = ["ID;Nome;Fase;Importo"]
    for n in range(1, ROWS + 1):
        stage = "Nowhere" if n == bad_line else "New"
        lines.append(f"X-{n};Deal {n};{stage};{n}00")
    return "\n".join(lines) + "\n"


@pytest.fixture
def upload(app, pipeline):
    """upload(user, mode): a mapped run whose file the upload stored in the import folder."""

    def make(user, mode="good_rows", text=None, **values):
        folder = import_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{secrets.token_hex(8)}.csv"
        path.write_text(text or deals_file(), encoding="utf-8")
        run = ImportRun(
            user_id=user.id,
            entity="opportunity",
            filename="deals.csv",
            stored_path=str(path.relative_to(app.config["UPLOAD_FOLDER"])),
            mode=mode,
            options={
                "delimiter": ";",
                "mapping": {"0": "external_id", "1": "name", "2": "stage", "3": "amount"},
            },
            **{"status": "queued", **values},
        )
        db.session.add(run)
        db.session.commit()
        return run

    return make


def fresh(run_id: int) -> ImportRun:
    db.session.expire_all()
    return db.session.get(ImportRun, run_id)


def deals_of(run_id: int) -> list[str]:
    return sorted(
        db.session.scalars(
            select(Opportunity.external_id).where(Opportunity.import_run_id == run_id)
        )
    )


def crash_after(monkeypatch, batches: int):
    """The worker dies (not an error it catches) after ``batches`` batches."""
    done = []
    publish = jobs.publish

    def dying(key, value):
        publish(key, value)
        if key.startswith("import-progress:"):
            done.append(value)
            if len(done) == batches:
                raise KeyboardInterrupt  # killed: nothing after this runs

    monkeypatch.setattr(engine.jobs, "publish", dying)


def crash(monkeypatch, run_id: int, batches: int) -> None:
    crash_after(monkeypatch, batches)
    with pytest.raises(KeyboardInterrupt):
        engine.execute(run_id)
    db.session.rollback()  # the dead worker's connection: its open transaction is gone
    monkeypatch.undo()


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(engine, "BATCH", 2)


def test_a_queue_that_refuses_fails_the_run_with_why_then_it_runs_again(
    client, auth, manager, upload, monkeypatch
):
    run = upload(manager, status="uploaded")

    def refused(*args):
        raise ConnectionError("queue store unreachable")

    monkeypatch.setattr(run_views.jobs, "enqueue", refused)
    auth.login(manager)
    response = client.post(f"/imports/{run.id}/run", data={"mode": "all_or_nothing"})
    assert response.status_code == 302
    stored = fresh(run.id)
    assert stored.status == "failed" and "could not be handed to the background worker" in (
        stored.error
    )
    page = client.get(f"/imports/{run.id}").text
    assert 'data-status="failed"' in page and "could not be handed" in page
    assert "Run it again" in page and "hx-trigger" not in page
    monkeypatch.undo()
    again = client.post(f"/imports/{run.id}/rerun")
    assert again.status_code == 302
    stored = fresh(run.id)
    assert (stored.status, stored.created_count, stored.error) == ("done", ROWS, None)
    assert len(deals_of(run.id)) == ROWS


def test_a_silent_running_import_shows_as_interrupted(
    client, auth, manager, upload, small_batches, monkeypatch, app
):
    run = upload(manager)
    crash(monkeypatch, run.id, 2)
    assert fresh(run.id).status == "running"
    auth.login(manager)
    monkeypatch.setitem(app.config, "IMPORT_STALE_AFTER", 3600)
    page = client.get(f"/imports/{run.id}").text
    assert 'data-status="running"' in page and "Run it again" not in page
    refused = client.post(f"/imports/{run.id}/rerun")
    assert refused.status_code == 422 and fresh(run.id).status == "running"
    monkeypatch.setitem(app.config, "IMPORT_STALE_AFTER", 0)
    page = client.get(f"/imports/{run.id}").text
    assert 'data-status="interrupted"' in page and "Interrupted" in page
    assert "Run it again" in page and "Discard the import" in page and "hx-trigger" not in page
    assert "Interrupted" in client.get("/imports").text


def test_a_queued_run_no_worker_takes_says_it_waits_for_a_worker(
    client, auth, manager, upload, app
):
    run = upload(manager)  # queued; no worker runs in the tests (the job was never handed over)
    auth.login(manager)
    page = client.get(f"/imports/{run.id}").text
    assert 'data-status="queued"' in page and "data-run-waiting" not in page
    stale = app.config["IMPORT_STALE_AFTER"]
    db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == run.id)
        .values(queued_at=utcnow() - timedelta(seconds=stale + 60))
    )
    db.session.commit()
    page = client.get(f"/imports/{run.id}").text
    assert 'data-status="waiting"' in page and "Waiting for a worker" in page
    assert "no worker has started it" in page and "opportuno worker" in page
    assert "hx-trigger" in page  # it keeps looking: a worker may start it any time
    assert "Run it again" not in page and "Discard the import" not in page
    history = client.get("/imports").text
    assert "Waiting for a worker" in history
    assert fresh(run.id).status == "queued"  # only shown: the worker still takes it
    engine.execute(run.id)
    assert fresh(run.id).status == "done" and len(deals_of(run.id)) == ROWS
    page = client.get(f"/imports/{run.id}").text
    assert 'data-status="done"' in page and "Waiting for a worker" not in page


def test_rerun_of_an_interrupted_good_rows_run_goes_on_without_duplicates(
    client, auth, manager, upload, small_batches, monkeypatch, app
):
    run = upload(manager, text=deals_file(bad_line=2))
    crash(monkeypatch, run.id, 2)
    stored = fresh(run.id)
    assert (stored.processed_rows, stored.created_count, stored.rejected_count) == (4, 3, 1)
    assert deals_of(run.id) == ["X-1", "X-3", "X-4"]
    monkeypatch.setitem(app.config, "IMPORT_STALE_AFTER", 0)
    auth.login(manager)
    assert client.post(f"/imports/{run.id}/rerun").status_code == 302
    stored = fresh(run.id)
    assert (stored.status, stored.processed_rows) == ("done", ROWS)
    assert (stored.created_count, stored.rejected_count) == (ROWS - 1, 1)
    assert deals_of(run.id) == sorted(f"X-{n}" for n in range(1, ROWS + 1) if n != 2)
    assert db.session.scalar(select(func.count()).select_from(ImportReject)) == 1
    assert stored.stored_path is None  # the file went with the finished run


def test_rerun_of_an_interrupted_all_or_nothing_run_starts_over(
    client, auth, manager, upload, small_batches, monkeypatch, app
):
    run = upload(manager, mode="all_or_nothing")
    crash(monkeypatch, run.id, 3)
    assert fresh(run.id).status == "running" and deals_of(run.id) == []
    monkeypatch.setitem(app.config, "IMPORT_STALE_AFTER", 0)
    auth.login(manager)
    assert client.post(f"/imports/{run.id}/rerun").status_code == 302
    stored = fresh(run.id)
    assert (stored.status, stored.created_count, stored.processed_rows) == ("done", ROWS, ROWS)
    assert deals_of(run.id) == sorted(f"X-{n}" for n in range(1, ROWS + 1))
    total = db.session.scalar(select(func.count()).select_from(Opportunity))
    assert total == ROWS


def test_an_older_attempt_writes_nothing_once_the_run_is_claimed_again(
    manager, upload, small_batches, monkeypatch
):
    run = upload(manager)
    publish = jobs.publish

    def claimed_meanwhile(key, value):
        publish(key, value)
        if key == engine.progress_key(run.id) and value == 2:  # a re-run claims it now
            db.session.execute(
                update(ImportRun)
                .where(ImportRun.id == run.id)
                .values(started_at=utcnow() + timedelta(seconds=1))
            )
            db.session.commit()

    monkeypatch.setattr(engine.jobs, "publish", claimed_meanwhile)
    engine.execute(run.id)
    stored = fresh(run.id)
    assert deals_of(run.id) == ["X-1", "X-2"]  # the next batch was rolled back
    assert (stored.status, stored.processed_rows) == ("running", 2)


def test_discard_trashes_what_the_run_wrote_and_deletes_its_file(
    client, auth, manager, upload, small_batches, monkeypatch, app
):
    run = upload(manager)
    path = files.ours(run)
    crash(monkeypatch, run.id, 1)
    monkeypatch.setitem(app.config, "IMPORT_STALE_AFTER", 0)
    auth.login(manager)
    unconfirmed = client.post(f"/imports/{run.id}/discard")
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert fresh(run.id).status == "running" and path.exists()
    assert client.post(f"/imports/{run.id}/discard", data={"confirm": "1"}).status_code == 302
    stored = fresh(run.id)
    assert (stored.status, stored.stored_path, stored.undone_by_id) == (
        "discarded",
        None,
        manager.id,
    )
    assert not path.exists()
    trashed = db.session.scalars(
        select(Opportunity.deleted_at).where(Opportunity.import_run_id == run.id)
    ).all()
    assert len(trashed) == 2 and all(trashed)
    assert "Discarded" in client.get(f"/imports/{run.id}").text
    assert client.post(f"/imports/{run.id}/rerun").status_code == 422


def test_a_finished_run_deletes_its_upload_the_rejects_csv_keeps_the_headers(
    client, auth, manager, upload
):
    run = upload(manager, text=deals_file(bad_line=3))
    path = files.ours(run)
    engine.execute(run.id)
    stored = fresh(run.id)
    assert stored.status == "done" and stored.stored_path is None and not path.exists()
    auth.login(manager)
    csv_text = client.get(f"/imports/{run.id}/rejects.csv").text
    assert csv_text.splitlines()[0] == "\ufeffLine,Column,Reason,ID,Nome,Fase,Importo"


def test_a_dry_run_keeps_its_file_for_the_real_run(manager, upload):
    run = upload(manager, dry_run=True)
    engine.execute(run.id)
    stored = fresh(run.id)
    assert stored.status == "done" and stored.stored_path and files.ours(stored).exists()


def test_uploads_never_run_are_deleted_after_the_keeping_time(
    client, auth, runner, manager, upload, tmp_path
):
    old = upload(manager, status="uploaded", created_at=utcnow() - timedelta(hours=25))
    failed = upload(
        manager, status="failed", created_at=utcnow() - timedelta(hours=30),
        finished_at=utcnow() - timedelta(hours=2),
    )  # fmt: skip
    recent = upload(manager, status="uploaded")
    own = tmp_path / "mine.csv"  # a command line import reads the person's file in place
    own.write_text(deals_file(), encoding="utf-8")
    theirs = upload(manager, status="failed", created_at=utcnow() - timedelta(days=3))
    theirs.stored_path = str(own)
    db.session.commit()
    paths = {r.id: files.ours(r) for r in (old, failed, recent)}
    auth.login(manager)
    client.post("/imports/new?entity=opportunity", data={})  # the next upload purges
    assert fresh(old.id).stored_path is None and not paths[old.id].exists()
    assert fresh(failed.id).stored_path and paths[failed.id].exists()  # failed 2 h ago
    assert fresh(recent.id).stored_path and paths[recent.id].exists()
    assert own.exists() and fresh(theirs.id).stored_path == str(own)
    result = runner.invoke(args=["imports", "purge", "--hours", "0"])
    assert result.exit_code == 0 and "2 uploaded import files deleted." in result.output
    assert fresh(failed.id).stored_path is None and not paths[failed.id].exists()
    assert fresh(recent.id).stored_path is None and own.exists()


def test_cli_queue_that_refuses_fails_the_run(runner, admin, pipeline, tmp_path, monkeypatch):
    from webapp.imports import cli

    def refused(*args):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cli.jobs, "enqueue", refused)
    path = tmp_path / "deals.csv"
    path.write_text(deals_file(), encoding="utf-8")
    result = runner.invoke(args=["import", "opportunities", str(path), "--queue"])
    assert result.exit_code == 1 and "could not be handed to the background worker" in (
        result.output
    )
    run = db.session.scalars(select(ImportRun)).one()
    assert run.status == "failed" and "ConnectionError" in run.error
    assert path.exists()


def test_an_older_attempt_writes_nothing_once_the_run_is_discarded(
    client, auth, manager, upload, small_batches, monkeypatch, app
):
    run = upload(manager)
    publish = jobs.publish
    monkeypatch.setitem(app.config, "IMPORT_STALE_AFTER", 0)
    auth.login(manager)

    def discarded_meanwhile(key, value):
        publish(key, value)
        if key == engine.progress_key(run.id) and value == 2:
            assert (
                client.post(f"/imports/{run.id}/discard", data={"confirm": "1"}).status_code == 302
            )

    monkeypatch.setattr(engine.jobs, "publish", discarded_meanwhile)
    engine.execute(run.id)
    stored = fresh(run.id)
    assert stored.status == "discarded" and deals_of(run.id) == ["X-1", "X-2"]
    trashed = db.session.scalars(
        select(Opportunity.deleted_at).where(Opportunity.import_run_id == run.id)
    ).all()
    assert all(trashed)
