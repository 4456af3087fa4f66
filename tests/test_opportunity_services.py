"""The core services: create, update, move, close; the timeline; conflicts; permission."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.errors import ConflictError, PermissionDenied, ValidationError
from webapp.extensions import db
from webapp.models import Opportunity, StageHistory, TimelineEntry
from webapp.opportunities import services


def _timeline(opp):
    return db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.opportunity_id == opp.id)
        .order_by(TimelineEntry.id)
    ).all()


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_sets_stage_probability_history_and_timeline(
    create_opportunity, pipeline, sales_user
):
    opp = create_opportunity(name="Acme 2027", amount="12500.50", account_name="Acme")
    assert opp.stage == pipeline.stages[0]
    assert opp.probability == pipeline.stages[0].probability
    assert opp.amount == Decimal("12500.50")
    assert opp.amount_manual is True
    assert opp.account.name == "Acme"
    assert opp.owner == sales_user and opp.created_by_id == sales_user.id
    assert opp.version == 1
    history = db.session.scalars(select(StageHistory)).all()
    assert [(h.stage_id, h.left_at) for h in history] == [(opp.stage_id, None)]
    assert [e.action for e in _timeline(opp)] == ["created"]


def test_create_with_unknown_account_creates_nothing(create_opportunity):
    with pytest.raises(ValidationError) as exc:
        create_opportunity(account_id="9999")
    assert exc.value.errors == {"account_id": "Unknown account."}
    assert _count(Opportunity) == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "cannot be negative"),
        ("abc", "abc is not a number in English: write it like 1500.50 or 1,500.50."),
        ("1e400", "not a number"),
        ("sNaN", "not a number"),
        ("1.500,50", "1.500,50 is not a number in English: write 1500.50 or 1,500.50."),
        ("1000000000000", "too large"),
    ],
)
def test_bad_amount_is_refused(create_opportunity, amount, message):
    with pytest.raises(ValidationError) as exc:
        create_opportunity(amount=amount)
    assert message in exc.value.errors["amount"]
    assert _count(Opportunity) == 0


def test_update_writes_one_timeline_entry_per_field(create_opportunity, sales_user):
    opp = create_opportunity()
    changes = services.update_opportunity(
        sales_user,
        opp,
        {"name": "Renamed", "amount": "2000", "close_date": "2027-01-31"},
        version=1,
    )
    assert set(changes) == {"name", "amount", "close_date"}
    entries = [e for e in _timeline(opp) if e.action == "updated"]
    assert {(e.field, e.old_value, e.new_value) for e in entries} == {
        ("name", "Acme support", "Renamed"),
        ("amount", "1000.00", "2000.00"),
        ("close_date", date.today().isoformat(), "2027-01-31"),
    }
    assert all(e.user_id == sales_user.id for e in entries)
    assert opp.version == 2


def test_stale_version_is_a_conflict_and_writes_nothing(create_opportunity, sales_user):
    opp = create_opportunity()
    services.update_opportunity(sales_user, opp, {"name": "First edit"}, version=1)
    before = len(_timeline(opp))
    with pytest.raises(ConflictError) as exc:
        services.update_opportunity(sales_user, opp, {"name": "Second edit"}, version=1)
    assert exc.value.status == 409
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).name == "First edit"
    assert len(_timeline(opp)) == before


def test_concurrent_update_detected_by_the_database(app, create_opportunity, sales_user):
    """Two sessions load version 1; the second commit must fail, not overwrite."""
    opp = create_opportunity()
    other = db.session.get_bind()
    with other.connect() as conn:  # someone else bumps the row meanwhile
        conn.execute(
            Opportunity.__table__.update()
            .where(Opportunity.id == opp.id)
            .values(name="Changed elsewhere", version=2)
        )
        conn.commit()
    with pytest.raises(ConflictError):
        services.update_opportunity(sales_user, opp, {"name": "Mine"}, version=1)
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).name == "Changed elsewhere"


def test_move_stage_follows_probability_and_records_history(
    create_opportunity, pipeline, sales_user
):
    opp = create_opportunity()
    first, second = pipeline.stages[0], pipeline.stages[1]
    entered = opp.stage_entered_at
    services.move_stage(sales_user, opp, second.id, version=opp.version)
    assert opp.stage == second
    assert opp.probability == second.probability
    assert opp.stage_entered_at >= entered
    history = db.session.scalars(select(StageHistory).order_by(StageHistory.id)).all()
    assert [h.stage_id for h in history] == [first.id, second.id]
    assert history[0].left_at is not None and history[1].left_at is None
    assert factories.visit_days_kept()
    stage_entries = [e for e in _timeline(opp) if e.action == "stage"]
    assert (stage_entries[0].old_value, stage_entries[0].new_value) == (first.name, second.name)


def test_overridden_probability_survives_a_move(create_opportunity, pipeline, sales_user):
    opp = create_opportunity(probability="60")
    assert opp.probability == 60 and opp.probability_overridden
    services.move_stage(sales_user, opp, pipeline.stages[2].id)
    assert opp.probability == 60
    services.update_opportunity(sales_user, opp, {"probability": ""})
    assert opp.probability == pipeline.stages[2].probability
    assert not opp.probability_overridden


def test_move_to_unknown_stage_is_refused(create_opportunity, sales_user, business_line):
    opp = create_opportunity()
    other = factories.pipeline(business_line, "Other")
    for stage_id in ("9999", other.stages[1].id, "x"):
        with pytest.raises(ValidationError) as exc:
            services.move_stage(sales_user, opp, stage_id)
        assert "Unknown stage" in exc.value.errors["stage_id"]
    assert opp.stage_id == opp.pipeline.stages[0].id


def test_stale_move_is_refused_and_nothing_is_written(create_opportunity, pipeline, sales_user):
    opp = create_opportunity()
    services.move_stage(sales_user, opp, pipeline.stages[1].id, version=1)
    with pytest.raises(ConflictError):
        services.move_stage(sales_user, opp, pipeline.stages[3].id, version=1)
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).stage_id == pipeline.stages[1].id
    assert _count(StageHistory) == 2


def test_lost_needs_a_reason(create_opportunity, sales_user, lost_reason):
    opp = create_opportunity()
    with pytest.raises(ValidationError) as exc:
        services.close_lost(sales_user, opp, None)
    assert "lost_reason_id" in exc.value.errors
    assert opp.status == "open"
    services.close_lost(sales_user, opp, lost_reason.id, note="Went with a cheaper offer")
    assert opp.status == "lost" and opp.lost_reason == lost_reason
    assert opp.probability == 0 and opp.closed_at is not None
    assert _timeline(opp)[-1].action == "lost"


def test_won_amount_follows_product_lines_when_left_at_zero(create_opportunity, sales_user):
    opp = create_opportunity(amount="0")
    product = factories.product("Gold support", "1000")
    services.add_line(
        sales_user, opp, {"product_id": product.id, "quantity": "3", "discount": "10"}
    )
    assert opp.amount == Decimal("2700.00") and not opp.amount_manual
    services.close_won(sales_user, opp)
    assert opp.status == "won" and opp.probability == 100
    assert opp.amount == Decimal("2700.00")


def test_manual_amount_is_not_overwritten_by_lines(create_opportunity, sales_user):
    opp = create_opportunity(amount="5000")
    services.add_line(
        sales_user, opp, {"description": "Extra day", "quantity": "1", "unit_price": "900"}
    )
    assert opp.amount == Decimal("5000.00")
    services.update_opportunity(sales_user, opp, {"amount": "0"})
    assert opp.amount == Decimal("900.00")  # back to following the lines


def test_negative_quantity_is_refused(create_opportunity, sales_user):
    opp = create_opportunity()
    with pytest.raises(ValidationError) as exc:
        services.add_line(
            sales_user, opp, {"description": "X", "quantity": "-1", "unit_price": "5"}
        )
    assert "quantity" in exc.value.errors
    assert opp.lines == []


def test_reopen_from_lost_clears_the_close(create_opportunity, pipeline, sales_user, lost_reason):
    opp = create_opportunity()
    services.close_lost(sales_user, opp, lost_reason.id)
    services.move_stage(sales_user, opp, pipeline.stages[1].id)
    assert opp.status == "open" and opp.closed_at is None and opp.lost_reason is None
    assert _timeline(opp)[-1].action == "reopened"


# --- permission policy ---------------------------------------------------------------------


def test_sales_cannot_edit_a_colleagues_deal(create_opportunity, create_user):
    colleague = create_user(email="colleague@example.com")
    opp = create_opportunity()
    assert services.get_opportunity(colleague, opp.id) == opp  # may view
    with pytest.raises(PermissionDenied):
        services.update_opportunity(colleague, opp, {"name": "Hijacked"})
    with pytest.raises(PermissionDenied):
        services.move_stage(colleague, opp, opp.pipeline.stages[1].id)
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).name == "Acme support"


def test_manager_edits_in_own_business_line_only(create_opportunity, manager, create_user):
    opp = create_opportunity()
    services.update_opportunity(manager, opp, {"name": "Managed"})
    other_line = factories.business_line("Services")
    outsider = create_user(email="m2@example.com", role="manager", business_lines=[other_line])
    with pytest.raises(PermissionDenied):
        services.get_opportunity(outsider, opp.id)


def test_admin_deletes_to_trash_sales_cannot(create_opportunity, sales_user, admin):
    opp = create_opportunity()
    with pytest.raises(PermissionDenied):
        services.delete_opportunity(sales_user, opp)
    services.delete_opportunity(admin, opp)
    assert opp.deleted_at is not None
    assert _count(Opportunity) == 1  # kept, in the trash


def test_owner_must_be_in_the_sales_group(create_opportunity, create_user):
    outsider = create_user(email="nosales@example.com", sales=False)
    with pytest.raises(ValidationError) as exc:
        create_opportunity(owner=outsider, user=None)
    assert "sales group" in exc.value.errors["owner_id"]
