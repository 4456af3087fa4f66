"""One user intent = one transaction: refused moves write nothing (gate answers included),
a successful intent takes one version step, and a stale version is a conflict wherever it
surfaces (at an autoflush, at the flush, at the commit)."""

import json

import pytest
from sqlalchemy import func, select, text

from tests import factories
from webapp.errors import ConflictError
from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import (
    Account,
    Opportunity,
    OpportunityContact,
    PluginEnablement,
    StageHistory,
    TimelineEntry,
)
from webapp.opportunities import services

HTMX = {"HX-Request": "true"}


def reload(opp) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def snapshot(opp) -> tuple:
    """What a refused intent must leave as it was."""
    current = reload(opp)
    return (
        current.version,
        current.stage_id,
        current.amount,
        current.position,
        current.account_id,
        db.session.scalar(select(func.count()).select_from(TimelineEntry)),
        db.session.scalar(select(func.count()).select_from(StageHistory)),
        db.session.scalar(select(func.count()).select_from(OpportunityContact)),
        db.session.scalar(select(func.count()).select_from(Account)),
        tuple(db.session.scalars(select(Opportunity.position).order_by(Opportunity.id))),
    )


class BigDealGate:
    """A test plugin: Qualification needs an amount of at least 10,000 and a decision-maker."""

    @hookimpl
    def opportunity_stage_changing(self, opportunity, from_stage, to_stage, user):
        if to_stage.position < 1 or to_stage.kind != "open":
            return []
        problems = []
        if (opportunity.amount or 0) < 10000:
            problems.append({"message": "An amount of at least 10,000", "field": "amount"})
        if "decision_maker" not in {link.role for link in opportunity.contact_links}:
            problems.append({"message": "A decision-maker", "field": "contact_role:decision_maker"})
        return problems


@pytest.fixture
def gate(app, pipeline):
    app.extensions["opportuno.plugins"].pm.register(BigDealGate(), name="test_big_deal_gate")
    db.session.add(
        PluginEnablement(business_line_id=pipeline.business_line_id, plugin="test_big_deal_gate")
    )
    db.session.commit()
    return pipeline


@pytest.fixture
def gated_deal(gate, create_opportunity):
    account = factories.account("Fiume Foods")
    boss = factories.contact(account, first_name="Anna", last_name="Bianchi")
    opp = create_opportunity(name="Gated", amount="100", account_id=account.id)
    return opp, boss


def move(client, opp, stage, **extra):
    data = {"stage_id": stage.id, "version": opp.version, "board": "1", "filters": "owner=all"}
    data.update(extra)
    return client.post(f"/opportunities/{opp.id}/stage", data=data, headers=HTMX)


def test_gate_answers_of_a_refused_move_are_not_saved(client, auth, sales_user, gate, gated_deal):
    """The answers fill the amount and a role, but the amount is still too small: the gate
    refuses the move and neither the amount nor the contact role is kept."""
    opp, boss = gated_deal
    auth.login(sales_user)
    before = snapshot(opp)
    response = move(
        client,
        opp,
        gate.stages[1],
        dialog="1",
        field=["amount", "contact_role:decision_maker"],
        amount="5000",
        **{"contact_role:decision_maker": str(boss.id)},
    )
    assert response.status_code == 422
    assert "An amount of at least 10,000" in response.text
    assert snapshot(opp) == before


def test_gate_answers_with_a_stale_version_are_not_saved(
    client, auth, sales_user, gate, gated_deal
):
    opp, boss = gated_deal
    services.update_opportunity(sales_user, opp, {"description": "changed elsewhere"})
    auth.login(sales_user)
    before = snapshot(opp)
    response = move(
        client,
        opp,
        gate.stages[1],
        version=str(before[0] - 1),
        dialog="1",
        field=["amount", "contact_role:decision_maker"],
        amount="20000",
        **{"contact_role:decision_maker": str(boss.id)},
    )
    assert response.status_code == 409
    assert snapshot(opp) == before


def test_gate_answers_on_someone_elses_deal_are_not_saved(
    client, auth, create_user, gate, gated_deal
):
    opp, boss = gated_deal
    other = create_user(email="other@example.com", name="Olga Other", role="sales")
    auth.login(other)
    before = snapshot(opp)
    response = move(
        client,
        opp,
        gate.stages[1],
        dialog="1",
        field=["amount", "contact_role:decision_maker"],
        amount="20000",
        **{"contact_role:decision_maker": str(boss.id)},
    )
    assert response.status_code in (403, 404)
    assert snapshot(opp) == before


def test_answered_gate_move_is_one_version_step(client, auth, sales_user, gate, gated_deal):
    opp, boss = gated_deal
    auth.login(sales_user)
    version = reload(opp).version
    response = move(
        client,
        opp,
        gate.stages[1],
        dialog="1",
        field=["amount", "contact_role:decision_maker"],
        amount="20000",
        **{"contact_role:decision_maker": str(boss.id)},
    )
    assert response.status_code == 200, response.text
    moved = reload(opp)
    assert moved.stage_id == gate.stages[1].id and moved.amount == 20000
    assert [(ln.contact_id, ln.role) for ln in moved.contact_links] == [(boss.id, "decision_maker")]
    assert moved.version == version + 1
    assert f'data-version="{moved.version}"' in response.text


def test_drop_between_cards_is_one_version_step(
    client, auth, sales_user, pipeline, create_opportunity
):
    target = pipeline.stages[1]
    upper = create_opportunity(name="Upper", stage_id=target.id)
    lower = create_opportunity(name="Lower", stage_id=target.id)
    card = create_opportunity(name="Dropped")
    # No gap between the two: placing the card between them shifts the cards below it.
    db.session.execute(
        text("UPDATE opportunities SET position = 0 WHERE id IN (:a, :b)"),
        {"a": upper.id, "b": lower.id},
    )
    db.session.commit()
    auth.login(sales_user)
    version = reload(card).version
    response = move(client, reload(card), target, before_id=str(lower.id))
    assert response.status_code == 200, response.text
    moved = reload(card)
    assert moved.stage_id == target.id and moved.version == version + 1
    order = db.session.scalars(
        select(Opportunity.name)
        .where(Opportunity.stage_id == target.id)
        .order_by(Opportunity.position, Opportunity.id)
    ).all()
    assert order == ["Upper", "Dropped", "Lower"]


def test_stale_version_at_autoflush_is_a_conflict(app, sales_user, pipeline, create_opportunity):
    """Another transaction commits a change after this one read the deal: the write is
    refused with ConflictError even though the UPDATE first runs at an autoflush (the
    position lookup of the move), and nothing of it is kept."""
    opp = create_opportunity(name="Raced")
    read = reload(opp)
    version = read.version
    with db.engine.connect() as other:  # a second connection: another worker's commit
        other.execute(
            text("UPDATE opportunities SET version = version + 1, name = 'Won race' WHERE id = :i"),
            {"i": opp.id},
        )
        other.commit()
    with pytest.raises(ConflictError) as raised:
        services.move_stage(sales_user, read, pipeline.stages[2].id, version)
    assert raised.value.current.name == "Won race"
    stored = reload(opp)
    assert stored.stage_id == pipeline.stages[0].id and stored.version == version + 1


def test_a_nested_failure_rolls_back_the_whole_intent(sales_user, pipeline, create_opportunity):
    """Lead conversion style: a service calling services commits once; when the last step
    fails, what the first steps wrote is gone too."""
    from webapp.transactions import intent

    opp = create_opportunity(name="Nested")
    version = reload(opp).version
    with pytest.raises(ConflictError), intent():
        services.update_opportunity(sales_user, opp, {"description": "first step"})
        services.update_opportunity(sales_user, opp, {"amount": "5"}, version="999")
    stored = reload(opp)
    assert stored.description is None and stored.amount == 1000 and stored.version == version


# --- the opportunity page's move ------------------------------------------------------------


def page_move(client, opp, stage, **extra):
    data = {"stage_id": stage.id, "version": opp.version, "deal": "1"}
    data.update(extra)
    return client.post(f"/opportunities/{opp.id}/stage", data=data, headers=HTMX)


def test_page_move_answers_the_header_out_of_band(
    client, auth, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity(name="Page move")
    auth.login(sales_user)
    response = page_move(client, opp, pipeline.stages[2])
    assert response.status_code == 200
    moved = reload(opp)
    assert moved.stage_id == pipeline.stages[2].id
    assert 'id="deal-header"' in response.text and 'hx-swap-oob="true"' in response.text
    assert f'data-version="{moved.version}"' in response.text
    assert "card-" not in response.text  # not a board card
    triggers = json.loads(response.headers["HX-Trigger"])
    assert triggers["dealChanged"] and triggers["closeDialog"]


def test_page_lost_asks_for_the_reason_in_the_board_dialog(
    client, auth, sales_user, pipeline, lost_reason, create_opportunity
):
    opp = create_opportunity(name="Page lost")
    lost = pipeline.stage_of_kind("lost")
    auth.login(sales_user)
    before = snapshot(opp)
    response = page_move(client, opp, lost)
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#modal-root"
    html = response.text
    assert "<dialog" in html and f'<option value="{lost_reason.id}">' in html
    assert 'name="deal" value="1"' in html and 'hx-target="#stage-feedback"' in html
    assert snapshot(opp) == before

    response = page_move(client, opp, lost, dialog="1", lost_reason_id=str(lost_reason.id))
    assert response.status_code == 200
    closed = reload(opp)
    assert closed.status == "lost" and closed.lost_reason_id == lost_reason.id
    assert 'hx-swap-oob="true"' in response.text and "Price too high" in response.text


def test_page_gate_opens_the_fill_in_dialog(client, auth, sales_user, gate, gated_deal):
    opp, boss = gated_deal
    auth.login(sales_user)
    response = page_move(client, opp, gate.stages[1])
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#modal-root"
    assert 'id="gate-amount"' in response.text and 'hx-target="#stage-feedback"' in response.text
    response = page_move(
        client,
        opp,
        gate.stages[1],
        dialog="1",
        field=["amount", "contact_role:decision_maker"],
        amount="12000",
        **{"contact_role:decision_maker": str(boss.id)},
    )
    assert response.status_code == 200, response.text
    assert reload(opp).stage_id == gate.stages[1].id and reload(opp).amount == 12000


def test_page_move_with_a_stale_version_shows_the_current_header(
    client, auth, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity(name="Stale page")
    stale = reload(opp).version
    services.update_opportunity(sales_user, opp, {"name": "Renamed meanwhile"})
    auth.login(sales_user)
    before = snapshot(opp)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": pipeline.stages[2].id, "version": str(stale), "deal": "1"},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert "Someone else changed this deal" in response.text
    assert "Renamed meanwhile" in response.text and 'hx-swap-oob="true"' in response.text
    assert snapshot(opp) == before
