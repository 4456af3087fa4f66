"""The import pages up to the preview: upload (checked, stored, one run recorded), the
mapping page (what was detected, the columns, the preview), choices kept in ``run.options``
and remembered per user and file shape; bad files refused with a message, nothing written."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Account, Contact, ImportMapping, ImportRun, Lead, Opportunity

ITALIAN = (
    "Nome;Azienda;Importo (€);Data chiusura;Probabilità (%);;;\r\n"
    "Fornitura caffè;Caffè Rossi srl;€ 1.500,50;03/04/2026;25%;;;\r\n"
    '"Rinnovo\r\nannuale";Bar Città;2.000;05/06/2026;50;;;\r\n'
    "Assistenza;Bianchi spa;abc;07/08/2026;30;;;\r\n"
)


def _counts() -> dict:
    models = (ImportRun, ImportMapping, Opportunity, Account, Contact, Lead)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def _files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "imports"
    return sorted(folder.glob("*")) if folder.exists() else []


def upload(client, data: bytes, filename: str = "deals.csv", entity: str = "opportunity"):
    return client.post(
        f"/imports/new?entity={entity}",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def upload_raw(client, data: bytes, filename: str = "deals.csv"):
    """As ``upload``, the multipart body built here: the test client spools a large body to
    a temporary file that it leaves open when the app refuses to read it."""
    boundary = "----opportuno-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/imports/new?entity=opportunity",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _run() -> ImportRun:
    return db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()


def _form(run: ImportRun, **changes) -> dict:
    options = run.options
    form = {
        "shape": options["shape"],
        "date_order": options["date_order"],
        "decimal": {",": "comma", ".": "point"}[options["decimal"]],
        **{f"col_{i}": key for i, key in options["mapping"].items()},
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def signed_in(client, auth, sales_user):
    auth.login(sales_user)
    return sales_user


def test_upload_italian_csv_records_a_run_and_guesses_everything(app, client, signed_in):
    response = upload(client, ITALIAN.encode("cp1252"))
    assert response.status_code == 302
    run = _run()
    assert response.headers["Location"].endswith(f"/imports/{run.id}/mapping")
    assert (run.user_id, run.entity, run.status, run.filename) == (
        signed_in.id,
        "opportunity",
        "uploaded",
        "deals.csv",
    )
    assert Path(app.config["UPLOAD_FOLDER"], run.stored_path).read_bytes() == ITALIAN.encode(
        "cp1252"
    )
    assert run.stored_path.startswith("imports/") and "deals" not in run.stored_path
    options = run.options
    assert options["encoding"] == "cp1252"
    assert options["delimiter"] == ";"
    assert options["decimal"] == ","
    assert options["date_order"] == "dmy"  # ambiguous: the Italian default, shown as such
    assert options["mapping"] == {
        "0": "name",
        "1": "account",
        "2": "amount",
        "3": "close_date",
        "4": "probability",
    }

    page = client.get(f"/imports/{run.id}/mapping").get_data(as_text=True)
    assert "Caffè Rossi srl" in page  # the accents came out right
    assert "1,500.5" in page  # the amount as it will be saved (the English page)
    assert "Apr 3, 2026" in page  # the date, unambiguous
    assert "Rinnovo annuale" in page  # the quoted line break, as one name
    assert 'data-line="3"' in page and 'data-line="5"' in page  # where each record starts
    assert "abc is not a number written with a decimal comma" in page
    assert 'data-ambiguous="date"' in page
    assert "like 03/04/2026, can be read as day/month and as month/day" in page
    assert f'action="/imports/{run.id}/run"' in page
    assert 'name="dry_run"' in page and 'value="good_rows"' in page


def test_changing_the_choices_saves_them_and_remembers_the_mapping(app, client, signed_in):
    upload(client, ITALIAN.encode("utf-8-sig"))
    run = _run()
    form = _form(run, date_order="mdy", col_3="", col_2="amount")
    form["col_3"] = "close_date"
    form["col_4"] = ""  # do not import the probability
    htmx = {"HX-Request": "true", "HX-Target": "mapping"}
    response = client.post(f"/imports/{run.id}/mapping", data=form, headers=htmx)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.startswith("{# ") is False and 'id="mapping"' in page and "<html" not in page
    assert "Mar 4, 2026" in page  # 03/04/2026 now read month/day
    assert "data-saved" in page
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    assert run.options["date_order"] == "mdy"
    assert run.options["mapping"] == {"0": "name", "1": "account", "2": "amount", "3": "close_date"}
    remembered = db.session.scalars(select(ImportMapping)).one()
    assert (remembered.user_id, remembered.entity) == (signed_in.id, "opportunity")
    assert remembered.mapping == run.options["mapping"]

    # the same shape again: the remembered mapping is proposed
    upload(client, ITALIAN.encode("utf-8"), filename="again.csv")
    assert _run().options["mapping"] == remembered.mapping


def test_choices_sent_before_the_kept_ones_are_not_kept(app, client, signed_in):
    """Two changes one right after the other: htmx gives up on the first request, but the
    server may get it after the second. The choices sent last are kept, and the late answer
    shows them; without ``sent`` (no JavaScript) a post is simply kept."""
    upload(client, ITALIAN.encode())
    run = _run()
    htmx = {"HX-Request": "true", "HX-Target": "mapping"}
    newer = _form(run, date_order="mdy", sent="1764640800000002")
    older = _form(run, date_order="dmy", col_4="", sent="1764640800000001")
    assert client.post(f"/imports/{run.id}/mapping", data=newer, headers=htmx).status_code == 200
    late = client.post(f"/imports/{run.id}/mapping", data=older, headers=htmx)
    assert late.status_code == 200
    assert "Mar 4, 2026" in late.get_data(as_text=True)  # the kept choices: month/day
    db.session.expire_all()
    kept = db.session.get(ImportRun, run.id)
    assert kept.options["date_order"] == "mdy" and kept.options["mapping"]["4"] == "probability"
    assert kept.choices_sent == 1764640800000002

    for sent in ("", "12x", "１２", "9" * 40):  # not a plain number: not ordered, kept
        form = _form(kept, date_order="dmy", sent=sent)
        assert client.post(f"/imports/{run.id}/mapping", data=form).status_code == 200
        db.session.expire_all()
        assert db.session.get(ImportRun, run.id).options["date_order"] == "dmy"
        client.post(f"/imports/{run.id}/mapping", data=_form(kept, date_order="mdy"))
        db.session.expire_all()
        kept = db.session.get(ImportRun, run.id)


def test_the_remembered_mapping_is_the_users_own(app, client, auth, signed_in, create_user):
    upload(client, ITALIAN.encode())
    run = _run()
    client.post(f"/imports/{run.id}/mapping", data=_form(run, col_4=""))
    assert db.session.scalar(select(func.count()).select_from(ImportMapping)) == 1
    other = create_user(email="other@example.com", name="Olga Other", role="sales")
    auth.logout()
    auth.login(other)
    upload(client, ITALIAN.encode())
    assert _run().options["mapping"]["4"] == "probability"  # guessed again, not Sam's choice


def test_a_mapping_without_a_required_field_is_refused_and_writes_nothing(app, client, signed_in):
    upload(client, ITALIAN.encode())
    run = _run()
    before, options = _counts(), dict(run.options)
    response = client.post(f"/imports/{run.id}/mapping", data=_form(run, col_0=""))
    assert response.status_code == 422
    assert "Choose the column that holds Name: it is required." in response.get_data(as_text=True)
    assert "disabled" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _counts() == before
    assert db.session.get(ImportRun, run.id).options == options


@pytest.mark.parametrize(
    "changes",
    [
        {"encoding": "klingon"},
        {"delimiter": ";"},
        {"date_order": "x" * 100},
        {"col_1": "password_hash"},
        {"shape": None},
        {"sheet": "a\x00b"},
    ],
)
def test_values_the_form_never_offers_are_refused(app, client, signed_in, changes):
    upload(client, ITALIAN.encode())
    run = _run()
    before, options = _counts(), dict(run.options)
    response = client.post(f"/imports/{run.id}/mapping", data=_form(run, **changes))
    assert response.status_code == 422
    db.session.expire_all()
    assert _counts() == before
    assert db.session.get(ImportRun, run.id).options == options


def test_another_users_run_is_not_found(app, client, auth, signed_in, create_user, admin):
    upload(client, ITALIAN.encode())
    run = _run()
    other = create_user(email="other@example.com", name="Olga Other", role="sales")
    auth.logout()
    auth.login(other)
    before = _counts()
    assert client.get(f"/imports/{run.id}/mapping").status_code == 404
    assert client.post(f"/imports/{run.id}/mapping", data=_form(run)).status_code == 404
    assert _counts() == before
    assert f"/imports/{run.id}/mapping" not in client.get("/imports").get_data(as_text=True)
    auth.logout()
    auth.login(admin)
    assert client.get(f"/imports/{run.id}/mapping").status_code == 200


BAD_FILES = [
    (b"", "deals.csv", "The file is empty."),
    (b"Name;Amount\r\n;;\r\n\r\n", "deals.csv", "The file has a header row but no rows of data."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "deals.csv", "This file is an image"),
    (b"PK\x03\x04\x14\x00\x00\x00junk", "deals.xlsx", "This ZIP file is not an XLSX spreadsheet"),
    (b"\x00\x01\x02\x03\xff\xfe\x00\x00" * 50, "deals.csv", "This file is not a CSV"),
    (b"Foo;Bar\r\n1;2\r\n", "deals.csv", "None of the columns of this file is a field of deals"),
    (b"Name\r\nX\r\n", "deals.exe", "Choose a CSV, XLSX or vCard (.vcf) file."),
    (b"BEGIN:VCARD\r\nFN:A B\r\nEND:VCARD\r\n", "deals.vcf", "A vCard file holds contacts"),
]


@pytest.mark.parametrize(("data", "filename", "message"), BAD_FILES)
def test_bad_files_are_refused_with_a_message_and_nothing_written(
    app, client, signed_in, data, filename, message
):
    before, files = _counts(), _files(app)
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _counts() == before
    assert _files(app) == files


def test_no_file_is_refused(app, client, signed_in):
    response = client.post("/imports/new?entity=lead", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file to import." in response.get_data(as_text=True)


def test_a_file_over_the_limit_is_refused_before_it_is_stored(make_app, signed_in):
    app = make_app(MAX_IMPORT_BYTES=1 << 20)
    client = app.test_client()
    with app.app_context():
        login = {"email": "sales@example.com", "password": "correct-horse-battery"}
        client.post("/login", data=login)
        before, files = _counts(), _files(app)
        response = upload_raw(client, b"Name;Amount\r\n" + b"Deal;1\r\n" * 200_000)
        assert response.status_code == 413
        assert "The file is too large: at most 1 MB can be imported at once." in response.get_data(
            as_text=True
        )
        assert _counts() == before
        assert _files(app) == files


def test_fifty_megabytes_is_over_the_default_limit(app, client, signed_in):
    assert app.config["MAX_IMPORT_BYTES"] < 50 << 20
    before, files = _counts(), _files(app)
    response = upload_raw(client, b"Name;Amount\r\n" + b"x" * (50 << 20))
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    assert _counts() == before
    assert _files(app) == files


def test_unknown_list_is_not_found(client, signed_in):
    assert client.get("/imports/new?entity=users").status_code == 404


def test_list_toolbars_link_to_the_import(client, signed_in):
    for path, entity in (
        ("/opportunities", "opportunity"),
        ("/accounts", "account"),
        ("/contacts", "contact"),
        ("/leads", "lead"),
    ):
        page = client.get(path).get_data(as_text=True)
        assert f'href="/imports/new?entity={entity}"' in page, path
    assert 'href="/imports"' in client.get("/leads").get_data(as_text=True)


def test_refused_cells_beyond_the_preview_are_listed_with_their_line(app, client, signed_in):
    body = "Nome;Importo\r\n" + "Affare;1.000,00\r\n" * 40 + "Rotto;1,500.50\r\n"
    upload(client, body.encode())
    page = client.get(f"/imports/{_run().id}/mapping").get_data(as_text=True)
    assert "1 cell refused in the first 41 rows:" in page
    assert "Line 42, Amount: 1,500.50 is not a number written with a decimal comma" in page


def test_the_imports_list_queries_do_not_grow_with_runs(app, client, auth, admin, count_queries):
    auth.login(admin)
    upload(client, ITALIAN.encode())
    with count_queries() as one:
        assert client.get("/imports").status_code == 200
    for _ in range(4):
        upload(client, ITALIAN.encode())
    with count_queries() as five:
        page = client.get("/imports").get_data(as_text=True)
    assert page.count("Ada Admin") >= 5 and "deals" in page
    assert len(five) == len(one)


VCARD = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Anna Bianchi\r\nN:Bianchi;Anna;;;\r\n"
    "EMAIL:anna@bianchi.example\r\nORG:Caffè Bianchi\r\nUID:anna-1\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Rossi;Mario;;;\r\nEMAIL:not-an-email\r\nEND:VCARD\r\n"
)


def test_a_vcard_file_maps_itself_onto_contacts(app, client, signed_in):
    assert upload(client, VCARD.encode(), "rubrica.vcf", entity="contact").status_code == 302
    run = _run()
    assert run.entity == "contact"
    assert list(run.options["mapping"].values()) == [
        "external_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "title",
        "account",
        "notes",
    ]
    page = client.get(f"/imports/{run.id}/mapping").get_data(as_text=True)
    assert "A vCard file of contact cards" in page
    assert "Caffè Bianchi" in page and "anna-1" in page
    assert "Line 9, Email: not-an-email is not an email address." in page


def test_an_xlsx_sheet_is_chosen_and_the_mapping_follows(app, client, signed_in):
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Note"
    book.active.append(["Appunti"])
    book.active.append(["niente"])
    deals = book.create_sheet("Trattative")
    deals.append(["Nome", "Importo", "Data chiusura"])
    deals.append(["Affare", 1500.5, datetime(2026, 3, 4)])
    data = io.BytesIO()
    book.save(data)
    assert upload(client, data.getvalue(), "export.xlsx").status_code == 422  # sheet 1: no field

    upload_ok = upload(client, data.getvalue(), "export.xlsx", entity="account")
    assert upload_ok.status_code == 422  # "Appunti" is no account field either

    book.move_sheet("Trattative", offset=-1)
    data = io.BytesIO()
    book.save(data)
    assert upload(client, data.getvalue(), "export.xlsx").status_code == 302
    run = _run()
    assert run.options["sheet"] == "Trattative" and run.options["mapping"] == {
        "0": "name",
        "1": "amount",
        "2": "close_date",
    }
    page = client.get(f"/imports/{run.id}/mapping").get_data(as_text=True)
    assert "1,500.5" in page and "Mar 4, 2026" in page  # typed cells: no guessing
    assert 'name="sheet"' in page

    response = client.post(f"/imports/{run.id}/mapping", data=_form(run, sheet="Note"))
    assert response.status_code == 422  # the other sheet has no Name column
    assert "Choose the column that holds Name" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).options["sheet"] == "Trattative"


def test_a_choice_that_makes_the_file_unreadable_is_said_and_can_be_undone(app, client, signed_in):
    upload(client, ITALIAN.encode())
    run = _run()
    response = client.post(f"/imports/{run.id}/mapping", data=_form(run, encoding="utf-16"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'name="encoding"' in page and 'name="delimiter"' in page
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).options["encoding"] == "utf-8-sig"
    response = client.post(f"/imports/{run.id}/mapping", data=_form(run, encoding="utf-8"))
    assert response.status_code == 200


def test_the_mapping_page_queries_do_not_grow_with_rows(app, client, signed_in, count_queries):
    def queries(rows: int) -> int:
        upload(client, ("Nome;Importo\r\n" + "Affare;1.000,00\r\n" * rows).encode())
        run = _run()
        with count_queries() as statements:
            assert client.get(f"/imports/{run.id}/mapping").status_code == 200
            client.post(f"/imports/{run.id}/mapping", data=_form(run, date_order="mdy"))
        return len(statements)

    queries(3)  # the first choice of this shape is remembered: one INSERT more
    assert queries(3) == queries(300)


def test_a_field_chosen_for_two_columns_is_refused(app, client, signed_in):
    upload(client, ITALIAN.encode())
    run = _run()
    response = client.post(f"/imports/{run.id}/mapping", data=_form(run, col_1="name"))
    assert response.status_code == 422
    assert "Name is chosen for more than one column: choose it once." in response.get_data(
        as_text=True
    )


def test_the_engines_seams_read_the_run_as_the_page_showed_it(app, client, signed_in):
    from webapp.imports import services
    from webapp.imports.mapping import missing_required
    from webapp.imports.values import RowConverter

    upload(client, ITALIAN.encode("cp1252"))
    run = _run()
    client.post(f"/imports/{run.id}/mapping", data=_form(run, col_4=""))
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    convert = RowConverter.from_options(run.entity, run.options).convert
    with services.run_table(run) as table:
        rows = [(line, convert(cells)) for line, cells in table.rows]
    assert [line for line, _ in rows] == [2, 3, 5]
    assert rows[0][1] == (
        {
            "name": "Fornitura caffè",
            "account": "Caffè Rossi srl",
            "amount": Decimal("1500.50"),
            "close_date": date(2026, 4, 3),
        },
        [],
    )
    assert rows[2][1][1] == [
        ("Amount", "abc is not a number written with a decimal comma, like 1.500,50.")
    ]
    assert missing_required("opportunity", {1: "account"})[0].key == "name"
    assert missing_required("opportunity", {0: "name"}) == []


def test_a_record_the_csv_reader_cannot_read_is_refused_with_its_line(app, client, signed_in):
    before, files = _counts(), _files(app)
    data = b"Nome;Note\r\nA;ok\r\nB;" + b"x" * (1 << 20) + b"y\r\n"
    response = upload_raw(client, data)
    assert response.status_code == 422
    assert "Line 3 cannot be read as CSV" in response.get_data(as_text=True)
    assert _counts() == before and _files(app) == files
