from playwright.sync_api import expect


def test_log_in_and_see_the_board(page, login, sales_user, create_opportunity, pipeline):
    create_opportunity(name="Acme rollout 2027", amount="25000")
    page.goto("/board")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # login required
    login(page, sales_user)
    expect(page.get_by_role("heading", name=pipeline.name)).to_be_visible()
    for stage in pipeline.open_stages:
        expect(page.locator(f"#column-title-{stage.id}")).to_have_text(stage.name)
    card = page.locator(".board-card", has_text="Acme rollout 2027")
    expect(card).to_be_visible()
    expect(page.locator(f"#column-{pipeline.stages[0].id} [data-count]")).to_have_text("1 deal")


def test_wrong_password_shows_message(page, sales_user):
    page.goto("/login")
    page.get_by_label("Email").fill(sales_user.email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(sales_user.email)
