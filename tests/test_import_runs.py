"""The pages of import runs: start from the mapping form, the run page and its polling, the
history, the undo, the rejected rows CSV; only the owner of a run or an admin sees it."""

import csv
import io

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ImportRun, Opportunity

FILE = (
    "ID;Nome;Fase;Importo\n"
    "A-1;Primo;New;100\n"
    'A-2;=HYPERLINK("http://evil.example");Imaginary;200\n'
    "A-3;Terzo;New;-5\n"
)


@pytest.fixture
def uploaded(app, tmp_path, pipeline):
    """uploaded(user): a run as the upload and mapping pages leave it."""

    def make(user, text=FILE):
        path = tmp_path / f"upload-{user.id}.csv"
        path.write_text(text, encoding="utf-8")
        run = ImportRun(
            user_id=user.id,
            entity="opportunity",
            filename="deals.csv",
            stored_path=str(path),
            status="uploaded",
            options={
                "delimiter": ";",
                "mapping": {"0": "external_id", "1": "name", "2": "stage", "3": "amount"},
            },
        )
        db.session.add(run)
        db.session.commit()
        return run

    return make


def deal_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Opportunity))


def test_run_from_the_mapping_form_then_the_page(client, auth, manager, uploaded):
    run = uploaded(manager)
    auth.login(manager)
    response = client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"})
    assert response.status_code == 302 and response.location.endswith(f"/imports/{run.id}")
    db.session.expire_all()
    stored = db.session.get(ImportRun, run.id)
    assert (stored.status, stored.mode, stored.created_count, stored.rejected_count) == (
        "done",
        "good_rows",
        1,
        2,
    )
    page = client.get(f"/imports/{run.id}").get_data(as_text=True)
    assert 'data-status="done"' in page and "hx-trigger" not in page  # polling stopped
    assert 'data-count="created">1<' in page and 'data-count="rejected">2<' in page
    assert "The amount must be between 0 and 999 billion." in page
    assert "Unknown stage “Imaginary” in the pipeline “Sales”." in page
    assert "Undo the import" in page and "left as they are" in page
    # Started once only.
    again = client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"})
    assert again.status_code == 422 and deal_count() == 1


def test_the_status_part_polls_while_the_run_waits(client, auth, manager, uploaded):
    run = uploaded(manager)
    run.status = "queued"
    db.session.commit()
    auth.login(manager)
    page = client.get(f"/imports/{run.id}").get_data(as_text=True)
    assert 'data-status="queued"' in page and 'hx-trigger="load delay:1s"' in page
    part = client.get(
        f"/imports/{run.id}", headers={"HX-Request": "true", "HX-Target": "run-status"}
    )
    assert part.get_data(as_text=True).startswith('\n<div id="run-status"') or (
        "<html" not in part.get_data(as_text=True)
    )


def test_bad_mode_is_refused_and_nothing_runs(client, auth, manager, uploaded):
    run = uploaded(manager)
    auth.login(manager)
    response = client.post(f"/imports/{run.id}/run", data={"mode": "everything" * 1000})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == "uploaded" and deal_count() == 0


def test_dry_run_from_the_form(client, auth, manager, uploaded):
    run = uploaded(manager)
    auth.login(manager)
    client.post(f"/imports/{run.id}/run", data={"mode": "all_or_nothing", "dry_run": "1"})
    db.session.expire_all()
    stored = db.session.get(ImportRun, run.id)
    assert (stored.status, stored.dry_run, stored.created_count, deal_count()) == (
        "done",
        True,
        1,
        0,
    )
    page = client.get(f"/imports/{run.id}").get_data(as_text=True)
    assert "nothing was written" in page and "Undo the import" not in page


def test_others_do_not_see_a_run_nor_undo_it(client, auth, manager, sales_user, admin, uploaded):
    run = uploaded(manager)
    auth.login(manager)
    client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"})
    auth.logout()
    auth.login(sales_user)
    for url in (f"/imports/{run.id}", f"/imports/{run.id}/rejects.csv"):
        assert client.get(url).status_code == 404
    assert client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"}).status_code == 404
    assert client.post(f"/imports/{run.id}/undo", data={"confirm": "1"}).status_code == 404
    assert "deals.csv" not in client.get("/imports").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == "done"
    assert deal_count() == 1
    auth.logout()
    auth.login(admin)
    assert "deals.csv" in client.get("/imports").get_data(as_text=True)
    assert client.get(f"/imports/{run.id}").status_code == 200


def test_undo_needs_the_confirmation_then_trashes(client, auth, manager, uploaded):
    run = uploaded(manager)
    auth.login(manager)
    client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"})
    refused = client.post(f"/imports/{run.id}/undo", data={})
    assert refused.status_code == 422 and "Tick the box" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Opportunity).where(Opportunity.deleted_at.is_(None))
        )
        == 1
    )
    done = client.post(f"/imports/{run.id}/undo", data={"confirm": "1"}, follow_redirects=True)
    assert "moved to the trash" in done.get_data(as_text=True)
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count()).select_from(Opportunity).where(Opportunity.deleted_at.is_(None))
        )
        == 0
    )
    assert db.session.get(ImportRun, run.id).status == "undone"
    assert client.post(f"/imports/{run.id}/undo", data={"confirm": "1"}).status_code == 422


def test_rejects_csv_is_neutralised(client, auth, manager, uploaded):
    text = FILE + "A-4;+cmd|' /C calc'!A0;New;@SUM(1)\n"
    run = uploaded(manager, text)
    auth.login(manager)
    client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"})
    response = client.get(f"/imports/{run.id}/rejects.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Line", "Column", "Reason", "ID", "Nome", "Fase", "Importo"]
    by_line = {row[0]: row for row in rows[1:]}
    assert by_line["3"][3:] == ["A-2", '\'=HYPERLINK("http://evil.example")', "Imaginary", "200"]
    assert by_line["4"][6] == "'-5"
    assert by_line["5"][4] == "'+cmd|' /C calc'!A0" and by_line["5"][6] == "'@SUM(1)"
    assert by_line["3"][1:3] == ["Fase", "Unknown stage “Imaginary” in the pipeline “Sales”."]


def test_history_lists_runs_with_counts(client, auth, manager, uploaded, count_queries):
    for _ in range(3):
        run = uploaded(manager)
    auth.login(manager)
    client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"})
    with count_queries() as few:
        page = client.get("/imports").get_data(as_text=True)
    assert page.count("data-run=") == 3
    for _ in range(5):
        uploaded(manager)
    with count_queries() as more:
        client.get("/imports")
    assert len(more) == len(few)
