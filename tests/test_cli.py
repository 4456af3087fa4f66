from datetime import timedelta

from sqlalchemy import func, select

from plugins.renewals.terms import term_end
from tests import factories
from webapp.extensions import db
from webapp.models import Lead, Opportunity, Stage, StageHistory, User
from webapp.models._base import utcnow


def test_users_create(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Example.com",
            "--password",
            "longenough",
            "--role",
            "manager",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "new@example.com" and user.role == "manager"
    assert user.check_password("longenough")


def test_users_create_refuses_short_password_and_duplicates(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "a@example.com", "--password", "short"]
    )
    assert result.exit_code != 0 and "8 characters" in result.output
    runner.invoke(args=["users", "create", "--email", "a@example.com", "--password", "longenough"])
    result = runner.invoke(
        args=["users", "create", "--email", "a@example.com", "--password", "longenough"]
    )
    assert result.exit_code != 0 and "already exists" in result.output


def _fingerprint():
    rows = db.session.execute(
        select(
            Opportunity.id,
            Opportunity.name,
            Opportunity.amount,
            Opportunity.stage_id,
            Opportunity.owner_id,
            Opportunity.close_date,
        ).order_by(Opportunity.id)
    ).all()
    return [tuple(str(v) for v in row) for row in rows]


def test_demo_seed_is_deterministic_and_complete(app, runner):
    from tests.conftest import _empty_tables

    result = runner.invoke(args=["demo", "seed", "--opportunities", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output
    first = _fingerprint()
    assert len(first) == 60
    assert db.session.scalar(select(func.count()).select_from(StageHistory)) >= 60
    assert factories.visit_days_kept()
    statuses = set(db.session.scalars(select(Opportunity.status)))
    assert statuses == {"open", "won", "lost"}

    _empty_tables()
    runner.invoke(args=["demo", "seed", "--opportunities", "60", "--seed", "7"])
    assert _fingerprint() == first


def test_demo_seed_looks_like_a_live_company(runner):
    """Most open deals moved lately (a few are stale), won deals have terms ending in the
    coming months and leads wait: the board, renewals and leads are worth trying at once."""
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    now = utcnow()
    open_deals = db.session.execute(
        select(Opportunity.stage_entered_at, Stage.rotting_days)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(Opportunity.status == "open", Stage.rotting_days > 0)
    ).all()
    stale = [e for e, days in open_deals if (now - e).days > days]
    assert 0 < len(stale) < 0.3 * len(open_deals)

    won = db.session.scalars(
        select(Opportunity).where(
            Opportunity.status == "won", Opportunity.contract_months.is_not(None)
        )
    ).all()
    soon = [o for o in won if now.date() <= term_end(o) <= (now + timedelta(days=90)).date()]
    assert len(soon) >= 3
    statuses = set(db.session.scalars(select(Lead.status)))
    assert {"new", "contacted", "qualified"} <= statuses and "converted" not in statuses


def test_demo_seed_refuses_a_database_with_data(runner):
    assert runner.invoke(args=["demo", "seed", "--opportunities", "5"]).exit_code == 0
    again = runner.invoke(args=["demo", "seed", "--opportunities", "5"])
    assert again.exit_code != 0 and "already has data" in again.output
    skipped = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert skipped.exit_code == 0 and "skipped" in skipped.output
