"""Exports of deals, accounts, contacts and leads (CSV and XLSX): headers, values read back
and compared with the database, formula injection, permissions, scopes, the Italian option,
the round trip through the import's reader, query counts, the command line."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.imports import engine
from webapp.imports.reading import open_table
from webapp.imports.services import first_options
from webapp.imports.values import RowConverter
from webapp.models import Account, Contact, CustomField, ImportRun, Lead, Opportunity, Source
from webapp.models._base import utcnow
from webapp.opportunities import services

HOSTILE_TEXTS = ("=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1:A2)", "\tx", "\rx")


def read_csv(response_or_bytes, sep=","):
    data = getattr(response_or_bytes, "data", response_or_bytes)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=sep))


def read_xlsx(data: bytes):
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


@pytest.fixture
def custom_fields(app):
    fields = [
        CustomField(entity="opportunity", key="po_number", label="PO number", position=1),
        CustomField(entity="opportunity", key="budget", label="Budget", type="number", position=2),
        CustomField(entity="opportunity", key="renewal", label="Renewal", type="date", position=3),
    ]
    db.session.add_all(fields)
    db.session.commit()
    return fields


@pytest.fixture
def deals(app, sales_user, create_opportunity, custom_fields, lost_reason):
    """Three visible deals of the Software line (one trashed) with references, tags and
    custom values, and one of another business line."""
    acme = factories.account("Acme S.p.A.")
    anna = factories.contact(acme, "Bianchi", first_name="Anna")
    hot, vip = factories.tag("Hot"), factories.tag("VIP")
    source = Source(name="Fair")
    db.session.add(source)
    db.session.commit()
    first = create_opportunity(
        name="Acme support, 2027",
        account_id=acme.id,
        amount="1500.50",
        close_date="2026-12-31",
        tag_ids=[hot.id, vip.id],
        source_id=source.id,
        primary_contact_id=anna.id,
        description='Line one\nline "two"; end',
    )
    first.custom = {"po_number": "PO-7", "budget": "-250.5", "renewal": "2027-06-30"}
    first.external_id = "VT-100"
    first.forecast_category = "best_case"
    second = create_opportunity(name="Beta pilot", amount="0", close_date="")
    services.close_lost(sales_user, second, lost_reason.id)
    trashed = create_opportunity(name="Trashed deal")
    trashed.deleted_at = utcnow()
    db.session.commit()
    other_line = factories.business_line("Hardware")
    outsider = factories.user(
        email="hw@example.com", name="Hal Hardware", business_lines=[other_line]
    )
    return {"first": first, "second": second, "trashed": trashed, "outsider": outsider}


def test_csv_of_every_field_reads_back_as_the_database(client, auth, sales_user, deals):
    auth.login(sales_user)
    response = client.get("/opportunities/export?scope=all&columns=all")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    today = date.today().isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="deals-{today}.csv"'
    rows = read_csv(response)
    assert rows[0] == [
        "External ID", "Name", "Account", "Contact", "Amount", "Currency", "Stage", "Pipeline",
        "Owner", "Close date", "Probability", "Status", "Forecast category", "Source", "Tags",
        "Lost reason",
        "Description", "PO number", "Budget", "Renewal",
    ]  # fmt: skip
    assert len(rows) == 3  # the trashed deal is not exported
    first, second = deals["first"], deals["second"]
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    one = by_id["VT-100"]
    assert one == {
        "External ID": "VT-100",
        "Name": "Acme support, 2027",
        "Account": "Acme S.p.A.",
        "Contact": "Anna Bianchi",
        "Amount": "1500.50",
        "Currency": first.currency,
        "Stage": first.stage.name,
        "Pipeline": first.pipeline.name,
        "Owner": "sales@example.com",
        "Close date": "2026-12-31",
        "Probability": str(first.probability),
        "Status": "open",
        "Forecast category": "Best case",
        "Source": "Fair",
        "Tags": "Hot, VIP",
        "Lost reason": "",
        "Description": 'Line one\nline "two"; end',
        "PO number": "PO-7",
        "Budget": "-250.5",
        "Renewal": "2027-06-30",
    }
    two = by_id[f"opportuno:{second.id}"]
    assert two["Status"] == "lost" and two["Lost reason"] == "Price too high"
    assert two["Forecast category"] == ""  # none set: it follows the probability
    assert two["Close date"] == "" and two["Amount"] == "0.00" and two["Tags"] == ""


def test_xlsx_has_typed_cells_a_bold_header_and_widths(client, auth, sales_user, deals):
    auth.login(sales_user)
    response = client.get("/opportunities/export?scope=all&columns=all&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="deals-{date.today()}.xlsx"'
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["External ID", "Name", "Account"] and header[-3:] == [
        "PO number",
        "Budget",
        "Renewal",
    ]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 10
    rows = {r[0].value: {h: c for h, c in zip(header, r, strict=True)} for r in sheet.iter_rows(2)}
    assert len(rows) == 2
    one = rows["VT-100"]
    assert one["Amount"].value == 1500.5 and one["Amount"].data_type == "n"
    assert one["Close date"].value == datetime(2026, 12, 31) and one["Close date"].is_date
    assert one["Budget"].value == -250.5 and one["Budget"].data_type == "n"
    assert one["Renewal"].value == datetime(2027, 6, 30)
    assert one["Description"].value == 'Line one\nline "two"; end'
    assert one["Tags"].value == "Hot, VIP" and one["Owner"].value == "sales@example.com"
    assert one["Probability"].value == deals["first"].probability
    book.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_injection_is_neutralised_and_numbers_stay_numbers(
    client, auth, sales_user, create_opportunity, fmt
):
    made = [create_opportunity(name=text) for text in HOSTILE_TEXTS[:4]]
    for text in HOSTILE_TEXTS[4:]:  # the form strips them; an import or the API may not
        made.append(create_opportunity(name="plain"))
        made[-1].description = text
    made[0].amount = Decimal("-200.00")  # a refund: a negative number, not text
    db.session.add(CustomField(entity="opportunity", key="x", label="=HYPERLINK(1)"))
    made[1].custom = {"x": "-cmd"}
    db.session.commit()
    auth.login(sales_user)
    response = client.get(f"/opportunities/export?scope=all&columns=all&format={fmt}")
    if fmt == "csv":
        rows = read_csv(response)
        cells = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
        assert rows[0][-1] == "'=HYPERLINK(1)"
        amount = next(c["Amount"] for c in cells if c["Name"] == "'=cmd|' /C calc'!A0")
        assert amount == "-200.00"
    else:
        assert b"<f>" not in _sheet_xml(response.data)
        rows = read_xlsx(response.data)
        cells = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
        assert rows[0][-1] == "'=HYPERLINK(1)"
        amount = next(c["Amount"] for c in cells if c["Name"] == "'=cmd|' /C calc'!A0")
        assert amount == -200.0
    names = sorted(c["Name"] for c in cells if c["Name"] != "plain")
    assert names == sorted("'" + t for t in HOSTILE_TEXTS[:4])
    descriptions = sorted(c["Description"] for c in cells if c["Name"] == "plain")
    # XLSX: a line break is LF in a cell, as Excel writes it.
    assert descriptions == sorted(["'\tx", "'\rx" if fmt == "csv" else "'\nx"])
    assert "'-cmd" in [c["'=HYPERLINK(1)"] for c in cells]


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_permissions_other_business_line_and_trash(client, auth, deals):
    auth.login(deals["outsider"])
    for scope in ("all", "filter"):
        rows = read_csv(client.get(f"/opportunities/export?scope={scope}&owner=all&status=all"))
        assert rows[1:] == [], scope
    ids = ",".join(str(deals[k].id) for k in ("first", "second", "trashed"))
    assert read_csv(client.get(f"/opportunities/export?scope=selected&ids={ids}"))[1:] == []


def test_scopes_selected_filter_and_all(client, auth, sales_user, deals):
    auth.login(sales_user)
    first, second, trashed = deals["first"], deals["second"], deals["trashed"]

    def names(query):
        response = client.get("/opportunities/export?" + query)
        assert response.status_code == 200, response.text
        return sorted(r[0] for r in read_csv(response)[1:])

    assert names("scope=all") == ["Acme support, 2027", "Beta pilot"]
    # The list's default filter: my open deals; its search and status parameters.
    assert names("scope=filter") == ["Acme support, 2027"]
    assert names("") == ["Acme support, 2027"]
    assert names("scope=filter&status=lost") == ["Beta pilot"]
    assert names("scope=filter&status=all&q=acme%20s.p") == ["Acme support, 2027"]
    assert names(f"scope=selected&ids={second.id},{trashed.id}") == ["Beta pilot"]
    assert names(f"scope=selected&ids={second.id}&ids={first.id}") == [
        "Acme support, 2027",
        "Beta pilot",
    ]


def test_visible_columns_follow_cols_and_ignore_unknown_keys(client, auth, sales_user, deals):
    auth.login(sales_user)
    response = client.get(
        "/opportunities/export?scope=all&cols=amount,name,bogus,custom.budget,amount"
    )
    rows = read_csv(response)
    assert rows[0] == ["Amount", "Name", "Budget"]
    assert ["1500.50", "Acme support, 2027", "-250.5"] in rows
    default = read_csv(client.get("/opportunities/export?scope=all&columns=visible"))[0]
    assert default == ["Name", "Account", "Stage", "Owner", "Amount", "Close date"]


def test_italian_semicolon_option_writes_decimal_commas(client, auth, sales_user, deals):
    auth.login(sales_user)
    response = client.get("/opportunities/export?scope=all&columns=all&sep=%3B")
    text = response.data.decode("utf-8-sig")
    assert text.startswith("External ID;Name;Account;")
    rows = read_csv(response, sep=";")
    one = next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == "VT-100")
    assert one["Amount"] == "1500,50" and one["Budget"] == "-250,5"
    assert one["Close date"] == "2026-12-31" and one["Name"] == "Acme support, 2027"


def _read_back(tmp_path, data: bytes, name: str) -> list[dict]:
    """The exported file read as an import reads it: the options it detects (mapping,
    decimal mark, date order), then every row through the cell converter."""
    path = tmp_path / name
    path.write_bytes(data)
    with open_table(path, filename=name) as table:
        options = first_options("opportunity", table)
        assert len(options["mapping"]) == len(table.headers), "every header maps to its field"
    converter = RowConverter.from_options("opportunity", options)
    found = []
    with open_table(path, filename=name) as table:
        for _line, cells in table.rows:
            values, errors = converter.convert(cells)
            assert errors == []
            found.append(values)
    return found


@pytest.mark.parametrize("sep", [",", ";"])
def test_round_trip_through_the_import_reader(tmp_path, client, auth, sales_user, deals, sep):
    auth.login(sales_user)
    response = client.get(f"/opportunities/export?scope=all&columns=all&sep={sep}")
    read = _read_back(tmp_path, response.data, "deals.csv")
    first = db.session.get(Opportunity, deals["first"].id)
    one = next(v for v in read if v["external_id"] == "VT-100")
    assert one == {
        "external_id": "VT-100",
        "name": first.name,
        "account": first.account.name,
        "contact": first.primary_contact.full_name,
        "amount": first.amount,
        "currency": first.currency,
        "stage": first.stage.name,
        "pipeline": first.pipeline.name,
        "owner": first.owner.email,
        "close_date": first.close_date,
        "probability": Decimal(first.probability),
        "status": first.status,
        "forecast_category": "Best case",
        "source": first.source.name,
        "tags": [t.name for t in first.tags],
        "description": first.description,
        "custom.po_number": first.custom["po_number"],
        "custom.budget": Decimal(first.custom["budget"]),
        "custom.renewal": date.fromisoformat(first.custom["renewal"]),
    }
    second = next(v for v in read if v["external_id"] != "VT-100")
    assert second["external_id"] == f"opportuno:{deals['second'].id}"
    assert second["lost_reason"] == "Price too high" and "close_date" not in second


def test_xlsx_round_trip_through_the_import_reader(tmp_path, client, auth, sales_user, deals):
    auth.login(sales_user)
    data = client.get("/opportunities/export?scope=all&columns=all&format=xlsx").data
    read = _read_back(tmp_path, data, "deals.xlsx")
    one = next(v for v in read if v["external_id"] == "VT-100")
    assert one["amount"] == Decimal("1500.50") and one["close_date"] == date(2026, 12, 31)
    assert one["tags"] == ["Hot", "VIP"] and one["custom.budget"] == Decimal("-250.5")


def test_queries_do_not_grow_with_rows(client, auth, sales_user, create_opportunity, count_queries):
    tag = factories.tag("Hot")
    auth.login(sales_user)

    def measure(fmt):
        db.session.expire_all()
        with count_queries() as queries:
            response = client.get(f"/opportunities/export?scope=all&columns=all&format={fmt}")
            assert response.status_code == 200
        return len(queries)

    def add(n):
        for i in range(n):
            create_opportunity(name=f"Deal {i}", account_name=f"Account {i}", tag_ids=[tag.id])

    add(2)
    few = measure("csv"), measure("xlsx")
    add(40)
    assert (measure("csv"), measure("xlsx")) == few


def test_batches_cover_every_row_once(app, sales_user, create_opportunity, count_queries):
    from webapp.exports.choice import selection

    made = [create_opportunity(name=f"Deal {i}").id for i in range(7)]
    chosen = selection(sales_user, "opportunity", "all", {})
    with count_queries() as queries:
        batches = [[r["id"] for r in b] for b in chosen.batches(size=3)]
    assert batches == [made[0:3], made[3:6], made[6:7]]
    assert len(queries) == 2 * 3  # the rows and their tags, per batch


def test_accounts_contacts_export_every_field_and_the_search(client, auth, sales_user, tmp_path):
    acme = factories.account(
        "Acme S.p.A.", city="Milano", phone="+39 02 1234", owner_id=sales_user.id
    )
    factories.account("Zeta srl", city="Roma")
    gone = factories.account("Gone srl")
    gone.deleted_at = utcnow()
    anna = factories.contact(acme, "Bianchi", first_name="Anna", email="anna@acme.it")
    anna.external_id = "C-1"
    factories.contact(None, "Verdi", first_name="Luca", title="=CEO")
    db.session.commit()
    auth.login(sales_user)

    rows = read_csv(client.get("/accounts/export?scope=all&columns=all"))
    assert rows[0] == [
        "External ID", "Name", "Industry", "Website", "Phone", "Email", "Address", "City",
        "Country", "Owner", "Description",
    ]  # fmt: skip
    by_name = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert sorted(by_name) == ["Acme S.p.A.", "Zeta srl"]  # not the trashed one
    assert by_name["Acme S.p.A."]["Phone"] == "'+39 02 1234"
    assert by_name["Acme S.p.A."]["Owner"] == "sales@example.com"
    assert by_name["Acme S.p.A."]["External ID"] == f"opportuno:{acme.id}"
    searched = read_csv(client.get("/accounts/export?q=roma"))
    assert searched == [["Name", "Industry", "City", "Owner"], ["Zeta srl", "", "Roma", ""]]

    rows = read_csv(client.get("/contacts/export?scope=all&columns=all&format=csv"))
    assert rows[0] == [
        "External ID", "First name", "Last name", "Email", "Phone", "Mobile", "Title",
        "Account", "Owner", "Notes",
    ]  # fmt: skip
    contacts = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert contacts["Bianchi"]["Account"] == "Acme S.p.A."
    assert contacts["Bianchi"]["External ID"] == "C-1"
    assert contacts["Verdi"]["Title"] == "'=CEO" and contacts["Verdi"]["Account"] == ""
    assert [r[1] for r in read_csv(client.get("/contacts/export?q=acme"))[1:]] == ["Bianchi"]
    xlsx = read_xlsx(client.get("/contacts/export?scope=all&format=xlsx").data)
    assert xlsx[0] == ["First name", "Last name", "Account", "Email", "Phone"]
    assert sorted(r[1] for r in xlsx[1:]) == ["Bianchi", "Verdi"]


def test_leads_export_what_the_user_sees_with_the_status_filter(
    client, auth, sales_user, business_line, deals
):
    outsider = deals["outsider"]
    other_line = outsider.business_lines[0]
    db.session.add_all(
        [
            Lead(last_name="Neri", company="Neri Spa", business_line_id=business_line.id),
            Lead(last_name="Bassi", status="converted", business_line_id=business_line.id),
            Lead(last_name="Hidden", business_line_id=other_line.id, owner_id=outsider.id),
            Lead(last_name="Trashed", business_line_id=business_line.id, deleted_at=utcnow()),
        ]
    )
    db.session.commit()
    auth.login(sales_user)
    rows = read_csv(client.get("/leads/export?scope=all&columns=all"))
    assert rows[0][:4] == ["External ID", "First name", "Last name", "Company"]
    assert sorted(r[2] for r in rows[1:]) == ["Bassi", "Neri"]
    assert [r[1] for r in read_csv(client.get("/leads/export"))[1:]] == ["Neri"]
    converted = read_csv(client.get("/leads/export?status=converted&columns=all"))
    assert [r[2] for r in converted[1:]] == ["Bassi"] and converted[1][8] == "converted"
    auth.logout()
    auth.login(outsider)
    assert [r[2] for r in read_csv(client.get("/leads/export?scope=all&columns=all"))[1:]] == [
        "Hidden"
    ]


def test_cli_exports_every_field_as_csv_or_xlsx(runner, deals, tmp_path):
    out = tmp_path / "deals.csv"
    result = runner.invoke(args=["export", "opportunities", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote 2 rows of opportunities to {out}."
    rows = read_csv(out.read_bytes())
    assert rows[0][-3:] == ["PO number", "Budget", "Renewal"] and len(rows) == 3

    out = tmp_path / "deals.xlsx"
    result = runner.invoke(args=["export", "opportunities", str(out), "--as", "HW@example.com"])
    assert result.exit_code == 0 and "Wrote 0 rows" in result.output
    assert read_xlsx(out.read_bytes())[1:] == []

    out = tmp_path / "deals-it.csv"
    result = runner.invoke(args=["export", "opportunities", str(out), "--sep", ";"])
    rows = read_csv(out.read_bytes(), sep=";")
    assert "1500,50" in rows[1] + rows[2]

    out = tmp_path / "accounts.xlsx"
    result = runner.invoke(args=["export", "accounts", str(out)])
    assert result.exit_code == 0 and "Wrote 1 row of accounts" in result.output
    assert read_xlsx(out.read_bytes())[1][1] == "Acme S.p.A."

    for args, message in (
        (["export", "opportunities", str(tmp_path / "deals.pdf")], ".csv or .xlsx"),
        (["export", "opportunities", str(out), "--as", "nobody@example.com"], "No active user"),
        (["export", "deals", str(out)], "Invalid value"),
    ):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, result.output


@pytest.mark.parametrize(
    "query",
    [
        "format=pdf",
        "sep=|",
        "scope=mine",
        "columns=some",
        "scope=selected",
        "scope=selected&ids=",
        "scope=selected&ids=1,x",
        "scope=selected&ids=" + "9" * 25,
        "scope=selected&ids=%D9%A3",
        "scope=selected&ids=%C2%B2",
        "scope=selected&ids=-1",
        "scope=selected&ids=" + ",".join(["1"] * 5001),
        "format=%00",
    ],
)
def test_bad_parameters_are_refused_with_a_message(client, auth, sales_user, deals, query):
    auth.login(sales_user)
    for path in ("/opportunities/export", "/leads/export"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query)
        assert "alert" in response.text or "<h1" in response.text


def test_hostile_text_is_harmless(client, auth, sales_user, deals):
    auth.login(sales_user)
    for query in ("q=a%00b", "q=" + "x" * (1 << 20), "cols=" + "name," * 100000, "status=%00"):
        response = client.get(f"/opportunities/export?{query}")
        assert response.status_code == 200
        read_csv(response)


def test_many_custom_columns_by_key(client, auth, sales_user, deals):
    keys = [f"custom.field_number_{i:02}" for i in range(30)]
    db.session.add_all(
        CustomField(entity="opportunity", key=k.removeprefix("custom."), label=k, position=9)
        for k in keys
    )
    db.session.commit()
    auth.login(sales_user)
    rows = read_csv(client.get("/opportunities/export?scope=all&cols=" + ",".join(keys)))
    assert rows[0] == keys


def _snapshot() -> dict:
    """Every deal's stored columns and tags, read from the database."""
    db.session.expire_all()
    deals = db.session.scalars(select(Opportunity).order_by(Opportunity.id)).all()
    columns = [c.key for c in Opportunity.__table__.columns]
    return {
        d.id: ({c: getattr(d, c) for c in columns}, sorted(t.name for t in d.tags)) for d in deals
    }


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("csv", ";"), ("xlsx", ",")])
def test_export_then_import_of_the_same_file_changes_nothing(
    tmp_path, client, auth, sales_user, deals, fmt, sep
):
    """The round trip of the issue: every field exported, the file imported back through
    the engine as a person would (detected options, all-or-nothing) writes nothing."""
    auth.login(sales_user)
    data = client.get(f"/opportunities/export?scope=all&columns=all&format={fmt}&sep={sep}").data
    path = tmp_path / f"deals.{fmt}"
    path.write_bytes(data)
    before, counts = _snapshot(), _table_counts()
    with open_table(path, filename=path.name) as table:
        options = first_options("opportunity", table)
    run = ImportRun(
        user_id=sales_user.id,
        entity="opportunity",
        filename=path.name,
        stored_path=str(path),
        status="queued",
        mode="all_or_nothing",
        options=options,
    )
    db.session.add(run)
    db.session.commit()
    run = engine.execute(run.id)
    assert (run.status, run.error) == ("done", None)
    assert (run.created_count, run.updated_count, run.rejected_count) == (0, 0, 0)
    assert _snapshot() == before
    assert _table_counts() == {**counts, "import_runs": counts["import_runs"] + 1}


def _table_counts() -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_accounts_contacts_and_leads_round_trip_unchanged(tmp_path, client, auth, admin, fmt):
    acme = factories.account("Acme S.p.A.", city="Milano", email="info@acme.example")
    factories.account("=Formula Srl", external_id="ACC-2", phone="+39 02 1234")
    factories.contact(acme, "Bianchi", first_name="Anna", email="anna@acme.example")
    factories.contact(None, "Verdi", first_name="Luca", title="-CTO-")
    db.session.add(Lead(first_name="Mara", last_name="Neri", company="Neri & Co", status="new"))
    db.session.commit()
    auth.login(admin)
    for entity, url in (("account", "accounts"), ("contact", "contacts"), ("lead", "leads")):
        model = {"account": Account, "contact": Contact, "lead": Lead}[entity]
        data = client.get(f"/{url}/export?scope=all&columns=all&format={fmt}").data
        path = tmp_path / f"{url}.{fmt}"
        path.write_bytes(data)
        db.session.expire_all()
        columns = [c.key for c in model.__table__.columns]
        before = [{c: getattr(r, c) for c in columns} for r in db.session.scalars(select(model))]
        counts = _table_counts()
        with open_table(path, filename=path.name) as table:
            options = first_options(entity, table)
        run = ImportRun(
            user_id=admin.id, entity=entity, filename=path.name, stored_path=str(path),
            status="queued", mode="all_or_nothing", options=options,
        )  # fmt: skip
        db.session.add(run)
        db.session.commit()
        run = engine.execute(run.id)
        assert (run.status, run.created_count, run.updated_count, run.rejected_count) == (
            "done", 0, 0, 0,
        ), entity  # fmt: skip
        db.session.expire_all()
        after = [{c: getattr(r, c) for c in columns} for r in db.session.scalars(select(model))]
        assert after == before, entity
        assert _table_counts() == {**counts, "import_runs": counts["import_runs"] + 1}
