"""The plugin contract: every hookspec is documented with its exact signature and has a
``test_hook_<name>`` test here, run against small test plugins registered in the test.

Plugins are off until enabled for a business line, so most tests show the hook answering in
the line where the test plugin is enabled and staying silent in the other one.
"""

import inspect
import re
import textwrap
from decimal import Decimal
from pathlib import Path

import click
import pluggy
import pytest
from flask import Blueprint, current_app, render_template, render_template_string
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from tests import factories
from webapp import hookspecs
from webapp.admin.services import set_plugin_enabled
from webapp.auth.guard import public
from webapp.errors import GateError
from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import Account, Opportunity
from webapp.opportunities.services import close_won, move_stage, update_opportunity
from webapp.plugins import flatten, hook, registry
from webapp.schema import upgrade_database

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugin_hooks.md"
HEADING = re.compile(r"^### (\w+)\(([^)]*)\)\s*$", re.MULTILINE)


def hookspec_names() -> list[str]:
    return sorted(
        name
        for name, fn in vars(hookspecs).items()
        if callable(fn) and hasattr(fn, f"{hookspecs.PROJECT}_spec")
    )


def documented() -> dict[str, list[str]]:
    """Hook name -> the parameter names of its heading in docs/plugin_hooks.md."""
    found: dict[str, list[str]] = {}
    for name, params in HEADING.findall(DOCS.read_text(encoding="utf-8")):
        assert name not in found, f"{name} is documented twice"
        found[name] = [p.strip() for p in params.split(",") if p.strip()]
    return found


# --- the meta-tests -------------------------------------------------------------------------


def test_hookspecs_found():
    assert len(hookspec_names()) >= 20
    assert "opportunity_stage_changing" in hookspec_names()


@pytest.mark.parametrize("name", hookspec_names())
def test_hook_is_documented_with_its_signature(name):
    docs = documented()
    assert name in docs, f"docs/plugin_hooks.md has no '### {name}(...)' section"
    spec = list(inspect.signature(getattr(hookspecs, name)).parameters)
    assert docs[name] == spec, f"documented {name}({', '.join(docs[name])}), spec {spec}"


def test_no_documented_hook_without_a_spec():
    assert sorted(documented()) == hookspec_names()


@pytest.mark.parametrize("name", hookspec_names())
def test_hook_has_a_docstring(name):
    assert (getattr(hookspecs, name).__doc__ or "").strip(), f"hookspec {name} has no docstring"


@pytest.mark.parametrize("name", hookspec_names())
def test_hook_has_a_test(name):
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    assert re.search(rf"^def test_hook_{name}\(", tests, re.MULTILINE), f"no test_hook_{name} test"


def test_misspelt_hook_implementation_fails_at_start_up(make_app):
    class Typo:
        name = "typo"

        @hookimpl
        def board_card_badge(self, opportunity):  # missing "s"
            return []

    with pytest.raises(pluggy.PluginValidationError, match="board_card_badge"):
        make_app(OPPORTUNO_PLUGINS=[Typo()])


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def other_line(app):
    return factories.business_line("Services")


@pytest.fixture
def other_pipeline(other_line):
    return factories.pipeline(other_line, "Services")


@pytest.fixture
def install(app):
    """install(plugin, *business_lines): register a test plugin and enable it there."""

    def do(plugin, *lines):
        registry().pm.register(plugin, name=plugin.name)
        for line in lines:
            set_plugin_enabled(None, line.id, plugin.name, True)
        return plugin

    return do


@pytest.fixture
def deals(create_opportunity, pipeline, other_pipeline, admin, other_line):
    """One deal in the enabled line (``business_line``), one in ``other_line``."""
    admin.business_lines.append(other_line)
    db.session.commit()
    here = create_opportunity(name="Here deal", user=admin)
    there = create_opportunity(name="There deal", stage_id=other_pipeline.stages[0].id, user=admin)
    return here, there


class Recorder:
    """A test plugin that records its calls."""

    name = "recorder"

    def __init__(self):
        self.calls: list[tuple] = []


# --- set-up hooks ---------------------------------------------------------------------------


def test_hook_startup(make_app):
    class Starter:
        name = "starter"

        @hookimpl
        def startup(self, app):
            app.config["STARTED_IN"] = current_app.name  # inside an app context

    app = make_app(OPPORTUNO_PLUGINS=[Starter()])
    assert app.config["STARTED_IN"] == app.name


def test_hook_register_blueprints(make_app, tmp_path):
    (tmp_path / "hello.txt").write_text("static hello")
    bp = Blueprint(
        "hello_bp", __name__, url_prefix="/hello", static_folder=tmp_path, static_url_path="/static"
    )

    @bp.get("/")
    @public
    def hello():
        return "hello from a plugin"

    class Routes:
        name = "routes"

        @hookimpl
        def register_blueprints(self, app):
            return [bp]

    client = make_app(OPPORTUNO_PLUGINS=[Routes()]).test_client()
    assert client.get("/hello/").get_data(as_text=True) == "hello from a plugin"
    static = client.get("/hello/static/hello.txt")
    assert static.status_code == 200 and static.get_data(as_text=True) == "static hello"
    static.close()


def test_hook_register_migrations(make_app, tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "hello_0001_greetings.py").write_text(
        textwrap.dedent(
            '''
            """hello greetings"""
            import sqlalchemy as sa
            from alembic import op

            revision = "hello_0001"
            down_revision = None
            branch_labels = ("hello_test",)
            depends_on = "0001"


            def upgrade():
                op.create_table("hello_greetings", sa.Column("id", sa.Integer, primary_key=True))


            def downgrade():
                op.drop_table("hello_greetings")
            '''
        )
    )

    class Migrations:
        name = "hello_test"

        @hookimpl
        def register_migrations(self):
            return [versions]

    app = make_app(
        OPPORTUNO_PLUGINS=[Migrations()],
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'own.db'}",
    )
    with app.app_context():
        upgrade_database()
        tables = sa_inspect(db.engine).get_table_names()
    assert "hello_greetings" in tables and "opportunities" in tables


def test_hook_register_template_folders(make_app, tmp_path):
    (tmp_path / "hello_tpl").mkdir()
    (tmp_path / "hello_tpl" / "hi.html").write_text("Hi {{ who }}")

    class Templates:
        name = "templates"

        @hookimpl
        def register_template_folders(self):
            return [tmp_path]

    app = make_app(OPPORTUNO_PLUGINS=[Templates()])
    with app.test_request_context():
        assert render_template("hello_tpl/hi.html", who="<b>") == "Hi &lt;b&gt;"
        # the core's templates are still found first
        assert "<dialog" not in render_template("errors.html", message="x", status=400)


def test_hook_extra_template_vars(make_app):
    bp = Blueprint("vars_bp", __name__)

    @bp.get("/vars")
    @public
    def show():
        return render_template_string("[{{ greeting }}]")

    class Vars:
        name = "vars"

        @hookimpl
        def register_blueprints(self, app):
            return [bp]

        @hookimpl
        def extra_template_vars(self, template, user):
            return {"greeting": f"{template} for {user.is_authenticated}"}

    client = make_app(OPPORTUNO_PLUGINS=[Vars()]).test_client()
    assert client.get("/vars").get_data(as_text=True) == "[vars_bp.show for False]"


def test_hook_register_commands(make_app):
    class Commands:
        name = "commands"

        @hookimpl
        def register_commands(self, cli):
            @cli.command("hello")
            @click.option("--who", default="world")
            def hello(who):
                click.echo(f"hello {who}")

    app = make_app(OPPORTUNO_PLUGINS=[Commands()])
    result = app.test_cli_runner().invoke(args=["hello", "--who", "Ada"])
    assert result.exit_code == 0 and result.output == "hello Ada\n"


# --- pipeline hooks -------------------------------------------------------------------------


def test_hook_register_pipeline_templates(install, business_line, other_line, admin):
    from plugins.pipeline_variants import services as variants

    class Simple:
        name = "simple_templates"

        @hookimpl
        def register_pipeline_templates(self):
            return [
                {
                    "key": "simple",
                    "name": "Simple",
                    "stages": [{"name": "Talking", "probability": 30}],
                }
            ]

    install(Simple(), business_line)
    for line in (business_line, other_line):
        set_plugin_enabled(None, line.id, "pipeline_variants", True)
    assert "simple" in {t["key"] for t in variants.pipeline_templates(business_line.id)}
    assert "simple" not in {t["key"] for t in variants.pipeline_templates(other_line.id)}
    created = variants.instantiate(admin, business_line.id, "simple")
    assert [s.name for s in created.stages] == ["Talking", "Won", "Lost"]


def test_hook_opportunity_stage_changing(install, business_line, deals, admin):
    class Gate:
        name = "gate"

        @hookimpl
        def opportunity_stage_changing(self, opportunity, to_stage):
            return ["A signed NDA", {"message": "Objective", "field": "objective"}]

    install(Gate(), business_line)
    here, there = deals
    with pytest.raises(GateError) as exc:
        move_stage(admin, here, here.pipeline.stages[1].id)
    assert exc.value.problems == ["A signed NDA", "Objective"]
    assert exc.value.fields == ["objective"]
    move_stage(admin, there, there.pipeline.stages[1].id)  # not enabled there
    assert there.stage.position == 1


def test_hook_opportunity_stage_changed(install, business_line, deals, admin):
    class Moves(Recorder):
        @hookimpl
        def opportunity_stage_changed(self, opportunity, from_stage, to_stage, user):
            self.calls.append((opportunity.name, from_stage.name, to_stage.name, user.email))

    plugin = install(Moves(), business_line)
    here, there = deals
    move_stage(admin, here, here.pipeline.stages[1].id)
    move_stage(admin, there, there.pipeline.stages[1].id)
    assert plugin.calls == [("Here deal", "New", "Qualification", admin.email)]


def test_hook_opportunity_closed(install, business_line, deals, admin, lost_reason):
    class Closed(Recorder):
        @hookimpl
        def opportunity_closed(self, opportunity, won):
            self.calls.append((opportunity.name, won))

    plugin = install(Closed(), business_line)
    here, there = deals
    close_won(admin, here)
    close_won(admin, there)
    assert plugin.calls == [("Here deal", True)]
    move_stage(admin, here, here.pipeline.stage_of_kind("lost").id, lost_reason_id=lost_reason.id)
    assert plugin.calls[-1] == ("Here deal", False)


def test_hook_opportunity_saved(install, business_line, create_opportunity, admin):
    class Saved(Recorder):
        @hookimpl
        def opportunity_saved(self, opportunity, changes, created):
            self.calls.append((opportunity.name, created, sorted(changes)))

    plugin = install(Saved(), business_line)
    opp = create_opportunity(name="Saved deal", user=admin)
    update_opportunity(admin, opp, {"amount": "2500", "name": "Saved deal"}, opp.version)
    assert plugin.calls == [("Saved deal", True, []), ("Saved deal", False, ["amount"])]


def test_hook_contact_saved(install, create_opportunity, admin, sales_user):
    """The core calls contact_saved when owner sync gives the deal's owner to its contact."""

    class Contacts(Recorder):
        @hookimpl
        def contact_saved(self, contact, changes):
            self.calls.append((contact.last_name, changes["owner_id"][1].email))

    plugin = install(Contacts())  # contact hooks reach every installed plugin
    contact = factories.contact(last_name="Verdi", owner_id=sales_user.id)
    opp = create_opportunity(primary_contact_id=contact.id, user=admin, owner=sales_user)
    update_opportunity(admin, opp, {"owner_id": admin.id}, opp.version)
    assert plugin.calls == [("Verdi", admin.email)]
    assert contact.owner_id == admin.id


# --- page slots -----------------------------------------------------------------------------


class Actions:
    name = "actions"

    @hookimpl
    def opportunity_actions(self, opportunity, user):
        return [{"label": f"Greet {opportunity.name}", "href": "/hello"}]


def test_hook_opportunity_actions(install, business_line, deals, client, auth, admin):
    install(Actions(), business_line)
    here, there = deals
    auth.login(admin)
    assert "Greet Here deal" in client.get(f"/opportunities/{here.id}").get_data(as_text=True)
    assert "Greet There" not in client.get(f"/opportunities/{there.id}").get_data(as_text=True)


class Panels:
    name = "panels"

    @hookimpl
    def opportunity_panels(self, opportunity):
        html = render_template_string("<em>{{ name }}</em>", name=opportunity.name)
        return [{"name": "hello", "title": "Hello panel", "html": html}]


def test_hook_opportunity_panels(install, business_line, deals, client, auth, admin):
    install(Panels(), business_line)
    here, there = deals
    update_opportunity(admin, here, {"name": "<script>x</script>"}, here.version)
    auth.login(admin)
    page = client.get(f"/opportunities/{here.id}").get_data(as_text=True)
    assert 'data-panel="hello"' in page and "Hello panel" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    other = client.get(f"/opportunities/{there.id}").get_data(as_text=True)
    assert 'data-panel="hello"' not in other


def test_hook_account_panels(install, business_line, client, auth, admin):
    class AccountPanel:
        name = "account_panel"

        @hookimpl
        def account_panels(self, account, user):
            return [{"name": "hello-account", "title": f"About {account.name}", "html": ""}]

    account = factories.account("Globex")
    plugin = install(AccountPanel())  # installed, enabled nowhere: silent
    auth.login(admin)
    assert 'data-panel="hello-account"' not in client.get(f"/accounts/{account.id}").get_data(
        as_text=True
    )
    set_plugin_enabled(None, business_line.id, plugin.name, True)
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert 'data-panel="hello-account"' in page and "About Globex" in page
    assert isinstance(db.session.get(Account, account.id), Account)


def test_hook_admin_actions(install, client, auth, admin):
    class Tools:
        name = "tools"

        @hookimpl
        def admin_actions(self, user):
            return [{"label": "Hello tool", "href": "/hello-tool", "description": user.email}]

    install(Tools())
    auth.login(admin)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Hello tool" in page and 'href="/hello-tool"' in page and admin.email in page


def test_hook_board_card_badges(install, business_line, deals, app):
    class Badges:
        name = "badges"

        @hookimpl
        def board_card_badges(self, opportunity):
            return [{"label": "VIP", "style": "warning"}]

    install(Badges(), business_line)
    here, there = deals
    slot = (
        '{% for b in run_hook("board_card_badges", opportunity=opp) %}[{{ b.label }}]{% endfor %}'
    )
    with app.test_request_context():
        assert render_template_string(slot, opp=here) == "[VIP]"
        assert render_template_string(slot, opp=there) == ""


# --- amount ---------------------------------------------------------------------------------


def test_hook_opportunity_amount(install, business_line, deals, admin):
    class NoOpinion:
        name = "no_opinion"

        @hookimpl
        def opportunity_amount(self, opportunity):
            return None

    class AcceptedQuote:
        name = "accepted_quote"

        @hookimpl
        def opportunity_amount(self, opportunity):
            return Decimal("1234.5")

    install(AcceptedQuote(), business_line)
    install(NoOpinion(), business_line)  # registered last, called first: None passes on
    here, there = deals
    close_won(admin, here)
    close_won(admin, there)
    assert here.amount == Decimal("1234.50")
    assert there.amount == Decimal("1000.00")  # the plugin is off there: the core rule


# --- quotes and duplication (called by plugins/erp_quotes and plugins/renewals) -------------


def test_hook_register_quote_providers(install, business_line, deals):
    class Provider:
        name = "provider"

        @hookimpl
        def register_quote_providers(self):
            return ["fake-erp"]

    install(Provider(), business_line)
    here, there = deals
    assert "fake-erp" in flatten(hook("register_quote_providers", here)())
    assert "fake-erp" not in flatten(hook("register_quote_providers", there)())


def test_hook_quote_status_changed(install, business_line, deals):
    class Quotes(Recorder):
        @hookimpl
        def quote_status_changed(self, quote, old, new):
            self.calls.append((quote, old, new))

    plugin = install(Quotes(), business_line)
    here, there = deals
    hook("quote_status_changed", here)(quote="Q-1", old="sent", new="accepted")
    hook("quote_status_changed", there)(quote="Q-2", old="sent", new="accepted")
    assert plugin.calls == [("Q-1", "sent", "accepted")]


def test_hook_register_opportunity_cloners(install, business_line, deals):
    class TagCloner:
        name = "tags"

    class Cloners:
        name = "cloners"

        @hookimpl
        def register_opportunity_cloners(self):
            return [TagCloner]

    install(Cloners(), business_line)
    here, there = deals
    assert TagCloner in flatten(hook("register_opportunity_cloners", here)())
    assert TagCloner not in flatten(hook("register_opportunity_cloners", there)())


def test_hook_opportunity_duplicated(install, business_line, deals, admin):
    class Duplicates(Recorder):
        @hookimpl
        def opportunity_duplicated(self, source, new, kind, user):
            self.calls.append((source.name, new.name, kind))

    plugin = install(Duplicates(), business_line)
    here, there = deals
    hook("opportunity_duplicated", here)(source=here, new=here, kind="renewal", user=admin)
    hook("opportunity_duplicated", there)(source=there, new=there, kind="copy", user=admin)
    assert plugin.calls == [("Here deal", "Here deal", "renewal")]


def test_hook_register_reports(install, business_line, client, auth, admin):
    from webapp.reports.registry import ReportSpec
    from webapp.reports.report import Report, Table, TableColumn

    def build(user, filters):
        report = Report("Hello report")
        report.add(Table("greetings", "Greetings", [TableColumn("To")], [[user.name]]))
        return report

    class Reports:
        name = "reports"

        @hookimpl
        def register_reports(self):
            return [ReportSpec("hello", "Hello report", build, summary="Says hello")]

    plugin = install(Reports())  # installed, enabled in no business line
    auth.login(admin)
    assert client.get("/reports/hello").status_code == 404
    set_plugin_enabled(None, business_line.id, plugin.name, True)
    page = client.get("/reports/hello").get_data(as_text=True)
    assert "Greetings" in page and admin.name in page
    assert "/reports/hello/summary?" in client.get("/reports/").get_data(as_text=True)
    assert admin.name in client.get("/reports/hello/greetings.csv").get_data(as_text=True)


def test_hook_report_accepted_amounts(install, business_line, client, auth, admin):
    from sqlalchemy import select

    from tests.test_reports_won_lost import figures_of
    from webapp.models import Opportunity

    class Offers:
        name = "offers"

        @hookimpl
        def report_accepted_amounts(self):
            return select(
                Opportunity.id.label("opportunity_id"), (Opportunity.amount - 100).label("amount")
            ).where(Opportunity.name == "Quoted")

    plugin = install(Offers())
    pipeline = factories.pipeline(business_line)
    for name in ("Quoted", "Not quoted"):
        deal = factories.opportunity(
            admin, {"name": name, "amount": "1000", "stage_id": pipeline.stages[0].id}
        )
        close_won(admin, deal)
    auth.login(admin)
    figures = figures_of(client.get("/reports/accuracy").get_data(as_text=True))
    assert figures["With an accepted quote"] == "0 of 2"  # installed, enabled nowhere
    set_plugin_enabled(None, business_line.id, plugin.name, True)
    figures = figures_of(client.get("/reports/accuracy").get_data(as_text=True))
    assert figures["With an accepted quote"] == "1 of 2"
    assert figures["Final vs quote"] == "+11.1%"  # 1000 final against 900 accepted

    class Signed:
        name = "signed"

        @hookimpl
        def report_accepted_amounts(self):
            return select(Opportunity.id, (Opportunity.amount - 50)).where(
                Opportunity.name.in_(("Quoted", "Nowhere"))
            )

    install(Signed(), business_line)  # a second answer for the same deal: the highest counts
    figures = figures_of(client.get("/reports/accuracy").get_data(as_text=True))
    assert figures["With an accepted quote"] == "1 of 2"
    assert figures["Final vs quote"] == "+5.3%"  # 1000 against 950


def test_hook_demo_seeded(install):
    """Asked of the plugins enabled in some line, once the seed's deals are written: the
    demo enables ERP quotes in its first line (which then adds quotes), not this plugin."""
    from plugins.erp_quotes.models import ErpQuote
    from webapp.demo.seed import seed_demo

    class DemoRows:
        name = "demo_rows"
        seeds: list = []

        @hookimpl
        def demo_seeded(self, seed):
            self.seeds.append(seed)

    plugin = install(DemoRows())
    seed_demo(60, seed=7)
    assert plugin.seeds == []
    quoted = db.session.scalars(select(ErpQuote.opportunity_id)).all()
    assert quoted  # the demo's accepted quotes, for won deals
    won = select(func.count(Opportunity.id)).where(
        Opportunity.id.in_(quoted), Opportunity.status == "won"
    )
    assert db.session.scalar(won) == len(quoted)
