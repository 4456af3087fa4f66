"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server."""

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import expect, sync_playwright

    # As long as an action may wait (new_page): the CI runs both suites side by side on two
    # cores, where a page has been seen to take 4 s to come; a wrong page still fails.
    expect.set_options(timeout=10_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(locale=None, viewport=None): a page in a fresh browser context (own cookies),
    on the live server; ``locale`` (e.g. ``it-IT``) is what Chromium sends as
    Accept-Language; ``viewport`` (width, height) defaults to a desktop's 1400 x 900."""
    contexts = []

    def make(locale: str | None = None, viewport: tuple[int, int] = (1400, 900)):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": viewport[0], "height": viewport[1]},
            **({"locale": locale} if locale else {}),
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def login():
    """login(page, user): sign in through the real form."""

    def do(page, user, password: str = PASSWORD):
        page.goto("/login")
        page.locator("#email").fill(user.email)  # by id: the page may be in Italian or Persian
        page.locator("#password").fill(password)
        page.locator("#password").press("Enter")
        page.wait_for_url("**/board**")
        return page

    return do
