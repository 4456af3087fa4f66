"""The import mapping screen in real Chromium: upload an Italian CSV from the deals list, see
the guessed fields and the ambiguous dates, change one column's field and the date order,
watch the preview change, and find the choices in ``run.options``."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.htmx import settled
from webapp.extensions import db
from webapp.models import ImportMapping, ImportRun

ITALIAN = (
    "Nome;Azienda;Importo (€);Data chiusura;Note;;;\r\n"
    "Fornitura caffè;Caffè Rossi srl;€ 1.500,50;03/04/2026;Cliente storico;;;\r\n"
    "Rinnovo annuale;Bar Città;2.000,00;05/06/2026;;;;\r\n"
    "Assistenza;Bianchi spa;12,5;07/08/2026;Urgente;;;\r\n"
)


def test_map_an_italian_csv_and_preview_it(page, login, sales_user, tmp_path):
    path = tmp_path / "trattative.csv"
    path.write_bytes(ITALIAN.encode("cp1252"))
    login(page, sales_user)

    page.goto("/opportunities")
    page.get_by_role("link", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"/imports/new\?entity=opportunity$"))
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Upload and map columns").click()
    page.wait_for_url(re.compile(r"/imports/\d+/mapping$"))
    run_id = int(page.url.rsplit("/", 2)[-2])

    # the guesses
    assert page.get_by_label("Nome").input_value() == "name"
    assert page.get_by_label("Azienda").input_value() == "account"
    assert page.get_by_label("Importo (€)").input_value() == "amount"
    assert page.get_by_label("Data chiusura").input_value() == "close_date"
    assert page.get_by_label("Note").input_value() == "description"
    assert page.get_by_label("Encoding").input_value() == "cp1252"
    assert page.get_by_label("Columns separated by").input_value() == "semicolon"
    assert page.get_by_label("Amounts written with a").input_value() == "comma"
    expect(page.locator('[data-ambiguous="date"]')).to_contain_text("like 03/04/2026")
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("Caffè Rossi srl")
    expect(preview).to_contain_text("1,500.5")
    expect(preview).to_contain_text("Apr 3, 2026")  # day/month, the Italian default
    page.screenshot(path=str(tmp_path / "mapping.png"), full_page=True)

    # one column to another field, and the other date order: the preview follows
    page.get_by_label("Note").select_option("")  # do not import
    expect(preview.locator("th[data-field=description]")).to_have_count(0)
    settled(page)
    page.get_by_label("Azienda").select_option("contact")
    expect(preview.locator("th[data-field=contact]")).to_have_count(1)
    expect(preview.locator("th[data-field=account]")).to_have_count(0)
    settled(page)
    page.get_by_label("Dates written as").select_option("mdy")
    expect(preview).to_contain_text("Mar 4, 2026")
    expect(page.locator("[data-saved]")).to_be_visible()

    db.session.expire_all()
    run = db.session.get(ImportRun, run_id)
    assert run.options["date_order"] == "mdy"
    assert run.options["decimal"] == ","
    assert run.options["encoding"] == "cp1252"
    assert run.options["delimiter"] == ";"
    assert run.options["mapping"] == {"0": "name", "1": "contact", "2": "amount", "3": "close_date"}
    remembered = db.session.scalars(select(ImportMapping)).one()
    assert remembered.mapping == run.options["mapping"]

    # taking away the required field: said, not saved, and the import cannot start
    settled(page)
    page.get_by_label("Nome").select_option("")
    expect(page.locator("[data-problems]")).to_contain_text("Choose the column that holds Name")
    expect(page.get_by_role("button", name="Start import")).to_be_disabled()
    db.session.expire_all()
    assert db.session.get(ImportRun, run_id).options["mapping"]["0"] == "name"


def test_a_second_change_made_while_the_first_is_sent_is_kept(page, login, sales_user, tmp_path):
    """Two fields changed one right after the other: the second must not be lost to the answer
    of the first (the form is replaced by each answer)."""
    path = tmp_path / "trattative.csv"
    path.write_bytes(ITALIAN.encode("cp1252"))
    login(page, sales_user)
    page.goto("/imports/new?entity=opportunity")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Upload and map columns").click()
    page.wait_for_url(re.compile(r"/imports/\d+/mapping$"))
    run_id = int(page.url.rsplit("/", 2)[-2])
    settled(page)

    page.get_by_label("Note").select_option("")
    page.get_by_label("Dates written as").select_option("mdy")  # no wait in between
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("Mar 4, 2026")
    expect(preview.locator("th[data-field=description]")).to_have_count(0)
    settled(page)
    assert page.get_by_label("Note").input_value() == ""
    db.session.expire_all()
    run = db.session.get(ImportRun, run_id)
    assert run.options["date_order"] == "mdy"
    assert "description" not in run.options["mapping"].values()
    assert run.choices_sent  # app.js sent when each change left: the newest is kept
