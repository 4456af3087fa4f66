"""A fresh install in real Chromium: the first admin (made with the CLI) signs in, finds
the empty board's call to action and creates the first deal through it."""

from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Opportunity, Pipeline, User

PASSWORD = "first-admin-pw"


def test_first_admin_creates_the_first_deal_from_the_empty_board(app, page, login):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "first@example.com", "--password", PASSWORD,
              "--role", "admin"]  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User))
    pipeline = db.session.scalar(select(Pipeline))
    first = pipeline.stages[0]

    login(page, admin, PASSWORD)
    for stage in pipeline.open_stages:
        expect(page.locator(f"#column-title-{stage.id}")).to_have_text(stage.name)
    empty = page.locator("#board-empty")
    expect(empty).to_contain_text("No open deals in this pipeline yet.")
    quick = page.locator(f"#quick-{first.id}")
    expect(quick).not_to_have_attribute("open", "")

    empty.get_by_role("link", name="Create your first deal").click()
    expect(quick).to_have_attribute("open", "")
    name = quick.get_by_label("Deal name")
    expect(name).to_be_focused()
    name.type("Our first deal")
    quick.get_by_label("Amount").fill("3500")
    quick.get_by_role("button", name=f"Add to {first.name}").click()

    card = page.locator(f"#cards-{first.id} .board-card", has_text="Our first deal")
    expect(card).to_be_visible()
    expect(empty).to_be_hidden()
    expect(page.locator(f"#column-{first.id} [data-count]")).to_have_text("1 deal")
    db.session.expire_all()
    deal = db.session.scalar(select(Opportunity))
    assert (deal.name, deal.stage_id, deal.owner_id) == ("Our first deal", first.id, admin.id)
    assert str(deal.amount) == "3500.00"
    # The other columns still offer their own quick create.
    expect(page.locator(f"#quick-{pipeline.stages[1].id} summary")).to_have_text("+ Add a deal")
    page.reload()
    expect(page.locator(f"#card-{deal.id}")).to_be_visible()
    expect(page.locator("#board-empty")).to_have_count(0)
