"""The plugin manager: bundled and entry-point plugins, enablement per business line, the admin
matrix and ``plugins list``."""

import re
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
from flask import render_template_string

from tests import factories
from tests.conftest import PASSWORD
from webapp.admin.services import plugin_matrix, set_plugin_enabled
from webapp.errors import NotFound, PermissionDenied
from webapp.extensions import db
from webapp.models import PluginEnablement
from webapp.plugins import EXTENSION_KEY, hook, is_enabled, registry

HELLO_SOURCE = Path(__file__).parent / "fixtures" / "opportuno_hello"


def test_registry_lives_in_the_app_not_in_a_module_global(app, make_app):
    other = make_app()
    assert app.extensions[EXTENSION_KEY] is not other.extensions[EXTENSION_KEY]
    assert registry() is app.extensions[EXTENSION_KEY]


def test_bundled_plugins_are_registered_and_optional(app):
    info = {p.name: p for p in registry().info()}
    assert info["pipeline_variants"].source == "bundled"
    assert info["pipeline_variants"].title == "Pipeline variants"
    assert info["pipeline_variants"].description.startswith("Pipeline templates (Brevo")
    for plugin in info.values():  # people read these: no internal notes
        assert "[seed" not in plugin.description and plugin.title != plugin.name
    assert "opportunity_stage_changing" in info["pipeline_variants"].hooks
    assert "default_hooks" in registry().core
    assert "default_hooks" not in registry().optional


def test_plugins_are_off_until_enabled(business_line):
    assert not is_enabled("pipeline_variants", business_line.id)
    assert is_enabled("default_hooks", business_line.id)
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    assert is_enabled("pipeline_variants", business_line.id)
    set_plugin_enabled(None, business_line.id, "pipeline_variants", False)
    assert not is_enabled("pipeline_variants", business_line.id)


def test_subset_caller_leaves_out_plugins_disabled_in_the_line(business_line):
    other = factories.business_line("Services")
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    here = hook("register_pipeline_templates", business_line_id=business_line.id)()
    there = hook("register_pipeline_templates", business_line_id=other.id)()
    assert any(t["key"] == "vtiger" for result in here for t in result)
    assert not any(t["key"] == "vtiger" for result in there for t in result)


def test_enablement_of_unknown_plugins_or_lines_is_refused(business_line, admin, sales_user):
    with pytest.raises(NotFound):
        set_plugin_enabled(admin, business_line.id, "no_such_plugin", True)
    with pytest.raises(NotFound):
        set_plugin_enabled(admin, 999, "pipeline_variants", True)
    with pytest.raises(PermissionDenied):
        set_plugin_enabled(sales_user, business_line.id, "pipeline_variants", True)
    assert db.session.query(PluginEnablement).count() == 0


def test_rows_of_uninstalled_plugins_are_ignored(business_line):
    db.session.add(PluginEnablement(business_line_id=business_line.id, plugin="gone"))
    db.session.commit()
    registry().forget_enablement()
    assert "gone" not in registry().enabled_for(business_line.id)
    assert all(name != "gone" for _, name in plugin_matrix().enabled)


def test_slot_queries_do_not_grow_with_cards(
    business_line, create_opportunity, admin, app, count_queries
):
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    deals = [create_opportunity(name=f"Deal {i}", user=admin) for i in range(30)]
    for deal in deals:  # load what the card shows beforehand, like the board does
        assert deal.stage.rotting_days
    registry().forget_enablement()
    slot = '{% for opp in deals %}{{ run_hook("board_card_badges", opportunity=opp)|length }}'
    with app.test_request_context(), count_queries() as queries:
        render_template_string(slot + "{% endfor %}", deals=deals)
    assert len(queries) == 1  # the line's enablement, once


# --- admin page -----------------------------------------------------------------------------


def test_admin_matrix_page(business_line, admin, client, auth):
    factories.business_line("Services")
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    auth.login(admin)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Plugins per business line" in page
    assert 'data-plugin="pipeline_variants" data-enabled="yes"' in page
    assert 'data-plugin="pipeline_variants" data-enabled="no"' in page  # in Services
    assert "Keep contact and deal owners in sync" in page
    assert "/admin/pipelines/" in page  # the plugin's tool link


def test_admin_toggle_with_htmx(business_line, admin, client, auth):
    auth.login(admin)
    url = f"/admin/plugins/{business_line.id}/pipeline_variants"
    on = client.post(url, data={"enabled": "1"}, headers={"HX-Request": "true"})
    assert on.status_code == 200
    assert 'data-enabled="yes"' in on.get_data(as_text=True)
    assert is_enabled("pipeline_variants", business_line.id)
    off = client.post(url, data={"enabled": "0"}, headers={"HX-Request": "true"})
    assert 'data-enabled="no"' in off.get_data(as_text=True)
    registry().forget_enablement()
    assert not is_enabled("pipeline_variants", business_line.id)


def test_admin_toggle_without_javascript_redirects(business_line, admin, client, auth):
    auth.login(admin)
    response = client.post(
        f"/admin/plugins/{business_line.id}/pipeline_variants", data={"enabled": "1"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")


def test_admin_is_for_admins(business_line, manager, client, auth):
    auth.login(manager)
    page = client.get("/admin/")
    assert page.status_code == 200  # managers get the tools of their business lines...
    html = page.get_data(as_text=True)
    assert "/admin/pipelines/" in html
    assert 'id="plugins"' not in html and 'id="owners"' not in html  # ...not the settings
    response = client.post(
        f"/admin/plugins/{business_line.id}/pipeline_variants", data={"enabled": "1"}
    )
    assert response.status_code == 403
    registry().forget_enablement()
    assert not is_enabled("pipeline_variants", business_line.id)


def test_admin_toggle_needs_csrf(make_app, business_line, admin):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    response = client.post(
        f"/admin/plugins/{business_line.id}/pipeline_variants", data={"enabled": "1"}
    )
    assert response.status_code == 400
    assert db.session.query(PluginEnablement).count() == 0


def test_admin_nav_shows_admin_to_admins_and_managers(admin, manager, sales_user, client, auth):
    auth.login(admin)
    assert 'href="/admin/"' in client.get("/admin/").get_data(as_text=True)
    auth.logout()
    auth.login(manager)
    assert 'href="/admin/"' in client.get("/board").get_data(as_text=True)
    auth.logout()
    auth.login(sales_user)
    assert 'href="/admin/"' not in client.get("/board").get_data(as_text=True)
    assert client.get("/admin/").status_code == 403


# --- CLI ------------------------------------------------------------------------------------


def test_plugins_list_cli(business_line, runner):
    factories.business_line("Services")
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    result = runner.invoke(args=["plugins", "list"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("pipeline_variants"))
    assert "bundled" in line and line.endswith("enabled in: Software")


# --- a third-party plugin through its entry point -------------------------------------------


@pytest.fixture(scope="module")
def hello_site(tmp_path_factory) -> Path:
    """Installs tests/fixtures/opportuno_hello into a private site directory the way an
    installer does: the package plus a ``.dist-info`` with its METADATA and the entry points
    declared in its pyproject.toml (no network, no build backend needed)."""
    project = tomllib.loads((HELLO_SOURCE / "pyproject.toml").read_text())["project"]
    target = tmp_path_factory.mktemp("hello") / "site"
    shutil.copytree(HELLO_SOURCE / "opportuno_hello", target / "opportuno_hello")
    dist_info = target / f"opportuno_hello-{project['version']}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    groups = project["entry-points"]
    (dist_info / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
            for group, points in groups.items()
        )
    )
    return target


@pytest.fixture
def hello_installed(hello_site, monkeypatch):
    monkeypatch.syspath_prepend(str(hello_site))
    yield hello_site
    sys.modules.pop("opportuno_hello", None)


def test_entry_point_plugin_works_only_where_enabled(
    hello_installed, make_app, business_line, pipeline, admin, create_opportunity
):
    other_line = factories.business_line("Services")
    other_pipeline = factories.pipeline(other_line, "Services")
    admin.business_lines.append(other_line)
    db.session.commit()
    here = create_opportunity(name="Here deal", user=admin)
    there = create_opportunity(name="There deal", stage_id=other_pipeline.stages[0].id, user=admin)

    app = make_app()  # a new app discovers the installed distribution's entry point
    info = {p.name: p for p in app.extensions[EXTENSION_KEY].info()}
    assert info["hello"].source == "entry point"
    assert info["hello"].distribution == "opportuno-hello 0.1.0"

    client = app.test_client()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    response = client.post(
        f"/admin/plugins/{business_line.id}/hello", data={"enabled": "1"}, follow_redirects=True
    )
    assert response.status_code == 200

    page = client.get(f"/opportunities/{here.id}").get_data(as_text=True)
    assert 'data-panel="hello"' in page and "Hello Ada Admin, this is Here deal." in page
    other = client.get(f"/opportunities/{there.id}").get_data(as_text=True)
    assert 'data-panel="hello"' not in other

    listing = app.test_cli_runner().invoke(args=["plugins", "list"]).output
    hello_line = next(ln for ln in listing.splitlines() if ln.startswith("hello"))
    assert "opportuno-hello 0.1.0" in hello_line and hello_line.endswith("enabled in: Software")


def test_without_the_distribution_there_is_no_hello_plugin(make_app):
    app = make_app()
    assert "hello" not in app.extensions[EXTENSION_KEY].optional


def test_plugins_enable_and_disable_cli(business_line, runner):
    factories.business_line("Services")
    result = runner.invoke(args=["plugins", "enable", "pipeline_variants", "--line", "software"])
    assert result.exit_code == 0 and result.output == "pipeline_variants enabled in: Software\n"
    registry().forget_enablement()
    assert is_enabled("pipeline_variants", business_line.id)
    result = runner.invoke(args=["plugins", "disable", "pipeline_variants"])
    assert result.output == "pipeline_variants disabled in: Services, Software\n"
    registry().forget_enablement()
    assert not is_enabled("pipeline_variants", business_line.id)
    bad = runner.invoke(args=["plugins", "enable", "nope"])
    assert bad.exit_code != 0 and "no plugin named 'nope'" in bad.output
    bad_line = runner.invoke(args=["plugins", "enable", "pipeline_variants", "--line", "x"])
    assert bad_line.exit_code != 0 and "Unknown business line: x" in bad_line.output
