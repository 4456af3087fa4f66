"""Moving cards: the board's drop, the stage selector, lost/won, conflicts, gates, order."""

import json

import pytest
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import Account, Opportunity, PluginEnablement, Source, StageHistory

HTMX = {"HX-Request": "true"}


def board_move(client, opp, stage, **extra):
    data = {"stage_id": stage.id, "version": opp.version, "board": "1", "filters": "owner=all"}
    data.update(extra)
    return client.post(f"/opportunities/{opp.id}/stage", data=data, headers=HTMX)


def reload(opp) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def test_drop_saves_the_move_and_sends_both_columns_totals(
    client, auth, sales_user, pipeline, create_opportunity
):
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    opp = create_opportunity(name="Mover", amount="3000")
    create_opportunity(name="Stayer", amount="1000")
    auth.login(sales_user)
    response = board_move(client, opp, qualification)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'data-stage="{qualification.id}"' in html and "Mover" in html
    assert f'data-version="{reload(opp).version}"' in html
    triggers = json.loads(response.headers["HX-Trigger"])
    assert triggers["boardSettled"] == {"id": opp.id}
    assert triggers["boardTotals"][str(new.id)] == {
        "count": "1 deal",
        "total": "€1K",
        "weighted": "≈ €100",
    }
    assert triggers["boardTotals"][str(qualification.id)] == {
        "count": "1 deal",
        "total": "€3K",
        "weighted": "≈ €600",
    }
    assert reload(opp).stage_id == qualification.id


def test_stale_version_is_refused_and_the_card_comes_back_as_stored(
    client, auth, sales_user, pipeline, create_opportunity
):
    new, qualification, demo = pipeline.stages[:3]
    opp = create_opportunity(name="Contested")
    seen_version = opp.version
    auth.login(sales_user)
    assert board_move(client, opp, demo).status_code == 200  # someone moved it meanwhile
    stored = reload(opp)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={
            "stage_id": qualification.id,
            "version": seen_version,
            "board": "1",
            "origin_stage_id": new.id,  # where the stale board showed it
        },
        headers=HTMX,
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert f'data-stage="{demo.id}"' in html and f'data-version="{stored.version}"' in html
    triggers = json.loads(response.headers["HX-Trigger"])
    assert "changed this deal meanwhile" in triggers["boardAlert"]["message"]
    assert triggers["boardSettled"] == {"id": opp.id}
    counts = {k: v["count"] for k, v in triggers["boardTotals"].items()}
    assert counts == {
        str(new.id): "0 deals",
        str(qualification.id): "0 deals",
        str(demo.id): "1 deal",
    }
    assert reload(opp).stage_id == demo.id and reload(opp).version == stored.version


def test_stale_version_answers_409_outside_the_board_too(
    client, auth, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity()
    auth.login(sales_user)
    stale = opp.version - 1
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": pipeline.stages[1].id, "version": stale},
    )
    assert response.status_code == 409
    assert reload(opp).stage_id == pipeline.stages[0].id


def test_drop_on_lost_asks_for_the_reason_then_closes(
    client, auth, sales_user, pipeline, create_opportunity, lost_reason
):
    lost = pipeline.stage_of_kind("lost")
    opp = create_opportunity(name="Doomed")
    auth.login(sales_user)
    response = board_move(client, opp, lost)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#modal-root"
    html = response.get_data(as_text=True)
    assert "<dialog" in html and "Why was it lost?" in html and "Price too high" in html
    assert f'hx-target="#card-{opp.id}"' in html and 'name="board" value="1"' in html
    assert reload(opp).status == "open"

    response = board_move(client, opp, lost, lost_reason_id=lost_reason.id, lost_note="Too dear")
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    triggers = json.loads(response.headers["HX-Trigger"])
    assert triggers["closeDialog"] and "closed lost" in triggers["boardAlert"]["message"]
    closed = reload(opp)
    assert closed.status == "lost" and closed.lost_reason_id == lost_reason.id
    assert closed.lost_note == "Too dear"


def test_lost_reason_also_accepted_as_lost_reason(
    client, auth, sales_user, pipeline, create_opportunity, lost_reason
):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={
            "stage_id": pipeline.stage_of_kind("lost").id,
            "version": opp.version,
            "lost_reason": lost_reason.id,
        },
    )
    assert response.status_code == 302
    assert reload(opp).status == "lost"


def test_drop_on_won_closes_the_deal_won(client, auth, sales_user, pipeline, create_opportunity):
    opp = create_opportunity(name="Winner", amount="7000")
    auth.login(sales_user)
    response = board_move(client, opp, pipeline.stage_of_kind("won"))
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    triggers = json.loads(response.headers["HX-Trigger"])
    assert triggers["boardAlert"]["message"] == "“Winner” closed won (€7,000)."  # as cards show it
    assert triggers["boardTotals"][str(pipeline.stages[0].id)]["count"] == "0 deals"
    won = reload(opp)
    assert won.status == "won" and won.amount == 7000 and won.closed_at is not None


def test_no_javascript_lost_path_is_a_page_with_the_reason_form(
    client, auth, sales_user, pipeline, create_opportunity, lost_reason
):
    lost = pipeline.stage_of_kind("lost")
    opp = create_opportunity(name="Plain")
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": lost.id, "version": opp.version},
        headers={"Referer": "http://localhost/board?owner=all"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<dialog" not in html and "Why was it lost?" in html
    assert 'name="next" value="/board?owner=all"' in html
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={
            "stage_id": lost.id,
            "version": opp.version,
            "lost_reason_id": lost_reason.id,
            "next": "/board?owner=all",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/board?owner=all"
    assert reload(opp).status == "lost"


def test_keyboard_selector_without_board_marker_gets_the_plain_card(
    client, auth, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": pipeline.stages[2].id, "version": opp.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    # No board events; only the offer to schedule the next activity.
    assert list(json.loads(response.headers["HX-Trigger"])) == ["offerNextActivity"]
    assert f'id="card-{opp.id}"' in response.get_data(as_text=True)


def test_moving_someone_elses_deal_is_refused(
    client, auth, sales_user, create_user, pipeline, create_opportunity
):
    colleague = create_user(email="other@example.com", name="Olga Other", role="sales")
    opp = create_opportunity(owner=colleague)
    auth.login(sales_user)
    response = board_move(client, opp, pipeline.stages[1])
    assert response.status_code == 403
    assert "belongs to someone else" in response.get_data(as_text=True)
    assert reload(opp).stage_id == pipeline.stages[0].id


def test_unknown_stage_is_a_validation_error(client, auth, sales_user, create_opportunity):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": "999", "version": opp.version, "board": "1"},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#board-alerts"
    assert "Unknown stage" in response.get_data(as_text=True)


# --- order within a column ------------------------------------------------------------------


def order_of(stage) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Opportunity.name)
            .where(Opportunity.stage_id == stage.id, Opportunity.status == "open")
            .order_by(Opportunity.position, Opportunity.id)
        )
    )


@pytest.fixture
def column_of_three(create_opportunity, pipeline):
    # Created on top each time: C, B, A from the top.
    return [create_opportunity(name=n) for n in ("A", "B", "C")]


def test_reorder_within_a_column(client, auth, sales_user, pipeline, column_of_three):
    a, b, c = column_of_three
    stage = pipeline.stages[0]
    assert order_of(stage) == ["C", "B", "A"]
    auth.login(sales_user)
    # Positions are consecutive: no gap, the cards below move down.
    assert board_move(client, a, stage, before_id=c.id).status_code == 200
    assert order_of(stage) == ["A", "C", "B"]
    assert board_move(client, reload(a), stage, after_id=b.id).status_code == 200
    assert order_of(stage) == ["C", "B", "A"]
    assert board_move(client, reload(c), stage, after_id=b.id, before_id="").status_code == 200
    assert order_of(stage) == ["B", "C", "A"]
    assert board_move(client, reload(a), stage, before_id=c.id, after_id=b.id).status_code == 200
    assert order_of(stage) == ["B", "A", "C"]


def test_drop_between_two_cards_of_another_column(
    client, auth, sales_user, pipeline, create_opportunity, column_of_three
):
    a, b, c = column_of_three
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    x = create_opportunity(name="X", stage_id=qualification.id)
    y = create_opportunity(name="Y", stage_id=qualification.id)
    assert order_of(qualification) == ["Y", "X"]
    auth.login(sales_user)
    assert board_move(client, b, qualification, before_id=x.id, after_id=y.id).status_code == 200
    assert order_of(qualification) == ["Y", "B", "X"]
    assert order_of(new) == ["C", "A"]
    history = db.session.scalars(
        select(StageHistory.stage_id).where(StageHistory.opportunity_id == b.id)
    ).all()
    assert history == [new.id, qualification.id]


def test_refused_move_leaves_the_order_untouched(
    client, auth, sales_user, pipeline, column_of_three
):
    a, b, c = column_of_three
    stage = pipeline.stages[0]
    auth.login(sales_user)
    before = {o.id: o.position for o in (a, b, c)}
    response = client.post(
        f"/opportunities/{a.id}/stage",
        data={"stage_id": stage.id, "version": a.version - 1, "before_id": c.id, "board": "1"},
        headers=HTMX,
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert {o.id: db.session.get(Opportunity, o.id).position for o in (a, b, c)} == before


# --- stage gates ----------------------------------------------------------------------------


class AmountGate:
    """A test plugin: Qualification and later need an amount (as pipeline_variants will)."""

    @hookimpl
    def opportunity_stage_changing(self, opportunity, from_stage, to_stage, user):
        if to_stage.position >= 1 and to_stage.kind == "open" and not opportunity.amount:
            return [{"message": "Amount is required", "field": "amount"}]
        return []


@pytest.fixture
def amount_gate(app, pipeline):
    app.extensions["opportuno.plugins"].pm.register(AmountGate(), name="test_amount_gate")
    db.session.add(
        PluginEnablement(business_line_id=pipeline.business_line_id, plugin="test_amount_gate")
    )
    db.session.commit()
    return pipeline


def test_gate_dialog_lists_problems_and_completes_the_move(
    client, auth, sales_user, amount_gate, create_opportunity
):
    pipeline = amount_gate
    qualification = pipeline.stages[1]
    opp = create_opportunity(name="No amount", amount="0")
    auth.login(sales_user)
    response = board_move(client, opp, qualification, before_id="", after_id="")
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#modal-root"
    html = response.get_data(as_text=True)
    assert "Amount is required" in html and 'name="field" value="amount"' in html
    assert 'id="gate-amount"' in html
    assert reload(opp).stage_id == pipeline.stages[0].id

    # A bad value: the dialog again, with the problem, the error and the typed value.
    response = board_move(
        client,
        opp,
        qualification,
        field="amount",
        amount="a lot",
        problem="Amount is required",
        dialog="1",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "a lot is not a number in English" in html and 'value="a lot"' in html
    assert "Amount is required" in html
    assert reload(opp).stage_id == pipeline.stages[0].id and reload(opp).amount == 0

    response = board_move(client, reload(opp), qualification, field="amount", amount="8000")
    assert response.status_code == 200
    moved = reload(opp)
    assert moved.stage_id == qualification.id and moved.amount == 8000
    assert json.loads(response.headers["HX-Trigger"])["closeDialog"]


class CommitteeGate:
    """A test plugin: Qualification needs an account, a source and a decision-maker."""

    @hookimpl
    def opportunity_stage_changing(self, opportunity, from_stage, to_stage, user):
        if to_stage.position < 1 or to_stage.kind != "open":
            return []
        missing = []
        if opportunity.account_id is None:
            missing.append({"message": "Account", "field": "account_id"})
        if opportunity.source_id is None:
            missing.append({"message": "Source", "field": "source_id"})
        if "decision_maker" not in {link.role for link in opportunity.contact_links}:
            missing.append({"message": "A decision-maker", "field": "contact_role:decision_maker"})
        return missing


def test_gate_dialog_picks_account_source_and_a_contact_role(
    app, client, auth, sales_user, pipeline, create_opportunity
):
    app.extensions["opportuno.plugins"].pm.register(CommitteeGate(), name="test_committee")
    db.session.add(
        PluginEnablement(business_line_id=pipeline.business_line_id, plugin="test_committee")
    )
    referral = Source(name="Referral")
    db.session.add(referral)
    acme = factories.account("Acme S.p.A.")
    boss = factories.contact(acme, last_name="Bianchi", first_name="Anna")
    qualification = pipeline.stages[1]
    opp = create_opportunity(name="Loose deal")
    auth.login(sales_user)

    response = board_move(client, opp, qualification)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="gate-account_id"' in html and 'id="gate-source_id"' in html
    assert "Referral" in html and 'name="contact_role:decision_maker"' in html
    assert "has no contacts yet" in html  # no account yet: nobody to pick

    # A new account typed, a source, but no decision-maker: refused, nothing half-written.
    response = board_move(
        client,
        opp,
        qualification,
        dialog="1",
        field=["account_id", "source_id", "contact_role:decision_maker"],
        account_id="",
        account_name="Nuova Srl",
        source_id=str(referral.id),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a contact who is decision maker." in html and 'value="Nuova Srl"' in html
    assert reload(opp).account_id is None and reload(opp).source_id is None
    assert db.session.scalar(select(Account).where(Account.name == "Nuova Srl")) is None

    response = board_move(
        client,
        reload(opp),
        qualification,
        dialog="1",
        field=["account_id", "source_id", "contact_role:decision_maker"],
        account_id=str(acme.id),
        source_id=str(referral.id),
        **{"contact_role:decision_maker": str(boss.id)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    moved = reload(opp)
    assert moved.stage_id == qualification.id
    assert moved.account_id == acme.id and moved.source_id == referral.id
    assert [(link.contact_id, link.role) for link in moved.contact_links] == [
        (boss.id, "decision_maker")
    ]


def test_gate_without_javascript_is_a_page(
    client, auth, sales_user, amount_gate, create_opportunity
):
    opp = create_opportunity(amount="0")
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": amount_gate.stages[1].id, "version": opp.version},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Amount is required" in html and "<dialog" not in html and 'id="gate-amount"' in html


def test_board_move_query_count_does_not_grow_with_deals(
    client, auth, sales_user, pipeline, create_opportunity, count_queries
):
    from .test_board import bulk_deals

    opp = create_opportunity()
    auth.login(sales_user)
    stages = pipeline.stages

    def move_counted(stage):
        db.session.expire_all()
        with count_queries() as queries:
            assert board_move(client, reload(opp), stage).status_code == 200
        return len(queries)

    few = move_counted(stages[1])
    bulk_deals(pipeline, sales_user, 300, stage=stages[2])
    many = move_counted(stages[2])
    assert many == few


def test_board_move_reads_the_stages_once(
    client, auth, sales_user, pipeline, create_opportunity, count_queries
):
    """The pipeline's stages are read together: the deal's stage and the target are not
    read one by one before the move is stored (which is read back)."""
    opp = create_opportunity()
    auth.login(sales_user)
    target_id = pipeline.stages[2].id
    data = {"stage_id": target_id, "version": opp.version, "board": "1", "filters": "owner=all"}
    db.session.expire_all()
    with count_queries() as queries:
        response = client.post(f"/opportunities/{opp.id}/stage", data=data, headers=HTMX)
    assert response.status_code == 200
    stored = next(i for i, q in enumerate(queries) if q.startswith("UPDATE opportunities"))
    assert not [q for q in queries[:stored] if "WHERE stages.id = " in q]
    assert reload(opp).stage_id == target_id


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/"])
def test_plain_form_never_redirects_off_site(
    client, auth, sales_user, pipeline, create_opportunity, target
):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": pipeline.stages[1].id, "version": opp.version, "next": target},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/board"
