"""Renewals plugin: duplication kinds, cloners, lineage chains, bulk and automatic renewals."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from plugins.renewals import bulk, services
from plugins.renewals.cloners import OpportunityCloner, ordered
from plugins.renewals.lineage import account_chains, chain_of
from plugins.renewals.models import DealLink, RenewalPolicy
from plugins.renewals.terms import add_months, default_name, term_end
from tests import factories
from webapp.errors import PermissionDenied, ValidationError
from webapp.extensions import db
from webapp.models import (
    Document,
    Note,
    Opportunity,
    OpportunityAccount,
    OpportunityContact,
    PluginEnablement,
    TimelineEntry,
)
from webapp.opportunities.services import add_line, close_won, delete_opportunity


def enable(line, plugin="renewals"):
    db.session.add(PluginEnablement(business_line_id=line.id, plugin=plugin, enabled=True))
    db.session.commit()


@pytest.fixture
def enabled(business_line):
    enable(business_line)
    return business_line


@pytest.fixture
def won_deal(enabled, create_opportunity, sales_user, manager):
    """A won deal of Acme with contacts, a partner, a product line, a tag, a note, a term."""
    acme = factories.account("Acme")
    anna = factories.contact(acme, "Bianchi", first_name="Anna")
    bruno = factories.contact(acme, "Verdi", first_name="Bruno")
    partner = factories.account("Partner Srl")
    tag = factories.tag("Key account")
    opp = create_opportunity(
        name="Acme support 2026",
        account_id=acme.id,
        amount="0",
        close_date="2026-03-31",
        contract_start="2026-04-01",
        contract_months="12",
        primary_contact_id=anna.id,
        tag_ids=[tag.id],
    )
    opp.contact_links[0].role = "decision_maker"  # the primary contact, linked on creation
    opp.contact_links.append(OpportunityContact(contact_id=bruno.id, role="technical"))
    opp.account_links = [OpportunityAccount(account_id=partner.id, role="partner")]
    db.session.add(Note(opportunity_id=opp.id, body="Call Anna first", pinned=True))
    db.session.commit()
    add_line(
        sales_user, opp, {"product_id": factories.product("Support", "1000").id, "quantity": "2"}
    )
    close_won(manager, opp)
    return opp


def options(**overrides):
    data = {"name": "Next", "close_date": "2027-03-31", "parts": []}
    data.update(overrides)
    return data


# --- terms ----------------------------------------------------------------------------------


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 15), 12) == date(2027, 3, 15)
    assert add_months(date(2026, 3, 15), -3) == date(2025, 12, 15)


def test_term_end_and_default_names(won_deal):
    assert term_end(won_deal) == date(2027, 4, 1)
    assert default_name(won_deal, "renewal", date(2027, 3, 31)) == "Acme support 2027"
    won_deal.name = "Support plan"
    assert default_name(won_deal, "renewal", date(2027, 3, 31)) == "Support plan 2027"
    won_deal.name = "Verde training 2026"  # a renewal of a renewal: only the year moves
    assert default_name(won_deal, "renewal", date(2028, 1, 31)) == "Verde training 2028"
    won_deal.name = "Support plan"
    assert default_name(won_deal, "upsell", None) == "Support plan – upsell"
    assert default_name(won_deal, "copy", None) == "Support plan (copy)"
    won_deal.name = "Support plan – upsell"  # an upsell of an upsell
    assert default_name(won_deal, "upsell", None) == "Support plan – upsell"


# --- each kind ------------------------------------------------------------------------------


def test_renewal_defaults_follow_the_term(won_deal, sales_user):
    values = services.defaults(won_deal, "renewal", sales_user)
    assert values["close_date"] == "2027-03-31"  # original close date + 12 months
    assert values["name"] == "Acme support 2027"
    assert values["amount"] == ""  # the amount followed the product lines
    assert set(values["parts"]) == {"contacts", "partners", "lines", "tags", "custom"}
    assert "lines" not in services.defaults(won_deal, "upsell", sales_user)["parts"]


def test_renewal_starts_in_first_stage_with_uplift_and_link(won_deal, sales_user, pipeline):
    new = services.duplicate(
        sales_user,
        won_deal,
        "renewal",
        options(parts=["contacts", "lines", "tags"], uplift="5", owner_id=str(sales_user.id)),
    )
    assert new.stage_id == pipeline.stages[0].id and new.status == "open"
    assert new.pipeline_id == won_deal.pipeline_id
    assert new.account_id == won_deal.account_id
    assert new.close_date == date(2027, 3, 31)
    assert new.contract_start == date(2027, 4, 1) and new.contract_months == 12
    assert [line.unit_price for line in new.lines] == [Decimal("1050.00")]
    assert new.amount == Decimal("2100.00")  # follows the uplifted lines
    link = db.session.scalar(select(DealLink).where(DealLink.opportunity_id == new.id))
    assert (link.source_id, link.kind, link.renewal_of_id) == (won_deal.id, "renewal", won_deal.id)
    actions = {
        e.action for e in db.session.scalars(select(TimelineEntry).filter_by(opportunity_id=new.id))
    }
    assert {"created", "duplicated"} <= actions


def test_renewal_of_a_manual_amount_applies_the_uplift(won_deal, sales_user):
    new = services.duplicate(sales_user, won_deal, "renewal", options(amount="10000", uplift="3.5"))
    assert new.amount == Decimal("10350.00")
    assert new.amount_manual is True


def test_upsell_starts_empty_and_keeps_contacts(won_deal, sales_user):
    new = services.duplicate(sales_user, won_deal, "upsell", options(parts=["contacts"]))
    assert new.amount == Decimal("0") and new.lines == []
    assert new.contract_months is None
    assert {(c.contact_id, c.role) for c in new.contact_links} == {
        (c.contact_id, c.role) for c in won_deal.contact_links
    }
    assert db.session.scalar(select(DealLink.kind).filter_by(opportunity_id=new.id)) == "upsell"


def test_plain_copy_keeps_amount_and_term(won_deal, sales_user):
    new = services.duplicate(sales_user, won_deal, "copy", options(amount="2000"))
    assert new.amount == Decimal("2000.00")
    assert (new.contract_start, new.contract_months) == (date(2026, 4, 1), 12)
    assert db.session.scalar(select(DealLink.kind).filter_by(opportunity_id=new.id)) == "copy"


def test_owner_is_the_chosen_one_and_must_be_valid(won_deal, sales_user, create_user):
    other = create_user(email="other@example.com", name="Olga", role="sales")
    new = services.duplicate(sales_user, won_deal, "copy", options(owner_id=str(other.id)))
    assert new.owner_id == other.id
    outsider = create_user(email="nosales@example.com", name="No Sales", sales=False)
    before = db.session.scalar(select(func.count()).select_from(Opportunity))
    with pytest.raises(ValidationError) as exc:
        services.duplicate(sales_user, won_deal, "copy", options(owner_id=str(outsider.id)))
    assert "owner_id" in exc.value.errors
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == before


def test_bad_input_reports_every_field_and_writes_nothing(won_deal, sales_user):
    with pytest.raises(ValidationError) as exc:
        services.duplicate(
            sales_user,
            won_deal,
            "renewal",
            {
                "name": " ",
                "close_date": "31/03/2027",
                "amount": "abc",
                "uplift": "lots",
                "parts": ["x"],
            },
        )
    assert set(exc.value.errors) == {"name", "close_date", "amount", "uplift", "parts"}
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 0
    with pytest.raises(ValidationError):
        services.duplicate(sales_user, won_deal, "clone", options())


def test_a_second_live_renewal_is_refused_until_the_first_is_trashed(won_deal, sales_user, manager):
    first = services.duplicate(sales_user, won_deal, "renewal", options())
    with pytest.raises(ValidationError) as exc:
        services.duplicate(sales_user, won_deal, "renewal", options())
    assert "already has a renewal" in exc.value.errors["kind"]
    delete_opportunity(manager, first)
    second = services.duplicate(sales_user, won_deal, "renewal", options())
    assert services.live_renewal(won_deal).id == second.id
    # The trashed renewal keeps its lineage.
    assert (
        db.session.scalar(select(DealLink.source_id).filter_by(opportunity_id=first.id))
        == won_deal.id
    )


# --- permission -----------------------------------------------------------------------------


def test_only_users_who_see_the_source_may_duplicate(won_deal, create_user):
    elsewhere = factories.business_line("Hardware")
    stranger = create_user(
        email="stranger@example.com", name="Stranger", business_lines=[elsewhere]
    )
    with pytest.raises(PermissionDenied):
        services.duplicate(stranger, won_deal, "copy", options())
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 0


def test_a_sales_user_may_duplicate_a_colleagues_deal_they_see(won_deal, create_user):
    colleague = create_user(email="colleague@example.com", name="Carla", role="sales")
    new = services.duplicate(colleague, won_deal, "upsell", options(owner_id=str(colleague.id)))
    assert new.owner_id == colleague.id and new.created_by_id == colleague.id


# --- each cloner ----------------------------------------------------------------------------


def test_contacts_cloner_copies_roles_and_primary_contact(won_deal, sales_user):
    new = services.duplicate(sales_user, won_deal, "copy", options(parts=["contacts"]))
    assert new.primary_contact_id == won_deal.primary_contact_id
    assert sorted(c.role for c in new.contact_links) == ["decision_maker", "technical"]


def test_partners_cloner(won_deal, sales_user):
    new = services.duplicate(sales_user, won_deal, "copy", options(parts=["partners"]))
    assert [(a.account.name, a.role) for a in new.account_links] == [("Partner Srl", "partner")]
    bare = services.duplicate(sales_user, won_deal, "copy", options(parts=[]))
    assert bare.account_links == [] and bare.contact_links == [] and bare.tags == []


def test_lines_cloner_without_uplift_keeps_prices(won_deal, sales_user):
    new = services.duplicate(sales_user, won_deal, "copy", options(parts=["lines"]))
    assert [(ln.description, ln.quantity, ln.unit_price) for ln in new.lines] == [
        ("Support", Decimal("2.00"), Decimal("1000.00"))
    ]


def test_tags_cloner(won_deal, sales_user):
    new = services.duplicate(sales_user, won_deal, "copy", options(parts=["tags"]))
    assert [t.name for t in new.tags] == ["Key account"]


def test_custom_fields_cloner(won_deal, sales_user):
    won_deal.custom = {"po_number": "PO-7"}
    db.session.commit()
    new = services.duplicate(sales_user, won_deal, "copy", options(parts=["custom"]))
    assert new.custom == {"po_number": "PO-7"}


def test_notes_cloner(won_deal, sales_user):
    new = services.duplicate(sales_user, won_deal, "copy", options(parts=["notes"]))
    notes = db.session.scalars(select(Note).filter_by(opportunity_id=new.id)).all()
    assert [(n.body, n.pinned) for n in notes] == [("Call Anna first", True)]


def test_documents_cloner_copies_the_file(won_deal, sales_user, app, tmp_path):
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc123").write_bytes(b"%PDF-1.4 offer")
    db.session.add(
        Document(
            opportunity_id=won_deal.id,
            filename="offer.pdf",
            stored_name="abc123",
            content_type="application/pdf",
            size=14,
        )
    )
    db.session.commit()
    new = services.duplicate(sales_user, won_deal, "copy", options(parts=["documents"]))
    copy = db.session.scalar(select(Document).filter_by(opportunity_id=new.id))
    assert copy.filename == "offer.pdf" and copy.stored_name != "abc123"
    assert (folder / copy.stored_name).read_bytes() == b"%PDF-1.4 offer"


class _Boom(OpportunityCloner):
    name, label = "boom", "Explodes"

    def run(self, source, new, shared):
        raise RuntimeError("cloner failed")


class _NeedsLines(OpportunityCloner):
    name, label, requires = "quotes", "Quotes", ("lines",)

    def run(self, source, new, shared):
        return {"lines_seen": shared["lines"]["copied"]}


class _ClonerPlugin:
    """A third-party plugin adding cloners through the hook."""

    def __init__(self, *cloners):
        self.cloners = cloners

    from webapp.hookspecs import hookimpl

    @hookimpl
    def register_opportunity_cloners(self):
        return list(self.cloners)


def _register(app, plugin, name):
    from webapp.plugins import registry

    registry().pm.register(plugin, name=name)
    registry().forget_enablement()
    enable_line = db.session.scalar(select(PluginEnablement.business_line_id).limit(1))
    db.session.add(PluginEnablement(business_line_id=enable_line, plugin=name, enabled=True))
    db.session.commit()


def test_hook_register_opportunity_cloners(won_deal, sales_user, app):
    """Another plugin's cloner joins the dialog, runs after the ones it requires and sees
    what they returned."""
    seen = {}

    class Spy(_NeedsLines):
        def run(self, source, new, shared):
            seen.update(super().run(source, new, shared))

    _register(app, _ClonerPlugin(Spy), "spy_cloner")
    names = [c.name for c in services.cloners_for(won_deal)]
    assert "quotes" in names and names.index("lines") < names.index("quotes")
    with pytest.raises(ValidationError) as exc:
        services.duplicate(sales_user, won_deal, "copy", options(parts=["quotes"]))
    assert "needs Product lines" in exc.value.errors["parts"]
    services.duplicate(sales_user, won_deal, "copy", options(parts=["quotes", "lines"]))
    assert seen == {"lines_seen": 1}


def test_a_failing_cloner_leaves_nothing_half_written(won_deal, sales_user, app):
    _register(app, _ClonerPlugin(_Boom), "boom_cloner")
    before = db.session.scalar(select(func.count()).select_from(Opportunity))
    with pytest.raises(RuntimeError):
        services.duplicate(sales_user, won_deal, "copy", options(parts=["contacts", "boom"]))
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == before
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 0


def test_cloners_are_ordered_by_requires():
    class A(OpportunityCloner):
        name, requires = "a", ("b",)

    class B(OpportunityCloner):
        name, requires = "b", ("c",)

    class C(OpportunityCloner):
        name = "c"

    assert [c.name for c in ordered([A(), B(), C()])] == ["c", "b", "a"]


def test_hook_opportunity_duplicated(won_deal, sales_user, app):
    calls = []

    class Listener:
        from webapp.hookspecs import hookimpl

        @hookimpl
        def opportunity_duplicated(self, source, new, kind, user):
            calls.append((source.id, new.name, kind, user.id))

    _register(app, Listener(), "listener")
    new = services.duplicate(sales_user, won_deal, "upsell", options(name="More seats"))
    assert calls == [(won_deal.id, "More seats", "upsell", sales_user.id)]
    assert new.name == "More seats"


# --- the chain ------------------------------------------------------------------------------


def test_chain_shows_origin_earlier_and_later_deals_with_lifetime_value(
    won_deal, sales_user, manager
):
    r1 = services.duplicate(sales_user, won_deal, "renewal", options(amount="3000"))
    close_won(manager, r1)
    r2 = services.duplicate(sales_user, r1, "renewal", options(amount="4000"))
    upsell = services.duplicate(sales_user, r1, "upsell", options(name="Acme training"))
    chain = chain_of(sales_user, r1)
    assert [(n.opportunity.id, n.kind, n.depth) for n in chain.nodes] == [
        (won_deal.id, None, 0),
        (r1.id, "renewal", 1),
        (r2.id, "renewal", 2),
        (upsell.id, "upsell", 2),
    ]
    assert chain.current_id == r1.id
    assert chain.won_total == won_deal.amount + Decimal("3000")
    assert chain.renewals == 2
    assert [n.opportunity.id for n in chain_of(sales_user, r2).nodes] == [
        n.opportunity.id for n in chain.nodes
    ]
    assert chain_of(sales_user, r2).won_total == chain.won_total


def test_chain_queries_do_not_grow_with_its_length(won_deal, sales_user, manager, count_queries):
    deal = won_deal
    for year in range(2027, 2029):
        deal = services.duplicate(sales_user, deal, "renewal", options(close_date=f"{year}-03-31"))
        close_won(manager, deal)
    with count_queries() as short:
        chain_of(sales_user, deal)
    for year in range(2029, 2033):
        deal = services.duplicate(sales_user, deal, "renewal", options(close_date=f"{year}-03-31"))
        close_won(manager, deal)
    db.session.expire_all()
    with count_queries() as long:
        chain = chain_of(sales_user, deal)
    assert len(chain) == 7
    assert len(long) == len(short)


def test_account_groups_chains(won_deal, sales_user, create_opportunity):
    renewal = services.duplicate(sales_user, won_deal, "renewal", options())
    lone = create_opportunity(name="Acme one-off", account_id=won_deal.account_id)
    other = create_opportunity(name="Acme hardware", account_id=won_deal.account_id)
    services.duplicate(sales_user, other, "copy", options(name="Acme hardware bis"))
    chains = account_chains(sales_user, won_deal.account)
    groups = sorted([n.opportunity.name for n in c.nodes] for c in chains)
    assert groups == [["Acme hardware", "Acme hardware bis"], ["Acme support 2026", renewal.name]]
    assert all(lone.id not in [n.opportunity.id for n in c.nodes] for c in chains)


# --- bulk runs ------------------------------------------------------------------------------


@pytest.fixture
def terms(enabled, create_opportunity, manager):
    """Three won deals whose 12-month terms end on 2027-01-15, 2027-02-15 and 2027-06-15."""
    deals = []
    for month in (1, 2, 6):
        opp = create_opportunity(
            name=f"Term {month}",
            amount="1000",
            close_date=f"2026-{month:02d}-15",
            contract_start=f"2026-{month:02d}-15",
            contract_months="12",
        )
        close_won(manager, opp)
        deals.append(opp)
    return deals


def test_bulk_dry_run_lists_without_writing(terms, admin):
    plans = bulk.generate(admin, date(2027, 1, 1), date(2027, 3, 1), dry_run=True)
    assert [(p.source.name, p.term_end, p.status) for p in plans] == [
        ("Term 1", date(2027, 1, 15), "planned"),
        ("Term 2", date(2027, 2, 15), "planned"),
    ]
    assert plans[0].close_date == date(2027, 1, 15) and plans[0].amount == Decimal("1000.00")
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 0


def test_bulk_run_is_idempotent(terms, admin):
    first = bulk.generate(admin, date(2027, 1, 1), date(2027, 3, 1), uplift=Decimal("10"))
    assert [p.status for p in first] == ["created", "created"]
    assert first[0].new.amount == Decimal("1100.00")
    assert first[0].new.name == "Term 1 2027"
    again = bulk.generate(admin, date(2027, 1, 1), date(2027, 12, 31), dry_run=True)
    assert [p.source.name for p in again] == ["Term 6"]
    assert (
        bulk.generate(admin, date(2027, 1, 1), date(2027, 12, 31), dry_run=False)[0].status
        == "created"
    )
    assert bulk.generate(admin, date(2027, 1, 1), date(2027, 12, 31)) == []
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 3


def test_bulk_skips_business_lines_without_the_plugin(terms, admin, create_user):
    hardware = factories.business_line("Hardware")
    line_pipeline = factories.pipeline(hardware)
    seller = create_user(email="hw@example.com", name="Hw", business_lines=[hardware])
    hw_deal = factories.opportunity(
        seller,
        {
            "name": "Hardware term",
            "amount": "5",
            "close_date": "2026-01-20",
            "contract_months": "12",
            "pipeline_id": line_pipeline.id,
        },
    )
    close_won(admin, hw_deal)
    plans = bulk.generate(admin, date(2027, 1, 1), date(2027, 3, 1), dry_run=True)
    assert [p.source.name for p in plans] == ["Term 1", "Term 2"]


@pytest.fixture
def operator(create_user):
    """An administrator outside the sales group (may run renewals, may not own deals)."""
    return create_user(email="ops@example.com", name="Ops", role="admin", sales=False)


def test_bulk_reports_a_failing_row_and_goes_on(terms, operator, sales_user):
    sales_user.active = False
    db.session.commit()
    plans = bulk.generate(operator, date(2027, 1, 1), date(2027, 3, 1))
    # The owner left and the acting admin is no seller: reported, nothing created.
    assert [p.status for p in plans] == ["failed", "failed"]
    assert "sales group" in plans[0].message
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 0


def test_bulk_rejects_a_reversed_period(terms, admin):
    with pytest.raises(ValidationError):
        bulk.generate(admin, date(2027, 3, 1), date(2027, 1, 1))


def test_a_sales_user_manages_no_bulk_run(terms, sales_user):
    assert bulk.enabled_business_lines(sales_user) == []
    assert bulk.generate(sales_user, date(2027, 1, 1), date(2027, 3, 1)) == []


# --- auto-renewal ---------------------------------------------------------------------------


def test_auto_renewal_creates_renewals_days_before_the_term_ends(terms, admin, enabled):
    assert bulk.auto_renew(admin, date(2026, 12, 1)) == []  # off by default
    bulk.save_policy(admin, enabled.id, {"auto_renew": "on", "days_before": "60", "uplift": "2"})
    plans = bulk.auto_renew(admin, date(2026, 12, 1))
    assert [p.source.name for p in plans] == ["Term 1"]  # ends 2027-01-15, within 60 days
    assert plans[0].new.amount == Decimal("1020.00")
    assert bulk.auto_renew(admin, date(2026, 12, 1)) == []  # cron again: nothing twice
    later = bulk.auto_renew(admin, date(2026, 12, 20))
    assert [p.source.name for p in later] == ["Term 2"]


def test_policy_validation_and_permission(enabled, sales_user, admin):
    with pytest.raises(ValidationError) as exc:
        bulk.save_policy(admin, enabled.id, {"days_before": "0", "uplift": "x"})
    assert set(exc.value.errors) == {"days_before", "uplift"}
    assert db.session.get(RenewalPolicy, enabled.id) is None
    with pytest.raises(PermissionDenied):
        bulk.save_policy(sales_user, enabled.id, {"days_before": "30"})


# --- command line ---------------------------------------------------------------------------


def test_cli_generate_dry_run_then_for_real(terms, admin, runner):
    dry = runner.invoke(
        args=["renewals", "generate", "--from", "2027-01-01", "--to", "2027-03-01", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "Would create 2 renewals." in dry.output and "Term 1 2027" in dry.output
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 0

    args = ["renewals", "generate", "--from", "2027-01-01", "--to", "2027-03-01", "--uplift", "5"]
    real = runner.invoke(args=args)
    assert real.exit_code == 0, real.output
    assert "Created 2 renewals." in real.output
    again = runner.invoke(args=args)
    assert "Created 0 renewals." in again.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(DealLink)) == 2


def test_cli_needs_both_dates_and_reports_failures(terms, operator, runner, sales_user):
    half = runner.invoke(args=["renewals", "generate", "--from", "2027-01-01"])
    assert half.exit_code != 0 and "both --from and --to" in half.output
    sales_user.active = False
    db.session.commit()
    failed = runner.invoke(
        args=[
            "renewals",
            "generate",
            "--from",
            "2027-01-01",
            "--to",
            "2027-03-01",
            "--as",
            operator.email,
        ]
    )
    assert failed.exit_code == 1
    assert "FAILED" in failed.output


def test_cli_without_dates_runs_auto_renewal(enabled, admin, manager, runner, create_opportunity):
    soon = date.today() + timedelta(days=10)
    opp = create_opportunity(
        name="Ends soon", close_date=add_months(soon, -12).isoformat(), contract_months="12"
    )
    close_won(manager, opp)
    idle = runner.invoke(args=["renewals", "generate"])
    assert "Created 0 renewals." in idle.output  # auto-renewal is off
    bulk.save_policy(admin, enabled.id, {"auto_renew": "on", "days_before": "30", "uplift": "0"})
    dry = runner.invoke(args=["renewals", "generate", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would create 1 renewal." in dry.output
    real = runner.invoke(args=["renewals", "generate"])
    assert "Created 1 renewal." in real.output
    assert "Created 0 renewals." in runner.invoke(args=["renewals", "generate"]).output


def test_close_date_helper_for_deals_without_close_date(enabled, create_opportunity, sales_user):
    opp = create_opportunity(name="No date", close_date="")
    values = services.defaults(opp, "renewal", sales_user)
    assert values["close_date"] == add_months(date.today(), 12).isoformat()
    assert (
        services.defaults(opp, "upsell", sales_user)["close_date"]
        == (date.today() + timedelta(days=30)).isoformat()
    )


def test_a_trashed_deal_cannot_be_duplicated(won_deal, sales_user, manager):
    from webapp.errors import NotFound

    delete_opportunity(manager, won_deal)
    with pytest.raises(NotFound):
        services.duplicate(sales_user, won_deal, "copy", options())


def test_renewals_of_renewals_keep_the_name_and_move_the_year(
    enabled, create_opportunity, manager, admin
):
    arya = factories.account("Arya Consulting")
    opp = create_opportunity(
        name="Verde training 2026",
        account_id=arya.id,
        amount="1000",
        close_date="2026-01-15",
        contract_start="2026-01-15",
        contract_months="12",
    )
    close_won(manager, opp)
    first = bulk.generate(admin, date(2027, 1, 1), date(2027, 2, 1))[0].new
    close_won(manager, first)
    second = bulk.generate(admin, date(2028, 1, 1), date(2028, 2, 1))[0].new
    db.session.expire_all()
    names = [db.session.get(Opportunity, o.id).name for o in (first, second)]
    assert names == ["Verde training 2027", "Verde training 2028"]
