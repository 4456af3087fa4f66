"""The interface language: chosen by the user (profile, switcher), else by Accept-Language;
``<html lang dir>``, the right Bootstrap build, complete catalogues."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.i18n.catalogs import CORE_CATALOGS, PROJECT_ROOT, compile_stale
from webapp.models import Opportunity, User

IT = {"Accept-Language": "it-IT,it;q=0.9"}
FA = {"Accept-Language": "fa-IR,fa;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def stored_locale(user) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).locale


def test_the_sign_in_page_follows_accept_language(client):
    italian = client.get("/login", headers=IT).text
    assert 'lang="it" dir="ltr"' in html_tag(italian)
    assert "<h1 class=\"h4 mb-1\">Accedi</h1>" in italian and "Resta collegato" in italian
    persian = client.get("/login", headers=FA).text
    assert 'lang="fa" dir="rtl"' in html_tag(persian)
    assert "bootstrap.rtl.min.css" in persian and "ورود" in persian
    english = client.get("/login", headers={"Accept-Language": "de-DE"}).text
    assert 'lang="en" dir="ltr"' in html_tag(english) and "Sign in" in english


def test_a_wrong_password_is_refused_in_the_chosen_language(client, sales_user):
    page = client.post(
        "/login", data={"email": sales_user.email, "password": "nope"}, headers=IT
    ).text
    assert "Email o password errata." in page


def test_the_switcher_on_the_sign_in_page_keeps_the_choice_in_the_session(client):
    response = client.post("/language", data={"locale": "fa", "next": "/login"}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert 'lang="fa" dir="rtl"' in html_tag(client.get("/login", headers=EN).text)


def test_the_users_choice_is_saved_and_wins_over_the_browser(client, auth, sales_user):
    auth.login(sales_user)
    response = client.post("/language", data={"locale": "it", "next": "/opportunities?q=x"})
    assert response.headers["Location"] == "/opportunities?q=x"
    assert stored_locale(sales_user) == "it"
    page = client.get("/opportunities", headers=FA).text
    assert 'lang="it"' in html_tag(page)
    assert ">Bacheca</a>" in page and "+ Nuova opportunità" in page
    assert re.search(r'value="it" lang="it"\s+class="dropdown-item active"', page)


def test_numbers_are_read_in_the_users_language(client, auth, sales_user, create_opportunity):
    deal = create_opportunity(name="Acme support", amount="1000")
    sales_user.locale = "it"
    db.session.commit()
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{deal.id}/fields/amount",
        data={"amount": "1.500,50", "version": str(deal.version)},
        headers={**EN, "HX-Request": "true"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1500.50")


@pytest.mark.parametrize("locale", ["de", "", "it\x00", "x" * 5000])
def test_a_language_not_offered_is_refused_and_nothing_changes(client, auth, sales_user, locale):
    auth.login(sales_user)
    response = client.post("/language", data={"locale": locale})
    assert response.status_code == 400
    assert "Choose one of the languages offered." in response.text
    assert stored_locale(sales_user) is None


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil", None])
def test_the_switcher_never_redirects_off_site(client, target):
    data = {"locale": "it"} | ({"next": target} if target else {})
    assert client.post("/language", data=data).headers["Location"] == "/"


def test_the_switcher_needs_the_csrf_token(make_app, sales_user):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/language", data={"locale": "it"})
    assert response.status_code == 400
    assert stored_locale(sales_user) is None


def test_hook_register_translation_folders(make_app, tmp_path):
    """A plugin's catalogue joins the core's and wins on a message both translate."""
    po = tmp_path / "it" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid "Sign in"\nmsgstr "Entra"\n', encoding="utf-8")
    compile_stale([tmp_path])

    class Wording:
        name = "wording"

        @hookimpl
        def register_translation_folders(self):
            return [tmp_path]

    app = make_app(OPPORTUNO_PLUGINS=[Wording()])
    folders = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert folders[0] == str(CORE_CATALOGS) and str(tmp_path) in folders
    assert {Path(f).parent.name for f in folders} >= {"erp_quotes", "renewals"}  # bundled ones
    page = app.test_client().get("/login", headers=IT).text
    assert '<h1 class="h4 mb-1">Entra</h1>' in page
    assert "Resta collegato" in page  # the core's other messages still apply


# --- the catalogues ---------------------------------------------------------------------------

SKIPPED_DIRS = {"plugins", "tests", "bench", "migrations", "instance", "build", "dist"}


PLUGIN_SKIPPED_DIRS = {"migrations"}
BUNDLED_PLUGINS = sorted(
    path.parent.name for path in (PROJECT_ROOT / "plugins").glob("*/__init__.py")
)


def marked_strings(root: Path = PROJECT_ROOT, skipped=SKIPPED_DIRS) -> set[str]:
    """What `make messages` extracts for a catalogue (the core's, or a bundled plugin's from
    its own folder), read straight from the code."""

    def wanted(path: str) -> bool:
        name = Path(path).name
        return name not in skipped and not name.startswith((".", "_"))

    found = extract_from_dir(
        root,
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        keywords={**DEFAULT_KEYWORDS, "_l": None},
        directory_filter=wanted,
    )
    return {message if isinstance(message, str) else message[0] for *_, message, _, _ in found}


def test_the_plugins_strings_are_found():
    """The extraction sees the bundled plugins' templates and code (else the test below
    would pass on an empty list)."""
    assert "Renew…" in marked_strings(PROJECT_ROOT / "plugins" / "renewals", PLUGIN_SKIPPED_DIRS)
    assert "Quotes" in marked_strings(PROJECT_ROOT / "plugins" / "erp_quotes", PLUGIN_SKIPPED_DIRS)


@pytest.mark.parametrize("lang", ["it", "fa"])
@pytest.mark.parametrize("plugin", [None, *BUNDLED_PLUGINS])
def test_every_marked_string_is_translated(lang, plugin):
    """The core's catalogue, and each bundled plugin's own (webapp/translations,
    plugins/<name>/translations), holds a translation of every string marked in its code."""
    folder = CORE_CATALOGS if plugin is None else PROJECT_ROOT / "plugins" / plugin / "translations"
    with (folder / lang / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=lang)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and "fuzzy" not in m.flags and all(m.string if m.pluralizable else [m.string])
    }
    code = (
        marked_strings()
        if plugin is None
        else marked_strings(PROJECT_ROOT / "plugins" / plugin, PLUGIN_SKIPPED_DIRS)
    )
    missing = code - translated
    assert not missing, f"untranslated in {lang} (run `make messages`, then translate): {missing}"
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert not problems  # e.g. a %(name)s placeholder lost in translation
