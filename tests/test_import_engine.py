"""The import engine on a real database: create and update by external id, matching of
accounts and contacts, rejects with line, column and reason, the modes, dry run and undo."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.imports import engine
from webapp.imports.mapping import guess_mapping
from webapp.imports.reading import open_table
from webapp.imports.runs import undo_run
from webapp.models import (
    Account,
    Contact,
    ImportReject,
    ImportRun,
    Lead,
    Opportunity,
    StageHistory,
    Tag,
    TimelineEntry,
)

from . import factories

DEALS = """ID;Nome;Azienda;Contatto;Importo;Fase;Proprietario;Data chiusura;Etichette
D-1;Rinnovo licenze;Fiume Foods S.r.l.;Anna Bianchi;1.234,50;Qualification;;31/12/2026;vip, rinnovo
D-2;Nuovo sito;Fiume Foods S.r.l.;anna@fiume.example;2.000;New;sales@example.com;15/01/2027;
D-3;Supporto;Delta Spa;;500;Negotiation;Sam Sales;;rinnovo
"""


def table_counts() -> dict[str, int]:
    """Rows in every table (the run's own report tables aside)."""
    skip = {"import_runs", "import_rejects"}
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name not in skip
    }


@pytest.fixture
def run_file(app, tmp_path):
    """run_file(user, text, entity=..., mode=..., dry_run=...): an import run executed."""
    made = [0]

    def run(user, text, *, entity="opportunity", mode="all_or_nothing", dry_run=False):
        made[0] += 1
        path = tmp_path / f"file{made[0]}.csv"
        path.write_text(text, encoding="utf-8")
        table = open_table(path, filename=path.name)
        mapping = guess_mapping(entity, table.headers)
        for _ in table.rows:
            pass
        record = ImportRun(
            user_id=user.id,
            entity=entity,
            filename=path.name,
            stored_path=str(path),
            status="queued",
            mode=mode,
            dry_run=dry_run,
            options={"mapping": {str(i): k for i, k in mapping.items()}},
        )
        db.session.add(record)
        db.session.commit()
        return engine.execute(record.id)

    return run


def rejects(run) -> list[tuple]:
    return [
        (r.line, r.column, r.reason)
        for r in db.session.scalars(
            select(ImportReject).where(ImportReject.run_id == run.id).order_by(ImportReject.line)
        )
    ]


def test_deals_are_created_as_the_form_creates_them(run_file, pipeline, sales_user, manager):
    factories.tag("vip")
    run = run_file(manager, DEALS)
    assert (run.status, run.created_count, run.updated_count, run.rejected_count) == (
        "done",
        3,
        0,
        0,
    )
    deals = {o.external_id: o for o in db.session.scalars(select(Opportunity))}
    first = deals["D-1"]
    assert first.name == "Rinnovo licenze"
    assert first.amount == Decimal("1234.50") and first.amount_manual
    assert first.close_date == date(2026, 12, 31)
    assert first.stage.name == "Qualification" and first.probability == 20
    assert first.owner_id == manager.id  # blank owner: the importing user
    assert first.import_run_id == run.id and first.version == 1
    assert first.business_line_id == pipeline.business_line_id
    assert sorted(t.name for t in first.tags) == ["rinnovo", "vip"]
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 2  # one new tag
    assert deals["D-2"].owner_id == sales_user.id and deals["D-3"].owner_id == sales_user.id
    # One account for both rows, with its keys; the contact by name, then by email is new.
    fiume = db.session.scalars(select(Account).where(Account.name == "Fiume Foods S.r.l.")).one()
    assert (fiume.name_key, fiume.core_key) == ("fiumefoodssrl", "fiumefoods")
    assert fiume.import_run_id == run.id
    assert first.account_id == deals["D-2"].account_id == fiume.id
    anna = first.primary_contact
    assert (anna.first_name, anna.last_name, anna.name_key, anna.account_id) == (
        "Anna",
        "Bianchi",
        "annabianchi",
        fiume.id,
    )
    # Timeline and first stage history, as a created deal has.
    entries = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.opportunity_id == first.id)
    ).all()
    assert [(e.action, e.new_value) for e in entries] == [("created", "Rinnovo licenze")]
    history = db.session.scalars(
        select(StageHistory).where(StageHistory.opportunity_id == first.id)
    ).all()
    assert [(h.stage_id, h.left_at) for h in history] == [(first.stage_id, None)]


def test_new_deals_go_on_top_of_their_column(run_file, pipeline, manager, create_opportunity):
    existing = create_opportunity(stage_id=pipeline.stages[0].id)
    run_file(manager, "Name;Stage\nA;New\nB;New\n")
    positions = dict(db.session.execute(select(Opportunity.name, Opportunity.position)).all())
    assert positions["A"] < existing.position and positions["B"] < existing.position
    assert len(set(positions.values())) == 3


def test_reimporting_the_same_file_changes_nothing_then_updates(
    run_file, pipeline, manager, sales_user
):
    run_file(manager, DEALS)
    before = table_counts()
    versions = dict(db.session.execute(select(Opportunity.external_id, Opportunity.version)).all())
    again = run_file(manager, DEALS)
    assert (again.created_count, again.updated_count, again.rejected_count) == (0, 0, 0)
    assert table_counts() == before
    db.session.expire_all()
    assert dict(db.session.execute(select(Opportunity.external_id, Opportunity.version)).all()) == (
        versions
    )

    changed = DEALS.replace("1.234,50;Qualification", "9.000;Negotiation")
    third = run_file(manager, changed)
    assert (third.created_count, third.updated_count) == (0, 1)
    db.session.expire_all()
    deal = db.session.scalars(select(Opportunity).where(Opportunity.external_id == "D-1")).one()
    assert deal.amount == Decimal("9000") and deal.stage.name == "Negotiation"
    assert deal.version == 2 and deal.probability == 75
    assert deal.import_run_id != third.id  # still the run that created it
    fields = {
        e.field
        for e in db.session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.opportunity_id == deal.id, TimelineEntry.action == "updated"
            )
        )
    }
    assert {"amount", "stage_id"} <= fields
    history = db.session.scalars(
        select(StageHistory).where(StageHistory.opportunity_id == deal.id).order_by(StageHistory.id)
    ).all()
    assert [h.left_at is None for h in history] == [False, True]
    assert factories.visit_days_kept()
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == 3


def test_accounts_match_by_name_and_legal_form_without_duplicates(run_file, pipeline, manager):
    factories.account("Fiume Foods S.r.l.")
    run = run_file(
        manager, "Name;Account\nA;FIUME  foods srl\nB;Fiume Foods SpA\nC;fiume-foods s.r.l.\n"
    )
    assert run.created_count == 3
    assert db.session.scalar(select(func.count()).select_from(Account)) == 1
    account_ids = set(db.session.scalars(select(Opportunity.account_id)))
    assert len(account_ids) == 1


def test_unknown_stage_and_owner_are_rejected_with_line_column_reason(run_file, pipeline, manager):
    factories.account("Acme S.p.A.")
    text = (
        "Nome;Azienda;Fase;Proprietario;Importo\n"
        "Good;Acme;New;;100\n"
        "Bad stage;Acme;Imaginary;;100\n"
        "Bad owner;Nuova Srl;New;nobody@example.com;100\n"
        "Bad amount;Acme;New;;dieci\n"
    )
    before = table_counts()
    run = run_file(manager, text)
    assert (run.status, run.created_count, run.rejected_count) == ("done", 0, 3)
    found = rejects(run)
    assert found[0] == (3, "Fase", "Unknown stage “Imaginary” in the pipeline “Sales”.")
    assert found[1] == (4, "Proprietario", "Unknown user “nobody@example.com”.")
    assert found[2][:2] == (5, "Importo")
    assert table_counts() == before  # all or nothing: nothing written, not even the account

    good = run_file(manager, text, mode="good_rows")
    assert (good.created_count, good.rejected_count) == (1, 3)
    assert list(db.session.scalars(select(Opportunity.name))) == ["Good"]
    assert db.session.scalar(select(func.count()).select_from(Account)) == 1  # no "Nuova Srl"


def test_all_or_nothing_writes_nothing_when_the_bad_row_comes_late(run_file, pipeline, manager):
    """The bad row is in a later batch than good rows already written: all rolled back."""
    lines = [f"Deal {i};Account {i % 7};New" for i in range(engine.BATCH + 10)]
    lines.append("Bad;Account 1;Nowhere")
    before = table_counts()
    run = run_file(manager, "Name;Account;Stage\n" + "\n".join(lines) + "\n")
    assert (run.created_count, run.rejected_count, run.processed_rows) == (0, 1, len(lines))
    assert rejects(run) == [
        (len(lines) + 1, "Stage", "Unknown stage “Nowhere” in the pipeline “Sales”.")
    ]
    assert table_counts() == before


def test_dry_run_writes_nothing_and_reports(run_file, pipeline, manager, sales_user):
    before = table_counts()
    run = run_file(manager, DEALS + "X-9;Bad;Acme;;1;Nowhere;;;\n", dry_run=True)
    assert (run.created_count, run.rejected_count, run.dry_run) == (3, 1, True)
    assert table_counts() == before
    assert rejects(run)[0][:2] == (5, "Fase")


def test_undo_trashes_exactly_the_new_records(run_file, pipeline, manager, sales_user):
    run_file(manager, "ID;Name\nOLD;Old deal\n")
    run = run_file(manager, DEALS.replace("D-3;Supporto", "OLD;Supporto"))
    assert (run.created_count, run.updated_count) == (2, 1)
    moved = undo_run(manager, run.id, True)
    assert moved == {"opportunities": 2, "contacts": 2, "accounts": 2, "leads": 0}
    db.session.expire_all()
    live = set(
        db.session.scalars(select(Opportunity.external_id).where(Opportunity.deleted_at.is_(None)))
    )
    assert live == {"OLD"}
    trashed = db.session.scalars(select(Opportunity).where(Opportunity.deleted_at.isnot(None)))
    assert {o.deleted_by_id for o in trashed} == {manager.id}
    assert db.session.get(ImportRun, run.id).status == "undone"


def test_a_trashed_deal_is_not_matched_by_its_external_id(run_file, pipeline, manager):
    """After an undo the same file creates the deals again; a live deal with the external id
    of a trashed one (created after it) is the one updated."""
    first = run_file(manager, "ID;Name\nT-1;First\nT-2;Second\n")
    undo_run(manager, first.id, True)
    again = run_file(manager, "ID;Name\nT-1;First\nT-2;Second\n")
    assert (again.created_count, again.updated_count) == (2, 0)
    renamed = run_file(manager, "ID;Name\nT-1;First renamed\n")
    assert (renamed.created_count, renamed.updated_count) == (0, 1)
    db.session.expire_all()
    stored = db.session.execute(
        select(Opportunity.name, Opportunity.deleted_at.is_(None))
        .where(Opportunity.external_id == "T-1")
        .order_by(Opportunity.id)
    ).all()
    assert stored == [("First", False), ("First renamed", True)]


def test_permissions_on_create_and_update(run_file, pipeline, sales_user, create_user):
    other_line = factories.business_line("Hardware")
    factories.pipeline(other_line, "Hardware sales")
    outsider = create_user(email="out@example.com", name="Out", business_lines=[other_line])
    run = run_file(outsider, "ID;Name;Pipeline\nX;Deal;Sales\n")
    assert rejects(run) == [(2, "Pipeline", "Unknown pipeline “Sales”.")]

    run_file(sales_user, "ID;Name\nS-1;Mine\n")
    colleague = create_user(email="colleague@example.com", name="Col")
    run = run_file(colleague, "ID;Name;Amount\nS-1;Taken over;5\n")
    assert rejects(run) == [(2, None, "You may not edit this deal: it belongs to someone else.")]
    assert list(db.session.scalars(select(Opportunity.name))) == ["Mine"]


def test_accounts_contacts_and_leads(run_file, pipeline, manager):
    factories.account("Fiume Foods S.r.l.")
    run = run_file(
        manager,
        "Ragione sociale;Città;ID\nfiume foods srl;Milano;A-1\nDelta Spa;Roma;A-2\n",
        entity="account",
    )
    assert (run.created_count, run.updated_count) == (1, 1)
    cities = dict(db.session.execute(select(Account.name, Account.city)).all())
    assert cities == {"Fiume Foods S.r.l.": "Milano", "Delta Spa": "Roma"}

    text = (
        "Nome;Cognome;E-mail;Azienda\n"
        "Anna;Bianchi;anna@x.example;Delta Spa\n"
        "Luca;Verdi;;Nuova Srl\n"
    )
    run = run_file(manager, text, entity="contact")
    assert run.created_count == 2
    again = run_file(manager, text.replace("Bianchi", "Bianchi-Rossi"), entity="contact")
    assert (again.created_count, again.updated_count) == (0, 1)  # by email, then by name
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2
    assert db.session.scalar(select(func.count()).select_from(Account)) == 3

    run = run_file(
        manager, "Nome;Cognome;E-mail;Stato\nIda;Neri;ida@x.example;contacted\n", entity="lead"
    )
    lead = db.session.scalars(select(Lead)).one()
    assert (lead.status, lead.import_run_id, run.created_count) == ("contacted", run.id, 1)
    bad = run_file(manager, "Nome;Cognome;Stato\nIda;Neri;sleepy\n", entity="lead")
    assert rejects(bad) == [(2, "Stato", "Unknown lead status “sleepy”.")]


def test_the_same_external_id_twice_in_a_file(run_file, pipeline, manager):
    run = run_file(manager, "ID;Name\nZ;One\nZ;Two\n", mode="good_rows")
    assert rejects(run) == [(3, "ID", "The external ID “Z” is already on line 2.")]
    assert run.created_count == 1


def test_unreadable_file_fails_the_run(app, manager, pipeline, tmp_path):
    record = ImportRun(
        user_id=manager.id,
        entity="opportunity",
        filename="gone.csv",
        stored_path=str(tmp_path / "gone.csv"),
        status="queued",
        options={"mapping": {"0": "name"}},
    )
    db.session.add(record)
    db.session.commit()
    run = engine.execute(record.id)
    assert run.status == "failed" and run.error
    assert engine.execute(record.id).status == "failed"  # not run twice


@pytest.mark.parametrize("mode", ["all_or_nothing", "good_rows"])
def test_a_read_error_after_the_first_batch_fails_the_run(app, manager, pipeline, tmp_path, mode):
    """An error of the file in a later batch stops the run there, with its message:
    all-or-nothing writes nothing, good rows keeps the batches written before it."""
    path = tmp_path / "late.csv"
    lines = [f"Deal {i};New".encode() for i in range(engine.BATCH + 5)]
    too_long = b"x" * (1 << 20 | 1)  # a cell over the reader's 1 MB
    path.write_bytes(b"Name;Stage\n" + b"\n".join([*lines, too_long + b";New"]) + b"\n")
    record = ImportRun(
        user_id=manager.id,
        entity="opportunity",
        filename="late.csv",
        stored_path=str(path),
        status="queued",
        mode=mode,
        total_rows=len(lines) + 1,  # counted at upload: the run reads the file once
        options={"mapping": {"0": "name", "1": "stage"}},
    )
    db.session.add(record)
    db.session.commit()
    run = engine.execute(record.id)
    assert run.status == "failed"
    assert run.error.startswith(f"Line {engine.BATCH + 7} cannot be read as CSV")
    stored = db.session.scalar(select(func.count()).select_from(Opportunity))
    assert stored == (0 if mode == "all_or_nothing" else engine.BATCH)


def test_custom_fields_are_imported_and_updated(run_file, pipeline, manager):
    from webapp.models import CustomField

    db.session.add(CustomField(entity="opportunity", key="region", label="Region", type="text"))
    db.session.commit()
    run_file(manager, "ID;Name;Region\nC-1;Deal;Nord\n")
    deal = db.session.scalars(select(Opportunity)).one()
    assert deal.custom == {"region": "Nord"}
    again = run_file(manager, "ID;Name;Region\nC-1;Deal;Sud\n")
    assert again.updated_count == 1
    db.session.expire_all()
    assert db.session.scalars(select(Opportunity)).one().custom == {"region": "Sud"}


def test_the_forecast_category_imports_from_its_label_or_its_code(run_file, pipeline, manager):
    text = (
        "ID;Name;Stage;Forecast category\n"
        "F-1;Label;New;Best case\n"
        "F-2;Code;New;best_case\n"
        "F-3;Italian case;New;  COMMIT \n"
        "F-4;Blank;New;\n"
    )
    run = run_file(manager, text)
    assert (run.status, run.created_count, run.rejected_count) == ("done", 4, 0)
    found = dict(
        db.session.execute(select(Opportunity.external_id, Opportunity.forecast_category)).all()
    )
    assert found == {"F-1": "best_case", "F-2": "best_case", "F-3": "commit", "F-4": None}
    # An update sets it (and writes the timeline); the export's label reads back unchanged.
    run = run_file(manager, "ID;Forecast category\nF-1;Omitted\nF-2;Best case\n")
    assert (run.status, run.updated_count) == ("done", 1)
    found = dict(
        db.session.execute(select(Opportunity.external_id, Opportunity.forecast_category)).all()
    )
    assert (found["F-1"], found["F-2"]) == ("omitted", "best_case")
    entry = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.field == "forecast_category")
    ).one()
    assert (entry.old_value, entry.new_value) == ("best_case", "omitted")


def test_an_unknown_forecast_category_is_rejected_and_nothing_written(run_file, pipeline, manager):
    before = table_counts()
    run = run_file(manager, "ID;Name;Stage;Forecast category\nF-1;A;New;Maybe\n")
    assert run.status == "failed" or run.rejected_count == 1
    assert rejects(run) == [
        (2, "Forecast category", "Unknown forecast category “Maybe”: Commit, Best case, "
         "Pipeline, Omitted.")
    ]  # fmt: skip
    assert table_counts() == before


BATCHED = """ID;Nome;Azienda;Contatto;Importo;Fase;Data chiusura;Etichette
B-1;Uno;Nuova Srl;Nora Neri;1.500,50;New;31/12/2026;vip
B-2;Due;Nuova Srl;Nora Neri;1.500,50;Qualification;31/12/2026;vip, nuovo
B-3;Tre;Delta Spa;;700;New;;
B-4;Quattro;Nuova Srl;Nora Neri;1.500,50;New;31/12/2026;vip
B-5;Cinque;Delta Spa;Dario Verdi;800;Negotiation;01/02/2027;nuovo
"""


def test_rows_across_batches_share_what_earlier_batches_created(
    run_file, pipeline, manager, monkeypatch
):
    """Batches of 2: the account, contact and tags a first batch creates are the ones later
    batches name; amounts, dates and stages read once per file are right in every batch."""
    monkeypatch.setattr(engine, "BATCH", 2)
    run = run_file(manager, BATCHED)
    assert (run.status, run.created_count, run.rejected_count) == ("done", 5, 0)
    deals = {
        d.external_id: d for d in db.session.scalars(select(Opportunity).order_by(Opportunity.id))
    }
    nuova = db.session.scalars(select(Account).where(Account.name == "Nuova Srl")).one()
    nora = db.session.scalars(select(Contact).where(Contact.last_name == "Neri")).one()
    for key in ("B-1", "B-2", "B-4"):
        assert deals[key].account_id == nuova.id and deals[key].primary_contact_id == nora.id
        assert deals[key].amount == Decimal("1500.50")
        assert deals[key].close_date == date(2026, 12, 31)
    assert [d.stage.name for d in deals.values()] == [
        "New", "Qualification", "New", "New", "Negotiation"
    ]  # fmt: skip
    assert deals["B-5"].probability == 75 and deals["B-3"].close_date is None
    assert sorted(db.session.scalars(select(Tag.name))) == ["nuovo", "vip"]  # each made once
    tagged = {key: [t.name for t in deal.tags] for key, deal in deals.items()}
    assert tagged == {
        "B-1": ["vip"], "B-2": ["nuovo", "vip"], "B-3": [], "B-4": ["vip"], "B-5": ["nuovo"]
    }  # fmt: skip
    assert db.session.scalar(select(func.count()).select_from(Account)) == 2
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2
    created = db.session.scalars(
        select(TimelineEntry.opportunity_id).where(TimelineEntry.action == "created")
    ).all()
    assert sorted(created) == sorted(d.id for d in deals.values())


def test_updates_new_rows_and_a_duplicate_across_batches(run_file, pipeline, manager, monkeypatch):
    """Batches of 2, good rows: a file mixing unchanged, changed and new deals, with an
    external id repeated in a later batch (rejected with its line) and a changed row whose
    contact is not looked up (an update does not change the contact)."""
    monkeypatch.setattr(engine, "BATCH", 2)
    run_file(manager, BATCHED)
    contacts = db.session.scalar(select(func.count()).select_from(Contact))
    mixed = (
        "ID;Nome;Azienda;Contatto;Importo;Fase;Data chiusura;Etichette\n"
        "B-1;Uno;Nuova Srl;Nora Neri;1.500,50;New;31/12/2026;vip\n"  # unchanged
        "B-6;Sei;Nuova Srl;Nora Neri;90;New;31/12/2026;vip\n"  # new
        "B-2;Due;Nuova Srl;Altro Nome;2.000;Negotiation;31/12/2026;vip\n"  # changed
        "B-6;Sei again;Nuova Srl;;1;New;;\n"  # the same id as line 3
        "B-7;Sette;Terza Srl;;5;Negotiation;;\n"  # new, a new account
        "B-4;Quattro;Nuova Srl;Nora Neri;1.500,50;Negotiation;31/12/2026;vip\n"  # changed
    )
    run = run_file(manager, mixed, mode="good_rows")
    assert (run.created_count, run.updated_count, run.rejected_count) == (2, 2, 1)
    assert rejects(run) == [(5, "ID", "The external ID “B-6” is already on line 3.")]
    db.session.expire_all()
    deals = {d.external_id: d for d in db.session.scalars(select(Opportunity))}
    assert sorted(deals) == ["B-1", "B-2", "B-3", "B-4", "B-5", "B-6", "B-7"]
    assert deals["B-6"].name == "Sei" and deals["B-6"].amount == Decimal("90")
    assert deals["B-1"].version == 1
    assert (deals["B-2"].amount, deals["B-2"].stage.name, deals["B-2"].version) == (
        Decimal("2000"), "Negotiation", 2
    )  # fmt: skip
    assert deals["B-4"].stage.name == "Negotiation" and deals["B-4"].probability == 75
    for key in ("B-2", "B-4"):
        history = db.session.scalars(
            select(StageHistory)
            .where(StageHistory.opportunity_id == deals[key].id)
            .order_by(StageHistory.id)
        ).all()
        assert [h.left_at is None for h in history] == [False, True]
    assert deals["B-7"].account.name == "Terza Srl"
    assert db.session.scalar(select(func.count()).select_from(Contact)) == contacts
