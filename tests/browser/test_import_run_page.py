"""The run page in Chromium: the progress bar polls while the run goes, stops when done; the
finished run shows counts, rejected rows, the CSV download and the undo."""

import os

from sqlalchemy import update

from webapp.extensions import db
from webapp.imports import engine
from webapp.models import ImportRun

SHOTS = os.environ.get("SCREENSHOTS_DIR")


def _run(user, path, text, **values) -> ImportRun:
    path.write_text(text, encoding="utf-8")
    run = ImportRun(user_id=user.id, entity="opportunity", filename=path.name,
                    stored_path=str(path), options={"mapping": {"0": "external_id", "1": "name",
                                                                "2": "stage", "3": "amount"}},
                    **values)  # fmt: skip
    db.session.add(run)
    db.session.commit()
    return run


def test_progress_then_finished(page, login, manager, pipeline, tmp_path):
    running = _run(manager, tmp_path / "big.csv", "ID;Nome;Fase;Importo\n", status="running",
                   total_rows=200, processed_rows=80)  # fmt: skip
    login(page, manager)
    page.goto(f"/imports/{running.id}")
    status = page.locator("#run-status")
    assert status.get_attribute("data-status") == "running"
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "40"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/import-run-progress.png", full_page=True)
    db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == running.id)
        .values(status="done", processed_rows=200, created_count=200)
    )
    db.session.commit()
    page.wait_for_selector('#run-status[data-status="done"]', timeout=10_000)
    assert page.locator('[data-count="created"]').inner_text() == "200"
    assert page.locator("#run-status").get_attribute("hx-get") is None  # polling stopped

    text = (
        "ID;Nome;Fase;Importo\n"
        "A-1;Rinnovo licenze;New;1.200,00\n"
        "A-2;Nuovo sito;Imaginary;300\n"
        "A-3;Supporto;Negotiation;dieci\n"
        "A-4;Formazione;Qualification;450\n"
    )
    done = _run(manager, tmp_path / "deals.csv", text, status="queued", mode="good_rows")
    engine.execute(done.id)
    page.goto(f"/imports/{done.id}")
    assert page.locator('[data-count="created"]').inner_text() == "2"
    assert page.locator('[data-count="rejected"]').inner_text() == "2"
    rows = page.locator("[data-rejects] tbody tr")
    assert rows.count() == 2
    assert "Unknown stage “Imaginary”" in rows.nth(0).inner_text()
    assert page.get_by_role("link", name="Download the rejected rows (CSV)").is_visible()
    assert page.get_by_role("button", name="Undo the import").is_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/import-run-finished.png", full_page=True)
    page.goto("/imports")
    assert page.locator("[data-run]").count() == 2
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/import-history.png", full_page=True)
