"""The main pages in real Chromium under the Content-Security-Policy: any violation reported
(console or ``securitypolicyviolation`` event) fails. Also drives the handlers that moved out
of inline attributes: a filter change refreshes the list, a dialog's Cancel closes it."""

from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Account

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


def watch(page) -> list[str]:
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda msg: problems.append(msg.text)
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
        else None,
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return problems


def visit(page, problems, path):
    response = page.goto(path)
    assert response.status < 400, (path, response.status)
    page.wait_for_load_state("networkidle")
    problems.extend(page.evaluate("window.__csp"))
    assert response.headers.get("content-security-policy")
    assert not problems, (path, problems)


def test_main_pages_load_without_csp_violations(
    page, login, admin, pipeline, create_opportunity
):
    problems = watch(page)
    opp = create_opportunity(name="Fiume rollout", account_name="Fiume SpA", owner=admin)
    account = db.session.scalar(select(Account))
    visit(page, problems, "/login")
    login(page, admin)
    for path in (
        "/board",
        "/opportunities",
        f"/opportunities/{opp.id}",
        "/accounts",
        f"/accounts/{account.id}",
        "/contacts",
        "/leads",
        "/reports",
        "/reports/forecast",
        "/imports",
        "/trash",
        "/admin/",
        "/admin/audit",
        "/profile/security",
    ):
        visit(page, problems, path)

    # a filter change (no inline eval) refreshes the deals list
    page.goto("/opportunities")
    page.locator("#filter-stage").select_option(str(pipeline.stages[1].id))
    expect(page.locator("[data-testid=deal-count]")).to_have_text("0 deals")

    # the new-deal dialog opens through htmx and its Cancel button closes it
    page.goto("/board")
    page.get_by_role("link", name="+ New deal").click()
    dialog = page.locator("#modal-root dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("#modal-root dialog")).to_have_count(0)
    problems.extend(page.evaluate("window.__csp"))
    assert not problems, problems
