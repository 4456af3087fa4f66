"""Numbers typed the Italian way in real Chromium (``locale="it-IT"`` makes it send
``Accept-Language: it-IT``): the inline Amount editor reads ``1.500,50`` as 1500.50."""

from decimal import Decimal

from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import Opportunity


def test_italian_amount_in_the_inline_editor(new_page, login, sales_user, create_opportunity):
    deal = create_opportunity(name="Acme support", amount="1000")
    page = new_page(locale="it-IT")
    login(page, sales_user)
    page.goto(f"/opportunities/{deal.id}")
    amount = page.locator("#field-amount")
    amount.get_by_role("button").first.click()
    editor = amount.get_by_role("textbox", name="Importo")  # the page is in Italian
    expect(editor).to_have_value("1000,00")  # shown as Italian reads it back
    # The English way is refused, with what to type, the typed text kept.
    editor.fill("1,500.50")
    amount.get_by_role("button", name="Salva").click()
    expect(amount.locator(".invalid-feedback")).to_have_text(
        "1,500.50 non è un numero in italiano: scrivi 1500,50 o 1.500,50."
    )
    expect(amount.get_by_role("textbox", name="Importo")).to_have_value("1,500.50")
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1000.00")

    amount.get_by_role("textbox", name="Importo").fill("1.500,50")
    amount.get_by_role("textbox", name="Importo").press("Enter")
    expect(amount.get_by_role("button", name="1.500,50 €")).to_be_visible()
    db.session.expire_all()
    stored = db.session.get(Opportunity, deal.id)
    assert (stored.amount, stored.version) == (Decimal("1500.50"), 2)
