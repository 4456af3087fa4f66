"""Mass actions on the deals list: one transaction each, permission per deal, a report."""

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tests import factories
from webapp.errors import ConflictError, ValidationError
from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import Note, Opportunity, PluginEnablement, StageHistory, TimelineEntry
from webapp.opportunities import mass

HTMX = {"HX-Request": "true"}


def ids(*deals):
    return mass.Target(ids=[d.id for d in deals])


def reload(opp) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def timeline(opp, action):
    return db.session.scalar(
        select(func.count()).where(
            TimelineEntry.opportunity_id == opp.id, TimelineEntry.action == action
        )
    )


@pytest.fixture
def other_sales(create_user):
    return create_user(email="other@example.com", name="Olga Other", role="sales")


def test_change_stage_moves_editable_deals_and_reports_the_others(
    app, sales_user, other_sales, pipeline, create_opportunity
):
    mine = [create_opportunity(name=f"Mine {n}") for n in range(3)]
    theirs = create_opportunity(name="Theirs", owner=other_sales, user=other_sales)
    target = pipeline.stages[1]
    report = mass.change_stage(sales_user, ids(*mine, theirs), target.id)
    assert report.changed == 3
    assert [o.name for o in report.skipped[mass.NOT_EDITABLE]] == ["Theirs"]
    for opp in mine:
        fresh = reload(opp)
        assert fresh.stage_id == target.id and fresh.version == 2
        assert timeline(fresh, "stage") == 1
        open_rows = db.session.scalars(
            select(StageHistory).where(
                StageHistory.opportunity_id == opp.id, StageHistory.left_at.is_(None)
            )
        ).all()
        assert [h.stage_id for h in open_rows] == [target.id]
    assert factories.visit_days_kept()
    assert reload(theirs).stage_id == pipeline.stages[0].id and timeline(theirs, "stage") == 0


class NeedsAmount:
    @hookimpl
    def opportunity_stage_changing(self, opportunity, from_stage, to_stage, user):
        if to_stage.position >= 1 and to_stage.kind == "open" and not opportunity.amount:
            return [{"message": "Amount is required", "field": "amount"}]
        return []


@pytest.fixture
def amount_gate(app, pipeline):
    app.extensions["opportuno.plugins"].pm.register(NeedsAmount(), name="test_mass_gate")
    db.session.add(
        PluginEnablement(business_line_id=pipeline.business_line_id, plugin="test_mass_gate")
    )
    db.session.commit()
    yield pipeline
    app.extensions["opportuno.plugins"].pm.unregister(name="test_mass_gate")


def test_gated_deals_are_listed_not_moved(sales_user, amount_gate, create_opportunity):
    ready = create_opportunity(name="Ready", amount="500")
    empty = create_opportunity(name="Empty", amount="0")
    report = mass.change_stage(sales_user, ids(ready, empty), amount_gate.stages[1].id)
    assert report.changed == 1
    (reason,) = report.skipped
    assert "gate" in reason and [o.name for o in report.skipped[reason]] == ["Empty"]
    assert report.details[empty.id] == "Amount is required"
    assert reload(empty).stage_id == amount_gate.stages[0].id
    assert reload(ready).stage_id == amount_gate.stages[1].id


def test_lost_needs_one_reason_for_all(sales_user, pipeline, lost_reason, create_opportunity):
    deals = [create_opportunity(name=f"D{n}") for n in range(2)]
    lost = pipeline.stage_of_kind("lost")
    with pytest.raises(ValidationError) as refused:
        mass.change_stage(sales_user, ids(*deals), lost.id)
    assert "lost_reason_id" in refused.value.errors
    assert all(reload(d).status == "open" for d in deals)
    report = mass.change_stage(sales_user, ids(*deals), lost.id, lost_reason.id, "Budget cut")
    assert report.changed == 2
    for opp in deals:
        fresh = reload(opp)
        assert (fresh.status, fresh.lost_reason_id, fresh.lost_note) == (
            "lost",
            lost_reason.id,
            "Budget cut",
        )
        assert timeline(fresh, "lost") == 1


def test_change_owner_follows_the_sales_group_rule(
    sales_user, manager, other_sales, create_user, create_opportunity
):
    outsider = create_user(email="nosales@example.com", name="Not Sales", role="sales", sales=False)
    deals = [create_opportunity(name=f"D{n}") for n in range(2)]
    report = mass.change_owner(manager, ids(*deals), outsider.id)
    assert report.changed == 0 and report.skipped_count == 2
    assert all(reload(d).owner_id == sales_user.id for d in deals)
    report = mass.change_owner(manager, ids(*deals), other_sales.id)
    assert report.changed == 2
    assert all(reload(d).owner_id == other_sales.id for d in deals)
    assert all(timeline(d, "updated") >= 1 for d in deals)


def test_tags_close_date_and_note(sales_user, create_opportunity):
    hot, cold = factories.tag("Hot"), factories.tag("Cold")
    deals = [create_opportunity(name=f"D{n}") for n in range(3)]
    assert mass.change_tags(sales_user, ids(*deals), [hot.id, cold.id], add=True).changed == 3
    assert {t.name for t in reload(deals[0]).tags} == {"Hot", "Cold"}
    report = mass.change_tags(sales_user, ids(*deals), [cold.id], add=False)
    assert report.changed == 3 and [t.name for t in reload(deals[1]).tags] == ["Hot"]
    assert mass.set_close_date(sales_user, ids(*deals), "2027-03-31").changed == 3
    assert str(reload(deals[2]).close_date) == "2027-03-31"
    assert mass.add_note(sales_user, ids(*deals), "Called them all").changed == 3
    notes = db.session.scalars(select(Note.opportunity_id).where(Note.body == "Called them all"))
    assert sorted(notes) == sorted(d.id for d in deals)
    assert all(timeline(d, "note") == 1 for d in deals)


def test_trash_follows_can_delete(sales_user, manager, create_opportunity):
    deals = [create_opportunity(name=f"D{n}") for n in range(2)]
    report = mass.trash(sales_user, ids(*deals))
    assert report.changed == 0 and mass.NOT_DELETABLE in report.skipped
    assert all(reload(d).deleted_at is None for d in deals)
    assert mass.trash(manager, ids(*deals)).changed == 2
    for opp in deals:
        fresh = reload(opp)
        assert fresh.deleted_at is not None and fresh.deleted_by_id == manager.id
        assert timeline(fresh, "deleted") == 1


def test_all_matching_uses_the_list_filter(sales_user, manager, create_opportunity):
    create_opportunity(name="Alpha one")
    create_opportunity(name="Alpha two")
    other = create_opportunity(name="Beta")
    target = mass.Target(matching=True, filters=MultiDict({"q": "alpha", "owner": "all"}))
    assert mass.count(manager, target) == 2
    assert mass.set_close_date(manager, target, "2027-01-15").changed == 2
    assert str(reload(other).close_date) != "2027-01-15"


def test_an_unexpected_error_midway_writes_nothing(
    app, sales_user, pipeline, create_opportunity, monkeypatch
):
    deals = [create_opportunity(name=f"D{n}") for n in range(3)]
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(mass, "record", failing)
    with pytest.raises(RuntimeError):
        mass.set_close_date(sales_user, ids(*deals), "2027-05-05")
    assert all(str(reload(d).close_date) != "2027-05-05" for d in deals)
    assert all(reload(d).version == 1 for d in deals)


def test_a_deal_changed_meanwhile_rolls_everything_back(sales_user, create_opportunity):
    deals = [create_opportunity(name=f"D{n}") for n in range(2)]
    loaded = mass._load

    def stale(user, target, *options):
        rows = loaded(user, target, *options)
        db.session.execute(  # someone else saves the second deal after we read it
            Opportunity.__table__.update()
            .where(Opportunity.id == deals[1].id)
            .values(version=Opportunity.__table__.c.version + 1)
        )
        return rows

    mass._load = stale
    try:
        with pytest.raises(ConflictError):
            mass.set_close_date(sales_user, ids(*deals), "2027-06-06")
    finally:
        mass._load = loaded
    assert all(str(reload(d).close_date) != "2027-06-06" for d in deals)


@pytest.mark.parametrize(
    "action",
    [
        lambda user, target, pipeline: mass.change_stage(user, target, pipeline.stages[1].id),
        lambda user, target, pipeline: mass.set_close_date(user, target, "2031-01-31"),
        lambda user, target, pipeline: mass.change_tags(user, target, ["1"], add=True),
        lambda user, target, pipeline: mass.add_note(user, target, "Hello"),
    ],
    ids=["stage", "close_date", "tags", "note"],
)
def test_statements_do_not_grow_with_deals(
    action, sales_user, pipeline, create_opportunity, count_queries
):
    """Reads and writes are batched: the same statements for 3 deals and for 12."""
    assert factories.tag("Bulk").id == 1

    def run(n):
        target = ids(*[create_opportunity(name=f"N{n}-{i}") for i in range(n)])
        with count_queries() as statements:
            assert action(sales_user, target, pipeline).changed == n
        return len(statements)

    assert run(3) == run(12)


def test_views_confirm_with_count_then_report(
    client, auth, sales_user, pipeline, create_opportunity
):
    deals = [create_opportunity(name=f"Deal {n}") for n in range(2)]
    auth.login(sales_user)
    form = {"action": "stage", "ids": [d.id for d in deals], "f.owner": "me"}
    html = client.post("/opportunities/mass/confirm", data=form, headers=HTMX).get_data(True)
    assert "Change the stage of 2 deals?" in html and 'name="stage_id"' in html
    refused = client.post("/opportunities/mass", data=form, headers=HTMX)
    assert refused.status_code == 422 and "Choose a stage" in refused.get_data(True)
    done = client.post(
        "/opportunities/mass", data={**form, "stage_id": pipeline.stages[2].id}, headers=HTMX
    )
    assert done.status_code == 200 and done.headers["HX-Retarget"] == "#mass-report"
    assert "2 deals changed" in done.get_data(True)
    assert all(reload(d).stage_id == pipeline.stages[2].id for d in deals)
    page = client.get("/opportunities").get_data(True)
    assert 'id="mass-form"' in page and 'form="mass-form"' in page


def _lost_fields(html: str) -> str:
    """The opening tag of the lost reason's fields in the stage dialog."""
    return html.split("data-lost-fields", 1)[1].split(">", 1)[0]


def test_lost_fields_show_only_for_a_lost_stage_and_are_still_required(
    client, auth, sales_user, pipeline, lost_reason, create_opportunity
):
    deals = [create_opportunity(name=f"Deal {n}") for n in range(2)]
    lost = pipeline.stage_of_kind("lost")
    auth.login(sales_user)
    form = {"action": "stage", "ids": [d.id for d in deals]}
    html = client.post("/opportunities/mass/confirm", data=form, headers=HTMX).get_data(True)
    assert " hidden" in _lost_fields(html)
    assert f'value="{lost.id}" data-kind="lost"' in html  # what mass.js follows
    refused = client.post("/opportunities/mass", data={**form, "stage_id": lost.id})
    html = refused.get_data(True)
    assert refused.status_code == 422 and "Say why these deals were lost." in html
    assert " hidden" not in _lost_fields(html)  # without JS: the refusal shows the fields
    assert all(reload(d).stage_id == pipeline.stages[0].id for d in deals)
    other = client.post(
        "/opportunities/mass", data={**form, "stage_id": "999999"}, headers=HTMX
    ).get_data(True)
    assert " hidden" in _lost_fields(other)
    done = client.post(
        "/opportunities/mass",
        data={**form, "stage_id": lost.id, "lost_reason_id": lost_reason.id},
        headers=HTMX,
    )
    assert done.status_code == 200
    assert all(
        (reload(d).status, reload(d).lost_reason_id) == ("lost", lost_reason.id) for d in deals
    )
