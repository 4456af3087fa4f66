"""The board's stored column totals (board_totals, kept by triggers) always equal the totals
recomputed from the deals: after creating, moving, editing, closing, importing, mass actions,
trash, restore and purge; the default board reads them, a narrowed board computes. Imports
count their deals once per batch (``totals.bulk_insert``): checked with the funnel summary."""

from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update

from tests import factories
from webapp.board import totals
from webapp.extensions import db
from webapp.imports import engine
from webapp.imports.runs import undo_run
from webapp.models import BoardTotal, Opportunity
from webapp.models.board import board_totals_paused
from webapp.opportunities import mass
from webapp.opportunities.services import add_line, move_stage, update_opportunity
from webapp.schema import upgrade_database
from webapp.trash import services as trash

from .test_board import totals_of
from .test_funnel_days import assert_summary_matches_history
from .test_import_engine import run_file  # noqa: F401 (fixture)
from .test_import_recovery import ROWS, crash, deals_file, small_batches, upload  # noqa: F401


def recomputed() -> dict:
    """(deals, cents, cents x percent) per (pipeline, stage, owner, business line), in Python."""
    found = defaultdict(lambda: [0, 0, 0])
    rows = db.session.execute(
        select(
            Opportunity.pipeline_id,
            Opportunity.stage_id,
            Opportunity.owner_id,
            Opportunity.business_line_id,
            Opportunity.amount,
            Opportunity.probability,
        ).where(Opportunity.status == "open", Opportunity.deleted_at.is_(None))
    )
    for *key, amount, probability in rows:
        cents = int(Decimal(amount) * 100)
        total = found[tuple(key)]
        total[0] += 1
        total[1] += cents
        total[2] += cents * probability
    return {key: tuple(value) for key, value in found.items()}


def stored() -> dict:
    db.session.expire_all()
    return {
        (t.pipeline_id, t.stage_id, t.owner_id, t.business_line_id): (
            t.deals,
            int(t.amount_cents),
            int(t.weighted_cents),
        )
        for t in db.session.scalars(select(BoardTotal))
    }


def check() -> dict:
    expected = recomputed()
    assert stored() == expected
    return expected


@pytest.fixture
def other_sales(create_user):
    return create_user(email="olga@example.com", name="Olga Other", role="sales")


@pytest.fixture
def deals(create_opportunity, other_sales, pipeline):
    made = [
        create_opportunity(name="Cents", amount="1234.56"),
        create_opportunity(name="Half cent weight", amount="0.05"),
        create_opportunity(name="Zero"),
        create_opportunity(name="Olga's", amount="999.99", owner=other_sales),
        create_opportunity(
            name="Second stage", amount="10", stage_id=pipeline.stages[1].id, owner=other_sales
        ),
    ]
    update_opportunity(made[2].owner, made[2], {"amount": "0"})
    return made


def test_stored_totals_follow_every_single_deal_change(
    deals, sales_user, manager, other_sales, pipeline, lost_reason
):
    first = check()
    assert sum(n for n, _, _ in first.values()) == 5
    cents, half, zero, olgas, second = deals
    stages = pipeline.stages
    move_stage(sales_user, cents, stages[2].id)  # a move
    check()
    update_opportunity(sales_user, half, {"amount": "7.77", "probability": "33"})  # an edit
    check()
    update_opportunity(manager, olgas, {"owner_id": sales_user.id})  # another owner
    check()
    add_line(sales_user, zero, {"product_id": factories.product().id, "quantity": "3"})
    assert check()[(pipeline.id, zero.stage_id, sales_user.id, zero.business_line_id)][1] > 0
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    move_stage(sales_user, cents, won.id)  # closed won: out of the board
    move_stage(manager, second, lost.id, lost_reason_id=lost_reason.id)
    check()
    key = (pipeline.id, half.stage_id, sales_user.id, half.business_line_id)
    deals_there = check()[key][0]
    trash.trash(manager, "deals", half.id)
    assert check()[key][0] == deals_there - 1
    trash.restore(manager, "deals", half.id)
    check()
    trash.trash(manager, "deals", zero.id)
    admin = factories.user(email="root@example.com", role="admin")
    trash.purge(admin, "deals", zero.id)  # deleted for good
    check()
    db.session.execute(update(Opportunity).values(probability=Opportunity.probability + 1))
    db.session.commit()  # plain SQL, as a migration or a script would write
    check()


def test_stored_totals_follow_mass_actions(deals, manager, other_sales, pipeline):
    target = mass.Target(ids=[d.id for d in deals])
    mass.change_stage(manager, target, pipeline.stages[3].id)
    check()
    mass.change_owner(manager, target, other_sales.id)
    check()
    mass.trash(manager, mass.Target(ids=[deals[0].id, deals[1].id]))
    assert sum(n for n, _, _ in check().values()) == 3


def test_stored_totals_follow_imports_and_their_undo(run_file, manager, pipeline):  # noqa: F811
    run = run_file(
        manager,
        "ID;Name;Amount;Stage\nI-1;One;1.234,50;Qualification\nI-2;Two;10;New\n",
    )
    assert run.created_count == 2
    assert sum(n for n, _, _ in check().values()) == 2
    run_file(manager, "ID;Name;Amount\nI-1;One;99,99\n")  # an update by external id
    check()
    undo_run(manager, run.id, True)
    assert check() == {}


def test_a_rolled_back_move_leaves_the_totals_as_they_were(deals, sales_user, pipeline):
    before = check()
    cents = deals[0]
    cents.stage_id = pipeline.stages[3].id
    db.session.flush()
    assert stored() != before  # the trigger ran inside the transaction...
    db.session.rollback()
    assert stored() == before  # ...and went with it


def test_upgrade_restores_dropped_triggers_and_recomputes(deals, pipeline):
    """SQLite's batch migrations drop a re-created table's triggers: every upgrade run puts
    them back and recomputes the totals (migrations/env.py)."""
    expected = check()
    deal_id, stage_id = deals[0].id, pipeline.stages[2].id
    totals.uninstall(db.session.connection())
    db.session.execute(text("UPDATE board_totals SET deals = 99"))
    db.session.execute(text("INSERT INTO board_totals_paused (paused) VALUES (1)"))  # stray
    db.session.commit()
    db.session.remove()
    upgrade_database()
    assert check() == expected
    assert db.session.scalar(select(func.count()).select_from(board_totals_paused)) == 0
    deal = db.session.get(Opportunity, deal_id)
    move_stage(deal.owner, deal, stage_id)  # the triggers are back
    assert check() != expected


def test_default_board_reads_the_stored_totals_a_narrowed_one_computes(
    client, auth, deals, sales_user, pipeline
):
    tag = factories.tag("vip")
    update_opportunity(sales_user, deals[0], {"tag_ids": [tag.id]})
    auth.login(sales_user)
    first = pipeline.stages[0].id
    assert totals_of(client.get("/board").get_data(as_text=True), first) == (
        "3 deals",
        "€1.2K",
        "≈ €123.46",
    )
    # Tampered with, the stored row shows: the default board does not count the deals.
    db.session.execute(update(BoardTotal).values(deals=42))
    db.session.commit()
    assert totals_of(client.get("/board").get_data(as_text=True), first)[0] == "42 deals"
    narrowed = client.get(f"/board?tag={tag.id}").get_data(as_text=True)
    assert totals_of(narrowed, first) == ("1 deal", "€1.2K", "≈ €123.46")


BULK = """ID;Nome;Azienda;Importo;Fase;Etichette
K-1;Uno;Nuova Srl;1.500,55;New;vip
K-2;Due;Nuova Srl;0,05;Qualification;
K-3;Tre;Delta Spa;700;Nowhere;
K-4;Quattro;Delta Spa;;New;vip
K-5;Cinque;Delta Spa;800,10;Negotiation;
K-6;Sei;Nuova Srl;3;Won;
K-7;Sette;Delta Spa;12,34;New;
"""


def check_both() -> dict:
    """The board totals and the funnel summary both equal what the deals say."""
    assert_summary_matches_history()
    return check()


@pytest.mark.parametrize("mode", ["good_rows", "all_or_nothing"])
def test_imports_in_bulk_keep_totals_and_funnel_exact(
    run_file,  # noqa: F811
    deals,
    manager,
    sales_user,
    pipeline,
    mode,
    monkeypatch,
):
    """An import's deals are counted once per batch (batches of 2 here, beside deals already
    counted in the same columns): every batch and every mode leaves the totals and the
    funnel summary exact; the trigger is paused only inside the import."""
    monkeypatch.setattr(engine, "BATCH", 2)
    before = check_both()
    run = run_file(manager, BULK, mode=mode)  # line 4 names an unknown stage
    assert run.rejected_count == 1
    after = check_both()
    assert sum(n for n, _, _ in after.values()) == sum(n for n, _, _ in before.values()) + (
        5 if mode == "good_rows" else 0
    )
    assert db.session.scalar(select(func.count()).select_from(board_totals_paused)) == 0
    good = run_file(manager, BULK.replace("Nowhere", "Demo scheduled"), mode=mode)
    assert good.rejected_count == 0
    check_both()
    undo_run(manager, run.id if mode == "good_rows" else good.id, True)
    check_both()
    move_stage(sales_user, deals[0], pipeline.stages[1].id)  # the trigger counts again
    check_both()


def test_a_resumed_import_keeps_totals_and_funnel_exact(
    client,
    auth,
    manager,
    upload,  # noqa: F811
    small_batches,  # noqa: F811
    monkeypatch,
    app,
):
    """A good-rows run killed after two batches: what it committed is counted; run again,
    it goes on and the totals and the summary stay exact."""
    run = upload(manager, text=deals_file(bad_line=2))
    crash(monkeypatch, run.id, 2)
    assert sum(n for n, _, _ in check_both().values()) == 3
    monkeypatch.setitem(app.config, "IMPORT_STALE_AFTER", 0)
    auth.login(manager)
    assert client.post(f"/imports/{run.id}/rerun").status_code == 302
    assert sum(n for n, _, _ in check_both().values()) == ROWS - 1
