"""The lists (accounts, contacts, leads: columns, filters, saved views), their record pages
and forms, the imports, the export menu and the trash render in Italian and Persian with no
interface text left in English (tests/i18n_text.py), with amounts and counts written the
locale's way."""

import io
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from webapp.extensions import db
from webapp.leads.services import create_lead
from webapp.listing.saved import create_view
from webapp.models import Account, ImportRun, Lead
from webapp.pipelines.services import DEFAULT_STAGES
from webapp.trash.services import trash

from . import factories
from .i18n_text import HEADERS, assert_translated

HX = {"HX-Request": "true"}


def posting(client, form, refused: bool = False):
    """``client`` as ``assert_translated`` calls it, posting ``form()`` (a fresh body each
    time: a file is read once). ``refused``: each answer must be 422, the form sent back
    with its errors (then passed on as a page, which the finder reads)."""

    def post(url, **kwargs):
        response = client.post(url, data=form(), **kwargs)
        if refused:
            assert response.status_code == 422, (url, response.status_code)
            response.status_code = 200
        return response

    return SimpleNamespace(post=post)


IT, FA = HEADERS["it"], HEADERS["fa"]
STAGES = [s["name"] for s in DEFAULT_STAGES]
CSV = (
    "Nome;Azienda;Importo;Data chiusura\r\nFornitura caffè;Caffè Rossi srl;1.500,50;03/04/2026\r\n"
)


@pytest.fixture
def book(auth, admin, sales_user, create_opportunity):
    """An address book signed in as the admin: two accounts (one with an open deal), a
    contact, a lead, a saved view; ``data`` is every value the pages show as it is."""
    fiume = factories.account(
        "Fiume Foods", industry="Food", city="Milano", country="Schweiz", owner=admin
    )
    other = factories.account("Bianchi Trasporti", city="Torino", owner=admin)
    anna = factories.contact(
        fiume, "Rossi", first_name="Anna", email="anna@fiume.example", title="CFO", owner=admin
    )
    deal = create_opportunity(
        name="Fornitura Fiume", amount="1234.56", account_id=fiume.id, primary_contact_id=anna.id
    )
    lead = create_lead(
        admin,
        {
            "first_name": "Luca",
            "last_name": "Verdi",
            "company": "Verdi Srl",
            "email": "luca@verdi.example",
        },
    )
    view = create_view(admin, "account", "Milanesi", MultiDict({"q": "Milano"}), shared=True)
    db.session.commit()
    auth.login(admin)
    data = [
        "Fiume Foods",
        "Bianchi Trasporti",
        "Food",
        "Milano",
        "Torino",
        "Schweiz",
        "Anna Rossi",
        "Anna",
        "Rossi",
        "anna@fiume.example",
        "CFO",
        "Fornitura Fiume",
        "Luca Verdi",
        "Luca",
        "Verdi",
        "Verdi Srl",
        "luca@verdi.example",
        "Milanesi",
        admin.name,
        admin.email,
        sales_user.name,
        sales_user.email,
        "Software",
        "Sales",
        *STAGES,
    ]
    return {
        "fiume": fiume,
        "other": other,
        "anna": anna,
        "deal": deal,
        "lead": lead,
        "view": view,
        "data": data,
    }


def test_the_accounts_list_its_filters_saved_view_and_fragment(client, book):
    data = book["data"]
    assert_translated(client, "/accounts", data=data)
    assert_translated(client, "/accounts?q=Fiume&industry=Food&owner=me", data=data)
    assert_translated(client, "/accounts?q=nobody-here", data=data + ["nobody-here"])
    assert_translated(client, f"/accounts?view={book['view'].id}", data=data, follow_redirects=True)
    assert_translated(client, "/accounts?q=Fiume", data=data, headers=HX)
    assert_translated(client, "/accounts/search?q=Fi", data=data + ["Fi"], headers=HX)
    assert_translated(client, "/accounts/search?q=Zeta", data=data + ["Zeta"], headers=HX)


def test_the_contacts_and_leads_lists(client, book):
    data = book["data"]
    assert_translated(client, "/contacts", data=data)
    assert_translated(client, f"/contacts?has_email=1&account_id={book['fiume'].id}", data=data)
    assert_translated(client, "/contacts?q=Anna", data=data, headers=HX)
    assert_translated(client, "/leads", data=data)
    for status in ("all", "converted", "new"):
        assert_translated(client, f"/leads?status={status}", data=data)
    assert_translated(client, "/leads?q=nobody", data=data + ["nobody"], headers=HX)


def test_an_empty_list_invites_to_create_the_first_record(client, auth, admin):
    auth.login(admin)
    data = [admin.name, admin.email]
    for url in ("/accounts", "/contacts", "/leads"):
        assert_translated(client, url, data=data)


def test_the_record_pages(client, book):
    data = book["data"] + ["Other"]  # the deal's contact role: the deal pages translate them
    assert_translated(client, f"/accounts/{book['fiume'].id}", data=data)
    assert_translated(client, f"/accounts/{book['other'].id}", data=data)
    assert_translated(client, f"/contacts/{book['anna'].id}", data=data)
    assert_translated(client, f"/leads/{book['lead'].id}", data=data)
    assert_translated(client, f"/leads/{book['lead'].id}/convert", data=data)


def test_the_forms_and_a_form_sent_back_with_its_errors(client, book):
    data = book["data"]
    for url in ("/accounts/new", f"/accounts/{book['fiume'].id}/edit", "/contacts/new",
                f"/contacts/{book['anna'].id}/edit", "/leads/new",
                f"/leads/{book['lead'].id}/edit"):  # fmt: skip
        assert_translated(client, url, data=data)
    bad = {"name": "", "website": "ftp:x", "email": "nope"}
    assert_translated(
        posting(client, lambda: bad, refused=True),
        "/accounts/new",
        data=data + ["ftp:x", "nope"],
        method="post",
    )
    contact = {"last_name": "", "email": "nope", "account_name": "Fiu"}
    assert_translated(
        posting(client, lambda: contact, refused=True),
        "/contacts/new",
        data=data + ["nope", "Fiu"],
        method="post",
    )
    assert_translated(
        posting(client, lambda: {"email": "nope"}, refused=True),
        "/leads/new",
        data=data + ["nope"],
        method="post",
    )
    page = client.post("/accounts/new", data=bad, headers=IT).text
    assert "Inserisci un indirizzo email come anna@example.com." in page
    assert 'value="nope"' in page and db.session.query(Account).count() == 2


def test_merge_pages(client, book):
    data = book["data"]
    fiume, other = book["fiume"], book["other"]
    assert_translated(client, f"/accounts/{fiume.id}/merge", data=data)
    assert_translated(client, f"/accounts/{fiume.id}/merge?other={other.id}", data=data)
    twin = factories.contact(book["fiume"], "Rossi", first_name="Anna")
    assert_translated(client, f"/contacts/{book['anna'].id}/merge?other={twin.id}", data=data)


def test_the_lead_status_fragment(client, book):
    lead = book["lead"]
    status = posting(client, lambda: {"status": "contacted"})
    assert_translated(
        status, f"/leads/{lead.id}/status", data=book["data"], method="post", headers=HX
    )
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "contacted"
    assert "Contattato" in client.get(f"/leads/{lead.id}", headers=IT).text


def test_the_trash_its_dialogs_and_its_tabs(client, book, admin):
    data = book["data"]
    assert_translated(client, f"/trash/accounts/{book['other'].id}/confirm", data=data, headers=HX)
    trash(admin, "accounts", book["other"].id)
    trash(admin, "leads", book["lead"].id)
    db.session.commit()
    for kind in ("deals", "accounts", "contacts", "leads"):
        assert_translated(client, f"/trash?kind={kind}", data=data)
    assert_translated(client, "/trash?kind=accounts&q=zzz&when=week", data=data + ["zzz"])
    assert_translated(
        client, "/trash?kind=leads&q=Luca", data=data, headers={**HX, "HX-Target": "trash-table"}
    )
    assert_translated(client, f"/trash/accounts/{book['other'].id}/purge", data=data, headers=HX)
    assert_translated(client, f"/trash/leads/{book['lead'].id}/purge", data=data, headers=HX)


def _upload(client, headers=IT) -> ImportRun:
    response = client.post(
        "/imports/new?entity=opportunity",
        data={"file": (io.BytesIO(CSV.encode()), "caffe.csv")},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 302
    return db.session.query(ImportRun).order_by(ImportRun.id.desc()).first()


# The file's own words, and the names of the encodings offered.
FILE_DATA = ["caffe.csv", "Nome", "Azienda", "Importo", "Data chiusura", "Fornitura caffè",
             "Caffè Rossi srl", "1.500,50", "03/04/2026", "UTF-8", "ISO-8859-15 (Latin-9)",
             "Mac Roman"]  # fmt: skip


def test_the_import_pages_from_upload_to_result(client, book):
    data = book["data"] + FILE_DATA
    assert_translated(client, "/imports", data=data)
    for entity in ("opportunity", "account", "contact", "lead"):
        assert_translated(client, f"/imports/new?entity={entity}", data=data)
    pdf = posting(
        client, lambda: {"file": (io.BytesIO(b"%PDF-1.4 nothing"), "notes.pdf")}, refused=True
    )
    assert_translated(pdf, "/imports/new?entity=account", data=data + ["notes.pdf"], method="post")
    run = _upload(client)
    assert_translated(client, f"/imports/{run.id}/mapping", data=data)
    form = {"shape": run.options["shape"], "col_0": "name", "col_1": "account", "col_2": "amount",
            "col_3": "close_date", "decimal": "comma", "date_order": "dmy"}  # fmt: skip
    mapping = {**HX, "HX-Target": "mapping"}
    assert_translated(
        posting(client, lambda: form),
        f"/imports/{run.id}/mapping",
        data=data,
        method="post",
        headers=mapping,
    )
    refused = {**form, "col_2": "close_date"}
    assert_translated(
        posting(client, lambda: refused, refused=True),
        f"/imports/{run.id}/mapping",
        data=data,
        method="post",
        headers=mapping,
    )
    client.post(f"/imports/{run.id}/mapping", data=form)
    client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"})
    assert_translated(client, f"/imports/{run.id}", data=data)
    assert_translated(
        client, f"/imports/{run.id}", data=data, headers={**HX, "HX-Target": "run-status"}
    )
    assert_translated(client, "/imports", data=data)


@pytest.mark.parametrize(
    "status, changes",
    [
        ("failed", {"error": "The file is empty.", "mode": "good_rows"}),
        ("running", {"started_at": datetime(2020, 1, 1), "mode": "good_rows"}),  # interrupted
        ("running", {"started_at": datetime(2020, 1, 1), "mode": "all_or_nothing"}),
        ("queued", {"queued_at": datetime(2020, 1, 1)}),  # waiting for a worker
        ("queued", {"queued_at": None}),
        ("undone", {"undone_at": datetime(2026, 1, 2)}),
        ("discarded", {"undone_at": datetime(2026, 1, 2)}),
        ("done", {"dry_run": True, "mode": "good_rows"}),
        ("done", {"mode": "all_or_nothing", "rejected_count": 3}),
    ],
)
def test_the_run_page_in_each_state(client, book, admin, status, changes):
    run = _upload(client)
    run.status, run.total_rows, run.processed_rows = status, 10, 4
    for key, value in changes.items():
        setattr(run, key, value)
    if "undone_at" in changes:
        run.undone_by_id = admin.id
    db.session.commit()
    # The error as stored (in the uploader's language), the worker command's name.
    data = book["data"] + FILE_DATA + ["The file is empty.", "opportuno worker"]
    assert_translated(client, f"/imports/{run.id}", data=data)
    assert_translated(
        client, f"/imports/{run.id}", data=data, headers={**HX, "HX-Target": "run-status"}
    )
    assert_translated(client, "/imports", data=data)


def test_rejects_are_written_in_the_uploaders_language(client, book):
    bad = CSV.replace("1.500,50", "mille")
    response = client.post(
        "/imports/new?entity=opportunity",
        data={"file": (io.BytesIO(bad.encode()), "caffe.csv")},
        content_type="multipart/form-data",
        headers=IT,
    )
    run = db.session.get(ImportRun, int(response.headers["Location"].split("/")[-2]))
    client.post(f"/imports/{run.id}/run", data={"mode": "good_rows"}, headers=IT)
    page = client.get(f"/imports/{run.id}", headers=FA).text
    assert "mille non è un numero scritto con la virgola decimale, come 1.500,50." in page
    assert "ردیف‌های ردشده" in page  # the page itself follows the reader


def test_the_export_menu_and_the_exported_headers(client, book):
    page = client.get("/accounts", headers=FA).text
    assert "ردیف‌های انتخاب‌شده" in page and "ستون‌های نمایان" in page
    italian = client.get("/accounts/export?format=csv&columns=all", headers=IT).data.decode(
        "utf-8-sig"
    )
    assert italian.splitlines()[0].startswith("ID esterno,Nome,Settore")
    persian = client.get("/contacts/export?format=csv&columns=all", headers=FA).data.decode(
        "utf-8-sig"
    )
    assert persian.splitlines()[0].startswith("شناسه خارجی,نام,نام خانوادگی")
    english = client.get("/accounts/export?format=csv&columns=all").data.decode("utf-8-sig")
    assert english.splitlines()[0].startswith("External ID,Name,Industry")


def test_a_persian_export_imports_back_with_its_columns_guessed(client, book):
    exported = client.get("/contacts/export?format=csv&columns=all", headers=FA).data
    response = client.post(
        "/imports/new?entity=contact",
        data={"file": (io.BytesIO(exported), "contacts.csv")},
        content_type="multipart/form-data",
        headers=FA,
    )
    run = db.session.get(ImportRun, int(response.headers["Location"].split("/")[-2]))
    assert {"first_name", "last_name", "email", "account"} <= set(run.options["mapping"].values())


# --- numbers, amounts and dates as the locale writes them -----------------------------------


def test_list_totals_and_counts_in_the_locale(client, book):
    italian = client.get("/accounts", headers=IT).text
    assert "1.234,56\xa0€" in italian and "2 aziende" in italian
    persian = client.get("/accounts", headers=FA).text
    assert "۲ مشتری" in persian
    row = persian.split(f'data-account="{book["fiume"].id}"')[1]
    assert row.split("data-open-deals>")[1].startswith("۱ · ")  # one open deal
    english = client.get("/accounts").text
    assert "€1,234.56" in english and "2 accounts" in english


def test_the_account_page_totals_and_dates_in_the_locale(client, book):
    fiume = book["fiume"]
    italian = client.get(f"/accounts/{fiume.id}", headers=IT).text
    assert "Totale <strong data-total>1.234,56\xa0€</strong>" in italian
    today = date.today()
    persian = client.get(f"/accounts/{fiume.id}", headers=FA).text
    assert "۱۰%" in persian  # the stage's probability, in Persian digits
    assert str(today.year) not in persian.split("data-deal-group")[1]  # a Solar Hijri date
