"""The opportunity page of a busy deal in Italian and Persian: its words from the catalogues,
its amounts, numbers and dates from the locale formatters, its timeline translated when
shown (entries are stored in English)."""

import io
import re
from decimal import Decimal

import pytest

from tests import factories
from webapp.extensions import db
from webapp.file_sizes import file_size
from webapp.models import TimelineEntry
from webapp.opportunities import activities, notes, relations, services
from webapp.opportunities.documents import upload_document

IT = {"Accept-Language": "it-IT,it;q=0.9"}
FA = {"Accept-Language": "fa-IR,fa;q=0.9"}
PERSIAN_DIGIT = re.compile("[۰-۹]")


def text_of(html: str) -> str:
    """The page's visible text, one space between words (no-break spaces kept)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


@pytest.fixture
def busy_deal(create_opportunity, sales_user, tmp_path):
    """A deal with every panel filled: lines, contacts, a competitor, an activity, a note,
    a document and a timeline (a line changed, the amount set by hand)."""
    account = factories.account("Acme S.p.A.")
    deal = create_opportunity(name="Acme support", amount="0", account_id=account.id)
    product = factories.product("Support plan", "1234.56")
    line = services.add_line(sales_user, deal, {"product_id": product.id, "quantity": "1"})
    services.update_line(sales_user, deal, line.id, {"quantity": "2", "discount": "10"})
    contact = factories.contact(account, first_name="Giulia", last_name="Verdi")
    relations.add_contact(sales_user, deal, contact.id, "decision_maker")
    relations.add_account(sales_user, deal, "competitor", {"account_name": "Rivale S.r.l."})
    activities.create_activity(sales_user, deal, {"subject": "Demo call"})
    notes.add_note(sales_user, deal, "Budget approved.")
    upload_document(
        sales_user, deal, io.BytesIO(b"offer"), "offer.txt", folder=str(tmp_path), limit=10**6
    )
    services.update_opportunity(sales_user, deal, {"amount": "1234.56"})
    return deal


def test_the_busy_deal_reads_in_italian(client, auth, sales_user, busy_deal):
    auth.login(sales_user)
    html = client.get(f"/opportunities/{busy_deal.id}", headers=IT).text
    shown = text_of(html)
    for words in (
        "Panoramica",
        "Prodotti",
        "Attività",
        "Contatti",
        "Concorrenti",
        "Documenti",
        "Note",
        "Cronologia",
        "Comitato d'acquisto:",
        "Prezzo unitario",
        "Aggiungi riga",
        "Chiusura prevista",
        "Pianifica attività…",
    ):
        assert words in shown, words
    assert 'placeholder="Scrivi una nota per i colleghi"' in html
    assert 'data-figure="amount">1.234,56\xa0€' in html  # Italian money: 1.234,56 €
    assert "Decisore ✓" in shown and "Manca: finanza" in shown  # the buying committee
    assert "Caricato offer.txt" in shown  # a timeline message, translated when shown
    assert "Modificato Support plan: quantità" in shown  # and its field names
    assert "importo 2.222,21\xa0€ → 1.234,56\xa0€" in shown
    assert "Aggiunto Giulia Verdi (Decisore)" in shown  # the stored role, translated
    assert "Created" not in shown and "Uploaded" not in shown and "Remove" not in shown
    # The stored entries stay English: another reader gets them in their own language.
    messages = db.session.scalars(db.select(TimelineEntry.message)).all()
    assert "Uploaded offer.txt" in messages


def test_the_busy_deal_reads_in_persian_with_persian_digits(client, auth, sales_user, busy_deal):
    auth.login(sales_user)
    html = client.get(f"/opportunities/{busy_deal.id}", headers=FA).text
    assert re.search(r'<html lang="fa" dir="rtl"', html)
    shown = text_of(html)
    for words in ("نمای کلی", "محصولات", "خط زمانی", "کمیته خرید:", "قیمت واحد", "افزودن ردیف"):
        assert words in shown, words
    amount = re.search(r'data-figure="amount">([^<]+)<', html).group(1)
    assert amount == "\u200e€\xa0۱٬۲۳۴٫۵۶"  # Persian separators and digits
    assert "offer.txt بارگذاری شد" in shown
    assert file_size(5, locale="fa") in shown and "۵" in file_size(5, locale="fa")  # 5 bytes
    created = re.search(r'<time datetime="[^"]+">([^<]+)</time>', html).group(1)
    assert PERSIAN_DIGIT.search(created) and not re.search("[0-9]", created)  # Solar Hijri
    assert "Overview" not in shown and "Products" not in shown and "Timeline" not in shown


def test_a_refused_line_answers_in_the_readers_language(client, auth, sales_user, busy_deal):
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{busy_deal.id}/lines",
        data={"product_id": "", "description": "", "quantity": "1"},
        headers={**IT, "HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Scegli un prodotto o descrivi la riga." in response.text
    db.session.expire_all()
    assert len(busy_deal.lines) == 1 and busy_deal.amount == Decimal("1234.56")
