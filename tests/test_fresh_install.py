"""A fresh install is usable: the first user brings a business line, Brevo's pipeline and
the picklists; every empty page says what to do next; admins and managers without deals of
their own land on everyone's."""

import re

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    BusinessLine,
    LostReason,
    Opportunity,
    Pipeline,
    Source,
    Stage,
    StageHistory,
    User,
)
from webapp.setup.services import ensure_defaults

from . import factories
from .test_board import column_html

ADMIN_PASSWORD = "first-admin-pw"
BREVO = [
    ("New", "open"),
    ("Qualification", "open"),
    ("Demo scheduled", "open"),
    ("Awaiting commitment", "open"),
    ("Negotiation", "open"),
    ("Won", "won"),
    ("Lost", "lost"),
]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def cli_create_user(runner, email: str, role: str = "admin"):
    result = runner.invoke(
        args=["users", "create", "--email", email, "--password", ADMIN_PASSWORD, "--role", role]
    )
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(User).where(User.email == email))


def defaults_snapshot() -> dict:
    return {m.__name__: count(m) for m in (BusinessLine, Pipeline, Stage, LostReason, Source)}


# --- the defaults -----------------------------------------------------------------------------


def test_first_admin_from_the_cli_gets_a_working_board(runner, client, auth):
    assert defaults_snapshot() == dict.fromkeys(defaults_snapshot(), 0)
    admin = cli_create_user(runner, "a@x.example")
    line = db.session.scalar(select(BusinessLine))
    assert [bl.id for bl in admin.business_lines] == [line.id]
    pipeline = db.session.scalar(select(Pipeline))
    assert pipeline.is_default and pipeline.business_line_id == line.id
    assert [(s.name, s.kind) for s in pipeline.stages] == BREVO
    assert {s.name: s.probability for s in pipeline.stages}["Demo scheduled"] == 25
    probabilities = [s.probability for s in pipeline.open_stages]
    assert probabilities == sorted(probabilities) and probabilities[0] > 0
    assert count(LostReason) >= 3 and count(Source) >= 3

    auth.login("a@x.example", ADMIN_PASSWORD)
    response = client.get("/board")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for stage in pipeline.open_stages:
        assert f'id="column-{stage.id}"' in html and f">{stage.name}</h2>" in html
    assert "Drop here: Won" in html and "Drop here: Lost" in html
    # The root redirects to the same board.
    assert client.get("/").headers["Location"] == "/board"


def test_a_second_user_does_not_duplicate_the_defaults(runner):
    cli_create_user(runner, "a@x.example")
    before = defaults_snapshot()
    second = cli_create_user(runner, "b@x.example", role="sales")
    assert defaults_snapshot() == before
    assert [bl.slug for bl in second.business_lines] == ["sales"]
    ensure_defaults()
    assert defaults_snapshot() == before


def test_a_refused_user_creates_nothing(runner):
    result = runner.invoke(args=["users", "create", "--email", "a@x.example", "--password", "x"])
    assert result.exit_code != 0 and "8 characters" in result.output
    assert defaults_snapshot() == dict.fromkeys(defaults_snapshot(), 0) and count(User) == 0


def test_a_configured_install_gets_no_default_line(business_line, pipeline, lost_reason):
    before = defaults_snapshot()
    assert ensure_defaults() is None
    factories.user(email="late@example.com", business_lines=None)
    assert defaults_snapshot() == before
    assert db.session.scalar(select(BusinessLine.slug)) == business_line.slug


def test_first_deal_from_the_empty_board(runner, client, auth):
    admin = cli_create_user(runner, "a@x.example")
    auth.login("a@x.example", ADMIN_PASSWORD)
    html = client.get("/board").get_data(as_text=True)
    pipeline = db.session.scalar(select(Pipeline))
    first = pipeline.stages[0]
    assert "No open deals in this pipeline yet." in html
    assert f'data-open-quick="quick-{first.id}"' in html and "Create your first deal" in html
    # Every column keeps its own quick create.
    for stage in pipeline.open_stages:
        assert f'id="quick-{stage.id}"' in column_html(html, stage.id)

    response = client.post(
        f"/pipelines/{pipeline.id}/board/stages/{first.id}/deals",
        data={"name": "First deal", "account_name": "First customer", "amount": "1200"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    deal = db.session.scalar(select(Opportunity))
    assert (deal.name, deal.stage_id, deal.owner_id) == ("First deal", first.id, admin.id)
    assert deal.account.name == "First customer" and str(deal.amount) == "1200.00"
    assert deal.business_line_id == pipeline.business_line_id
    assert count(StageHistory) == 1
    board = client.get("/board").get_data(as_text=True)
    assert ">First deal</a>" in board and 'data-empty="board"' not in board


def test_demo_seed_reuses_the_default_line(runner, client, auth):
    ensure_defaults()  # e.g. an install whose defaults exist but that has no user yet
    result = runner.invoke(args=["demo", "seed", "--opportunities", "30", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(select(BusinessLine.name))) == {"Software", "Services"}
    default = db.session.scalar(select(Pipeline).order_by(Pipeline.id))
    assert default.name == "New business" and [s.name for s in default.stages][2] == (
        "Demo scheduled"
    )
    assert count(LostReason) == len(set(db.session.scalars(select(LostReason.name))))
    auth.login("admin@example.com", "opportuno-demo")
    assert client.get("/board").status_code == 200


def test_demo_seed_is_skipped_after_a_first_admin(runner):
    cli_create_user(runner, "a@x.example")
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0 and "skipped" in result.output
    assert count(Opportunity) == 0 and count(BusinessLine) == 1


# --- no pipeline --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_no_pipeline_asks_admins_to_set_one_up(client, auth, create_user, role):
    user = create_user(email=f"{role}@example.com", role=role)  # a line without pipelines
    auth.login(user)
    response = client.get("/board")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No pipeline is set up yet" in html and 'href="/admin/#tools"' in html
    assert "Set up a pipeline" in html


def test_no_pipeline_tells_salespeople_to_ask(client, auth, sales_user):
    auth.login(sales_user)
    response = client.get("/board")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ask an administrator" in html
    assert "/admin/" not in html


def test_a_pipeline_that_does_not_exist_is_still_a_404(client, auth, admin, pipeline):
    auth.login(admin)
    assert client.get("/pipelines/999999/board").status_code == 404


# --- empty pages --------------------------------------------------------------------------------


def test_empty_lists_say_what_to_do_next(runner, client, auth):
    cli_create_user(runner, "a@x.example")
    auth.login("a@x.example", ADMIN_PASSWORD)
    deals = client.get("/opportunities").get_data(as_text=True)
    assert 'data-empty="deals"' in deals and "You have no open deals." in deals
    assert 'hx-get="/opportunities/new"' in deals and "Show everyone's deals" in deals
    everyone = client.get("/opportunities?owner=all").get_data(as_text=True)
    assert "No open deals yet." in everyone and "Create a deal" in everyone
    accounts = client.get("/accounts").get_data(as_text=True)
    assert (
        'data-empty="accounts"' in accounts and 'href="/accounts/new">Create an account' in accounts
    )
    contacts = client.get("/contacts").get_data(as_text=True)
    assert (
        'data-empty="contacts"' in contacts and 'href="/contacts/new">Create a contact' in contacts
    )
    leads = client.get("/leads").get_data(as_text=True)
    assert 'data-empty="leads"' in leads and 'href="/leads/new">Create a lead' in leads
    for page, entity in zip(
        (deals, accounts, contacts, leads),
        ("opportunity", "account", "contact", "lead"),
        strict=True,
    ):  # the only import offered is the real one
        assert f'href="/imports/new?entity={entity}"' in page
        assert client.get(f"/imports/new?entity={entity}").status_code == 200
    # A search that finds nothing says so, not "create".
    assert "No account matches “zz”." in client.get("/accounts?q=zz").get_data(as_text=True)
    assert 'data-empty="accounts"' not in client.get("/accounts?q=zz").get_data(as_text=True)


def test_account_and_contact_without_deals_offer_to_create_one(client, auth, admin, pipeline):
    acme = factories.account("Acme")
    rossi = factories.contact(acme, "Rossi")
    auth.login(admin)
    account_page = client.get(f"/accounts/{acme.id}").get_data(as_text=True)
    assert 'data-empty="account-deals"' in account_page
    assert re.search(
        r'data-empty="account-deals".*hx-get="/opportunities/new\?account_id=', account_page, re.S
    )
    contact_page = client.get(f"/contacts/{rossi.id}").get_data(as_text=True)
    assert 'data-empty="contact-deals"' in contact_page and "Create a deal" in contact_page


def test_account_with_a_deal_shows_its_groups(client, auth, admin, create_opportunity):
    acme = factories.account("Acme")
    create_opportunity(name="Acme deal", account_id=acme.id)
    auth.login(admin)
    page = client.get(f"/accounts/{acme.id}").get_data(as_text=True)
    assert 'data-deal-group="open"' in page and 'data-empty="account-deals"' not in page


def test_salesperson_without_deals_gets_my_deals_and_a_way_out(
    client, auth, sales_user, create_user, pipeline, create_opportunity
):
    colleague = create_user(email="col@example.com", name="Carla Colleague")
    create_opportunity(name="Her deal", owner=colleague, user=colleague)
    auth.login(sales_user)
    html = client.get("/board").get_data(as_text=True)
    assert 'value="me" selected' in html and ">Her deal</a>" not in html
    assert "You have no open deals in this pipeline." in html
    assert "owner=all" in html and "Show everyone's deals" in html


def test_filters_that_match_nothing_say_so(client, auth, sales_user, pipeline, create_opportunity):
    create_opportunity(name="Mine")
    auth.login(sales_user)
    html = client.get("/board?close=none").get_data(as_text=True)
    assert "No deals match these filters." in html and ">Mine</a>" not in html


# --- admins and managers land on everyone's deals -----------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_boss_without_deals_lands_on_everyone(
    client, auth, create_user, sales_user, pipeline, create_opportunity, role
):
    boss = create_user(email=f"{role}@example.com", name="Bea Boss", role=role)
    create_opportunity(name="Sales deal")
    auth.login(boss)
    html = client.get("/board").get_data(as_text=True)
    assert ">Sales deal</a>" in html
    assert 'value="all" selected' in html and 'id="owner-hint"' in html
    assert 'data-empty="board"' not in html
    assert ">Reset</a>" not in html  # this is the default, nothing to reset
    # An explicit owner in the URL wins.
    mine = client.get("/board?owner=me").get_data(as_text=True)
    assert ">Sales deal</a>" not in mine and 'value="me" selected' in mine
    assert 'id="owner-hint"' not in mine and "You have no open deals in this pipeline." in mine


def test_boss_with_own_deals_keeps_my_deals(
    client, auth, admin, sales_user, pipeline, create_opportunity
):
    create_opportunity(name="Sales deal")
    create_opportunity(name="Admin deal", owner=admin, user=admin)
    auth.login(admin)
    html = client.get("/board").get_data(as_text=True)
    assert ">Admin deal</a>" in html and ">Sales deal</a>" not in html
    assert 'value="me" selected' in html and 'id="owner-hint"' not in html


def test_boss_deals_in_another_pipeline_do_not_count(
    client, auth, admin, sales_user, pipeline, create_opportunity
):
    other = factories.pipeline(pipeline.business_line, "Other")
    other.is_default = False
    db.session.commit()
    create_opportunity(name="Admin elsewhere", owner=admin, user=admin, stage_id=other.stages[0].id)
    create_opportunity(name="Sales deal")
    auth.login(admin)
    html = client.get(f"/pipelines/{pipeline.id}/board").get_data(as_text=True)
    assert ">Sales deal</a>" in html and 'value="all" selected' in html


def test_default_owner_costs_at_most_one_query(
    client, auth, admin, sales_user, pipeline, create_opportunity, count_queries
):
    create_opportunity(name="Sales deal")
    for user in (admin, sales_user):
        auth.login(user)
        client.get("/board")  # warm-up
        db.session.expire_all()
        with count_queries() as explicit:
            assert client.get("/board?owner=all").status_code == 200
        db.session.expire_all()
        with count_queries() as default:
            assert client.get("/board").status_code == 200
        extra = len(default) - len(explicit)
        assert extra == (1 if user is admin else 0), "\n".join(default)
        auth.logout()
