"""Pipeline variants: templates instantiated per business line, stage gates, the editor."""

import pytest
from sqlalchemy import func, select

from plugins.pipeline_variants import catalog, gates, services
from tests import factories
from webapp.admin.services import set_plugin_enabled
from webapp.errors import GateError, PermissionDenied, ValidationError
from webapp.extensions import db
from webapp.models import OpportunityContact, Pipeline, Stage, StageHistory, TimelineEntry
from webapp.opportunities.services import move_stage, update_opportunity

PLUGIN = "pipeline_variants"


@pytest.fixture
def enabled(business_line):
    set_plugin_enabled(None, business_line.id, PLUGIN, True)
    return business_line


@pytest.fixture
def brevo(enabled, admin):
    """A pipeline instantiated from the Brevo template (with its gates)."""
    return services.instantiate(admin, enabled.id, "brevo")


def stage(pipeline, name) -> Stage:
    return next(s for s in pipeline.stages if s.name == name)


# --- templates ------------------------------------------------------------------------------


def test_templates_cover_brevo_vtiger_keap_and_renewals():
    keys = {t["key"] for t in catalog.TEMPLATES}
    assert keys == {"brevo", "vtiger", "keap", "renewals"}
    for template in catalog.TEMPLATES:
        kinds = [s.get("kind", "open") for s in template["stages"]]
        assert kinds.count("won") == 1 and kinds.count("lost") == 1
        for s in template["stages"]:
            assert 0 <= s["probability"] <= 100
            assert all(gates.valid(r) for r in s.get("requirements") or ())


def test_brevo_template_keeps_the_seed_002_stages_and_probabilities(brevo):
    assert [s.name for s in brevo.stages] == [
        "New", "Qualification", "Demo scheduled", "Awaiting commitment", "Negotiation",
        "Won", "Lost",
    ]  # fmt: skip
    assert stage(brevo, "Demo scheduled").probability == 25
    assert stage(brevo, "Negotiation").requirements == ["amount", "close_date"]
    assert stage(brevo, "Awaiting commitment").requirements == ["contact_role:decision_maker"]
    assert brevo.template == "brevo"


def test_several_pipelines_per_business_line(enabled, admin, pipeline):
    keap = services.instantiate(admin, enabled.id, "keap", "Partners")
    renewals = services.instantiate(admin, enabled.id, "renewals")
    assert keap.name == "Partners" and renewals.name == "Renewals and services"
    assert not keap.is_default and pipeline.is_default
    count = db.session.scalar(
        select(func.count()).select_from(Pipeline).where(Pipeline.business_line_id == enabled.id)
    )
    assert count == 3
    services.make_default(admin, renewals)
    db.session.refresh(pipeline)
    assert renewals.is_default and not pipeline.is_default


def test_instantiating_needs_the_plugin_enabled_in_that_line(business_line, admin):
    with pytest.raises(PermissionDenied):
        services.instantiate(admin, business_line.id, "vtiger")


def test_sales_users_may_not_instantiate(enabled, sales_user):
    with pytest.raises(PermissionDenied):
        services.instantiate(sales_user, enabled.id, "vtiger")


def test_unknown_template_is_refused(enabled, admin):
    with pytest.raises(ValidationError) as exc:
        services.instantiate(admin, enabled.id, "nope")
    assert "template" in exc.value.errors


# --- gates ----------------------------------------------------------------------------------


def test_gate_refuses_move_with_the_missing_fields(brevo, admin, create_opportunity):
    opp = create_opportunity(stage_id=stage(brevo, "New").id, amount="", close_date="", user=admin)
    with pytest.raises(GateError) as exc:
        move_stage(admin, opp, stage(brevo, "Negotiation").id, opp.version)
    err = exc.value
    assert err.fields == ["contact_role:decision_maker", "amount", "close_date"]
    assert "Amount" in err.problems and "Expected close date" in err.problems
    # passing "Awaiting commitment" on the way also needs a decision-maker
    assert "A contact who is decision-maker" in err.problems
    db.session.refresh(opp)
    assert opp.stage.name == "New"  # nothing written


def test_gate_opens_once_the_fields_are_filled(brevo, admin, create_opportunity):
    opp = create_opportunity(stage_id=stage(brevo, "Awaiting commitment").id, amount="", user=admin)
    update_opportunity(admin, opp, {"amount": "5000", "close_date": "2030-01-31"}, opp.version)
    move_stage(admin, opp, stage(brevo, "Negotiation").id, opp.version)
    assert opp.stage.name == "Negotiation"


def test_decision_maker_gate(brevo, admin, create_opportunity):
    opp = create_opportunity(stage_id=stage(brevo, "Demo scheduled").id, user=admin)
    with pytest.raises(GateError) as exc:
        move_stage(admin, opp, stage(brevo, "Awaiting commitment").id)
    assert exc.value.fields == ["contact_role:decision_maker"]  # the dialog asks for it
    contact = factories.contact(last_name="Bianchi")
    db.session.add(OpportunityContact(opportunity=opp, contact=contact, role="decision_maker"))
    db.session.commit()
    move_stage(admin, opp, stage(brevo, "Awaiting commitment").id)
    assert opp.stage.name == "Awaiting commitment"


def test_lost_is_never_gated(brevo, admin, create_opportunity, lost_reason):
    opp = create_opportunity(stage_id=stage(brevo, "New").id, amount="", close_date="", user=admin)
    move_stage(admin, opp, stage(brevo, "Lost").id, lost_reason_id=lost_reason.id)
    assert opp.status == "lost"


def test_moving_back_checks_only_the_target(brevo, admin, create_opportunity):
    opp = create_opportunity(stage_id=stage(brevo, "New").id, amount="", user=admin)
    move_stage(admin, opp, stage(brevo, "Qualification").id)
    assert opp.stage.name == "Qualification"
    move_stage(admin, opp, stage(brevo, "New").id)
    assert opp.stage.name == "New"


def test_gates_apply_only_where_the_plugin_is_enabled(business_line, admin, create_opportunity):
    set_plugin_enabled(None, business_line.id, PLUGIN, True)
    gated = services.instantiate(admin, business_line.id, "brevo")
    set_plugin_enabled(None, business_line.id, PLUGIN, False)
    opp = create_opportunity(stage_id=stage(gated, "New").id, amount="", user=admin)
    move_stage(admin, opp, stage(gated, "Negotiation").id)  # the gate is off with the plugin
    assert opp.stage.name == "Negotiation"


def test_gate_through_the_http_move_answers_422_with_the_list(
    brevo, admin, create_opportunity, client, auth
):
    opp = create_opportunity(stage_id=stage(brevo, "New").id, amount="", close_date="", user=admin)
    auth.login(admin)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": stage(brevo, "Negotiation").id, "version": opp.version},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Amount" in page and "Expected close date" in page


# --- editor services ------------------------------------------------------------------------


def test_add_rename_and_reorder_stages(brevo, admin):
    added = services.add_stage(admin, brevo, {"name": "Proposal", "probability": "60"})
    names = [s.name for s in brevo.stages]
    assert names.index("Proposal") == names.index("Negotiation") + 1
    assert names[-2:] == ["Won", "Lost"]
    services.update_stage(
        admin,
        added,
        {
            "name": "Proposal sent",
            "probability": "65",
            "rotting_days": "10",
            "requirements": ["amount", ""],
        },
    )
    assert (added.name, added.probability, added.rotting_days) == ("Proposal sent", 65, 10)
    assert added.requirements == ["amount"]
    open_ids = [s.id for s in brevo.stages if s.kind == "open"]
    services.reorder_stages(admin, brevo, list(reversed(open_ids)))
    assert [s.id for s in brevo.stages if s.kind == "open"] == list(reversed(open_ids))
    assert [s.kind for s in brevo.stages][-2:] == ["won", "lost"]
    assert [s.position for s in brevo.stages] == list(range(len(brevo.stages)))


def test_reorder_must_list_every_open_stage(brevo, admin):
    open_ids = [s.id for s in brevo.stages if s.kind == "open"]
    with pytest.raises(ValidationError):
        services.reorder_stages(admin, brevo, open_ids[:-1])
    won = brevo.stage_of_kind("won")
    with pytest.raises(ValidationError):
        services.reorder_stages(admin, brevo, [won.id, *open_ids[1:]])


def test_stage_form_errors_change_nothing(brevo, admin):
    new = stage(brevo, "New")
    with pytest.raises(ValidationError) as exc:
        services.update_stage(admin, new, {"name": "", "probability": "140", "rotting_days": "x"})
    assert set(exc.value.errors) == {"name", "probability", "rotting_days"}
    db.session.refresh(new)
    assert (new.name, new.probability) == ("New", 10)
    with pytest.raises(ValidationError):
        services.update_stage(admin, new, {"name": "New", "requirements": ["bogus"]})


def test_probability_change_follows_deals_not_overridden(brevo, admin, create_opportunity):
    first = stage(brevo, "New")
    following = create_opportunity(stage_id=first.id, user=admin)
    fixed = create_opportunity(stage_id=first.id, probability="33", user=admin)
    services.update_stage(admin, first, {"name": "New", "probability": "15"})
    db.session.refresh(following)
    db.session.refresh(fixed)
    assert following.probability == 15 and fixed.probability == 33
    entries = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.field == "probability")
    ).all()
    assert [(e.opportunity_id, e.old_value, e.new_value) for e in entries] == [
        (following.id, "10", "15")
    ]


def test_delete_an_empty_stage(brevo, admin):
    demo = stage(brevo, "Demo scheduled")
    assert services.delete_stage(admin, demo) == 0
    assert "Demo scheduled" not in [s.name for s in brevo.stages]
    assert [s.position for s in brevo.stages] == list(range(6))


def test_delete_a_stage_with_deals_needs_a_target(brevo, admin, create_opportunity):
    qualification = stage(brevo, "Qualification")
    opp = create_opportunity(stage_id=qualification.id, user=admin)
    with pytest.raises(ValidationError) as exc:
        services.delete_stage(admin, qualification)
    assert "1 deal is in Qualification" in exc.value.errors["move_to"]
    with pytest.raises(ValidationError):
        services.delete_stage(admin, qualification, brevo.stage_of_kind("won").id)
    new = stage(brevo, "New")
    assert services.delete_stage(admin, qualification, new.id) == 1
    db.session.refresh(opp)
    assert opp.stage_id == new.id and opp.probability == new.probability
    history = db.session.scalars(
        select(StageHistory).where(StageHistory.opportunity_id == opp.id)
    ).all()
    assert {h.stage_id for h in history} == {new.id}
    assert factories.visit_days_kept()
    entry = db.session.scalars(
        select(TimelineEntry).where(
            TimelineEntry.opportunity_id == opp.id, TimelineEntry.action == "stage"
        )
    ).one()
    assert entry.old_value == "Qualification" and entry.new_value == "New"


def test_won_and_lost_stages_cannot_be_deleted(brevo, admin):
    with pytest.raises(ValidationError):
        services.delete_stage(admin, brevo.stage_of_kind("won"))


def test_delete_pipeline_only_when_it_never_held_deals(brevo, admin, create_opportunity):
    keap = services.instantiate(admin, brevo.business_line_id, "keap")
    create_opportunity(stage_id=stage(brevo, "New").id, user=admin)
    with pytest.raises(ValidationError):
        services.delete_pipeline(admin, brevo)
    services.delete_pipeline(admin, keap)
    assert db.session.get(Pipeline, keap.id) is None


def test_gate_choices_have_labels():
    labels = dict(gates.choices())
    assert labels["amount"] == "Amount"
    assert labels["contact_role:decision_maker"] == "A contact who is decision-maker"


# --- editor views ---------------------------------------------------------------------------


def test_editor_pages(brevo, admin, client, auth, count_queries):
    auth.login(admin)
    index = client.get("/admin/pipelines/")
    assert index.status_code == 200
    assert "Sales (Brevo default)" in index.get_data(as_text=True)
    with count_queries() as queries:
        page = client.get(f"/admin/pipelines/{brevo.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-sortable-stages" in html and "Awaiting commitment" in html
    assert len(queries) < 20


def test_editor_htmx_add_stage_and_errors_keep_input(brevo, admin, client, auth):
    auth.login(admin)
    htmx = {"HX-Request": "true"}
    bad = client.post(
        f"/admin/pipelines/{brevo.id}/stages",
        data={"name": "Trial", "probability": "abc"},
        headers=htmx,
    )
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert 'value="Trial"' in body and "abc is not a number in English" in body
    ok = client.post(
        f"/admin/pipelines/{brevo.id}/stages",
        data={"name": "Trial", "probability": "30"},
        headers=htmx,
    )
    assert ok.status_code == 200 and "Trial" in ok.get_data(as_text=True)


def test_editor_htmx_reorder_rename_and_delete(brevo, admin, client, auth):
    auth.login(admin)
    htmx = {"HX-Request": "true"}
    open_ids = [s.id for s in brevo.stages if s.kind == "open"]
    order = ",".join(str(i) for i in [open_ids[1], open_ids[0], *open_ids[2:]])
    assert (
        client.post(
            f"/admin/pipelines/{brevo.id}/stages/order", data={"order": order}, headers=htmx
        ).status_code
        == 200
    )
    db.session.expire_all()
    assert db.session.get(Stage, open_ids[1]).position == 0
    renamed = client.post(f"/admin/pipelines/{brevo.id}", data={"name": "Enterprise"}, headers=htmx)
    assert renamed.status_code == 200 and "Enterprise" in renamed.get_data(as_text=True)
    empty = client.post(f"/admin/pipelines/{brevo.id}", data={"name": " "}, headers=htmx)
    assert empty.status_code == 422
    dialog = client.get(f"/admin/pipelines/stages/{open_ids[2]}/delete", headers=htmx)
    assert "<dialog" in dialog.get_data(as_text=True)
    deleted = client.post(f"/admin/pipelines/stages/{open_ids[2]}/delete", headers=htmx)
    assert deleted.status_code == 200 and deleted.headers["HX-Trigger"] == "closeDialog"
    assert db.session.get(Stage, open_ids[2]) is None


def test_editor_forbidden_to_sales_users(brevo, sales_user, client, auth):
    auth.login(sales_user)
    assert client.get(f"/admin/pipelines/{brevo.id}").status_code == 403
    assert client.post(f"/admin/pipelines/{brevo.id}/stages", data={"name": "X"}).status_code == 403


def test_unknown_pipeline_is_404(enabled, admin, client, auth):
    auth.login(admin)
    assert client.get("/admin/pipelines/999").status_code == 404


def test_pipelines_index_query_count_does_not_grow_with_pipelines(
    brevo, admin, client, auth, count_queries
):
    auth.login(admin)
    db.session.expire_all()
    with count_queries() as few:
        client.get("/admin/pipelines/")
    for key in ("vtiger", "keap", "renewals"):
        services.instantiate(admin, brevo.business_line_id, key)
    db.session.expire_all()
    with count_queries() as many:
        page = client.get("/admin/pipelines/").get_data(as_text=True)
    assert page.count("data-pipeline=") == 4
    assert len(many) == len(few)
