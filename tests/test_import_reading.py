"""Reading the files people really have: ugly files made here, read as tables of cells, their
columns mapped from the headers and their cells turned into values (or refused, saying why)."""

import codecs
import tracemalloc
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from webapp.imports.mapping import guess_mapping, shape
from webapp.imports.reading import Exact, UnreadableFile, open_table
from webapp.imports.values import (
    RowConverter,
    guess_date_order,
    guess_decimal,
    guess_formats,
    read_amount,
)


@pytest.fixture
def write(tmp_path):
    def make(data: bytes, name: str = "file.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return make


def read(path, **options):
    with open_table(path, filename=path.name, **options) as table:
        return table, list(table.rows)


ITALIAN = "Nome;Azienda;Importo (€);Città\r\nCaffè è à;Perché srl;€ 1.500,00;Forlì\r\n"


@pytest.mark.parametrize(
    ("encoded", "codec"),
    [
        (ITALIAN.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF8 + ITALIAN.encode("utf-8"), "utf-8-sig"),
        (ITALIAN.encode("utf-16"), "utf-16"),  # with its BOM
        (codecs.BOM_UTF16_BE + ITALIAN.encode("utf-16-be"), "utf-16"),
        (ITALIAN.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (ITALIAN.encode("utf-16-be"), "utf-16-be"),
        (ITALIAN.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected_and_accents_come_out_right(app, write, encoded, codec):
    table, rows = read(write(encoded))
    assert table.encoding == codec
    assert table.headers == ["Nome", "Azienda", "Importo (€)", "Città"]
    assert rows == [(2, ["Caffè è à", "Perché srl", "€ 1.500,00", "Forlì"])]


def test_the_person_can_override_the_encoding(app, write):
    path = write(ITALIAN.encode("cp1252"))
    _, rows = read(path, encoding="iso-8859-15")
    assert rows[0][1][0] == "Caffè è à"  # the same letters in Latin-9
    _, rows = read(path, encoding="utf-8")
    assert rows[0][1][0] == "Caff\ufffd \ufffd \ufffd"  # wrong, visibly, and no crash


def test_a_utf8_file_whose_first_accent_is_far_down_is_still_utf8(app, write):
    body = "Name,Amount\n" + "Plain,1\n" * 20_000 + "Caffè,2\n"
    table, rows = read(write(body.encode()))
    assert table.encoding == "utf-8-sig"
    assert rows[-1] == (20_002, ["Caffè", "2"])


def test_cyrillic_windows_text_is_not_read_as_western(app, write):
    text = "Имя;Компания;Описание\nИван Петров;ООО Ромашка;Поставщик оборудования для офиса\n"
    table, rows = read(write(text.encode("cp1251")))
    assert table.encoding == "cp1251"
    assert rows[0][1][1] == "ООО Ромашка"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Name;Amount;Account\nA;1,5;X\nB;2;Y\n", ";"),
        ('Name,Amount,Account\nA,"1,5",X\nB,2,Y\n', ","),
        ("Name\tAmount\tAccount\nA\t1,5\tX\nB\t2\tY\n", "\t"),
        ("Name|Amount|Account\nA|1,5|X\n", "|"),
    ],
)
def test_delimiters_are_sniffed(app, write, text, delimiter):
    table, rows = read(write(text.encode()))
    assert table.delimiter == delimiter
    assert table.headers == ["Name", "Amount", "Account"]
    assert rows[0][1] == ["A", "1,5", "X"]


def test_semicolons_win_over_decimal_commas_in_rows_of_uneven_width(app, write):
    text = "Nome;Importo;Data;Note;;;\r\n" + "Affare;1.000,00;01/02/2026;;\r\n" * 30
    text += "Altro;2.000,00;01/02/2026;Nota\r\n"
    table, rows = read(write(text.encode()))
    assert table.delimiter == ";"
    assert table.headers == ["Nome", "Importo", "Data", "Note"]
    assert rows[-1] == (32, ["Altro", "2.000,00", "01/02/2026", "Nota"])


def test_title_lines_above_the_header_row_are_skipped(app, write):
    text = "Report trattative 2026;;;\r\n;;;\r\nEstratto il 30/11/2026\r\nNome;Importo\r\nA;1\r\n"
    table, rows = read(write(text.encode()))
    assert (table.delimiter, table.headers, rows) == (";", ["Nome", "Importo"], [(5, ["A", "1"])])
    assert table.notes == ["The header row is line 4; the lines above it were skipped."]
    table, rows = read(write(b"Cognome\nRossi\nBianchi\n"))  # one column: no title to skip
    assert table.headers == ["Cognome"] and rows == [(2, ["Rossi"]), (3, ["Bianchi"])]


def test_the_person_can_override_the_delimiter(app, write):
    table, rows = read(write(b"Name;Notes,Extra\nA;x,y\n"), delimiter=",")
    assert table.headers == ["Name;Notes", "Extra"]
    assert rows[0][1] == ["A;x", "y"]


def test_quotes_newlines_blank_lines_and_excel_trailing_columns(app, write):
    text = (
        "Name;Description;;;\r\n"
        '"Deal ""A""";"two\r\nlines";;;\r\n'
        "\r\n"
        ";;;;\r\n"
        '"Deal B";"three\nline\nnote";;;\r\n'
        "Deal C;plain\r\n"
    )
    table, rows = read(write(text.encode()))
    assert table.headers == ["Name", "Description"]
    assert rows == [
        (2, ['Deal "A"', "two\r\nlines"]),
        (6, ["Deal B", "three\nline\nnote"]),
        (9, ["Deal C", "plain"]),
    ]


def test_rows_stream_with_bounded_memory(app, write):
    path = write(b"Name;Amount;Close date\n" + b"Some deal name;1.500,50;31/12/2026\n" * 150_000)
    tracemalloc.start()
    count = 0
    with open_table(path, filename="big.csv") as table:
        for _ in table.rows:
            count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 150_000
    assert path.stat().st_size > 5_000_000
    assert peak < 1_500_000  # a few chunks, never the 5 MB file


# --- bad files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n  \r\n", "The file is empty."),
        (codecs.BOM_UTF8, "The file is empty."),
        (b"Name;Amount\r\n", "The file has a header row but no rows of data."),
        (b"Name;Amount\r\n;;;\r\n\r\n", "The file has a header row but no rows of data."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is an image"),
        (b"%PDF-1.4\n", "This file is a PDF document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel (.xls)"),
        (b"PK\x03\x04 not a zip at all", "This ZIP file is not an XLSX spreadsheet"),
        (bytes(range(256)) * 4, "This file is not a CSV, an XLSX spreadsheet or a vCard file."),
        (b"BEGIN:VCARD\r\nFN:A\r\n", "a card is not closed with END:VCARD"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\n", "a card is not closed"),
        (b"BEGIN:VCARDS\r\nFN:x\r\n", "holds no contact cards"),
    ],
)
def test_bad_files_say_why(app, write, data, message):
    with pytest.raises(UnreadableFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        read(write(data))


def test_a_zip_that_is_not_a_workbook(app, tmp_path):
    import zipfile

    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "hello")
    with pytest.raises(UnreadableFile, match="not an XLSX spreadsheet"):
        open_table(path, filename=path.name)


# --- XLSX --------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Deals"
    sheet.append(["Trattative aperte", None, None])
    sheet.append([])
    sheet.append(["Nome", "Importo (€)", "Data chiusura", "Probabilità", "Note", None, None])
    sheet.append(["Typed", 1500.5, datetime(2026, 12, 31), 0.25, "ok", None, None])
    sheet.append(["Integer", 2000, date(2026, 1, 2), 0.5, None, None, None])
    sheet.append(["Text cells", "1.500,50", "31/12/2026", "25%", 42, None, None])
    sheet.append([None, None, None, None, None, None, None])
    sheet.cell(4, 4).number_format = "0%"
    sheet.cell(5, 4).number_format = "0%"
    other = book.create_sheet("Contacts")
    other.append(["Cognome", "Nome"])
    other.append(["Rossi", "Mario"])
    path = tmp_path / "deals.xlsx"
    book.save(path)
    return path


def test_xlsx_typed_cells_are_exact_and_text_cells_stay_text(app, workbook):
    table, rows = read(workbook)
    assert (table.kind, table.sheet, table.sheets) == ("xlsx", "Deals", ["Deals", "Contacts"])
    assert table.headers == ["Nome", "Importo (€)", "Data chiusura", "Probabilità", "Note"]
    assert rows == [
        (4, ["Typed", "1500.5", "2026-12-31", "25", "ok"]),
        (5, ["Integer", "2000", "2026-01-02", "50"]),
        (6, ["Text cells", "1.500,50", "31/12/2026", "25%", "42"]),
    ]
    typed = rows[0][1]
    assert all(isinstance(c, Exact) for c in typed[1:4]) and not isinstance(typed[0], Exact)
    assert not isinstance(rows[2][1][1], Exact)

    mapping = guess_mapping("opportunity", table.headers)
    assert mapping == {0: "name", 1: "amount", 2: "close_date", 3: "probability", 4: "description"}
    # even read "decimal point, month first", typed cells keep their value
    convert = RowConverter("opportunity", mapping, date_order="mdy", decimal=".").convert
    assert convert(rows[0][1]) == (
        {
            "name": "Typed",
            "amount": Decimal("1500.5"),
            "close_date": date(2026, 12, 31),
            "probability": Decimal("25"),
            "description": "ok",
        },
        [],
    )
    values, errors = RowConverter("opportunity", mapping).convert(rows[2][1])
    assert values["amount"] == Decimal("1500.50") and values["close_date"] == date(2026, 12, 31)
    assert values["description"] == "42"


def test_typed_cells_of_the_wrong_kind(app):
    convert = RowConverter("opportunity", {0: "close_date", 1: "amount"}).convert
    assert convert([Exact("46022"), Exact("2026-12-31")]) == (
        {"close_date": date(2025, 12, 31)},  # a serial day number, as Excel counts
        [("Amount", "2026-12-31 is not a number written with a decimal comma, like 1.500,50.")],
    )
    assert convert([Exact("1500.5"), ""])[1] == [
        ("Close date", "1500.5 is not a date written day/month/year (31/12/2026) or 2026-12-31.")
    ]


def test_xlsx_another_sheet(app, workbook):
    table, rows = read(workbook, sheet="Contacts")
    assert table.headers == ["Cognome", "Nome"] and rows == [(2, ["Rossi", "Mario"])]
    with pytest.raises(UnreadableFile, match="no sheet named Nope"):
        open_table(workbook, filename="x.xlsx", sheet="Nope")


# --- vCard -------------------------------------------------------------------------------

VCARDS = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "N:Rossi;Mario;Luigi;Dott.;\r\n"
    "FN:Dott. Mario Luigi Rossi\r\n"
    "ORG:Caffè Rossi srl;Vendite\r\n"
    "TITLE:Direttore commerciale\r\n"
    "EMAIL;TYPE=INTERNET:mario@old.example\r\n"
    "EMAIL;TYPE=INTERNET,PREF:mario@rossi.example\r\n"
    "TEL;TYPE=WORK,VOICE:+39 02 1234567\r\n"
    "TEL;TYPE=CELL:+39 333 1234567\r\n"
    "NOTE:Conosciuto in fiera\\, Milano.\\nRichiamare a gennaio\r\n"
    "  dopo le feste.\r\n"
    "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\n"
    "END:VCARD\r\n"
    "\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:Anna Bianchi\r\n"
    'EMAIL;TYPE="work":anna@bianchi.example\r\n'
    'TEL;VALUE=uri;TYPE="cell,voice":tel:+39-347-7654321\r\n'
    "item1.ORG:Bianchi S.p.A.\r\n"
    "UID:anna-1\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Verd=C3=AC;Luca\r\n"
    "TEL;CELL:3351112222\r\n"
    "TEL;WORK:0511234\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Prima riga=0D=0ASeconda riga con caff=C3=A8 =\r\n"
    "lungo\r\n"
    "END:VCARD\r\n"
)


def test_vcards_3_4_and_2_1_become_contact_rows(app, write):
    table, rows = read(write(VCARDS.encode(), "contacts.vcf"))
    assert table.kind == "vcard"
    mapping = guess_mapping("contact", table.headers)
    assert sorted(mapping.values()) == sorted(
        ["external_id", "first_name", "last_name", "email", "phone", "mobile", "title"]
        + ["account", "notes"]
    )
    lines = [line for line, _ in rows]
    assert lines == [1, 16, 24]
    convert = RowConverter("contact", mapping).convert
    mario, anna, luca = (convert(cells) for _, cells in rows)
    assert mario == (
        {
            "external_id": "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
            "first_name": "Mario Luigi",
            "last_name": "Rossi",
            "email": "mario@rossi.example",
            "phone": "+39 02 1234567",
            "mobile": "+39 333 1234567",
            "title": "Direttore commerciale",
            "account": "Caffè Rossi srl",
            "notes": "Conosciuto in fiera, Milano.\nRichiamare a gennaio dopo le feste.",
        },
        [],
    )
    assert anna == (
        {
            "external_id": "anna-1",
            "first_name": "Anna",
            "last_name": "Bianchi",
            "email": "anna@bianchi.example",
            "mobile": "+39-347-7654321",
            "account": "Bianchi S.p.A.",
        },
        [],
    )
    assert luca[0]["last_name"] == "Verdì" and luca[0]["first_name"] == "Luca"
    assert (luca[0]["mobile"], luca[0]["phone"]) == ("3351112222", "0511234")
    assert luca[0]["notes"] == "Prima riga\r\nSeconda riga con caffè lungo"


def test_a_vcard_file_with_no_cards(app, write):
    with pytest.raises(UnreadableFile):
        read(write(b"BEGIN:VCARD\r\n", "x.vcf"))


# --- numbers and dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("1.500,50", ",", "1500.50"),
        ("1500,50", ",", "1500.50"),
        ("€ 1.500,00", ",", "1500.00"),
        ("1 500,00 €", ",", "1500.00"),
        ("1\u00a0500,00", ",", "1500.00"),
        ("EUR 2.000", ",", "2000"),
        ("-1.500,5", ",", "-1500.5"),
        ("(1.500,00)", ",", "-1500.00"),
        ("1.500", ",", "1500"),
        ("1.234.567,89", ",", "1234567.89"),
        ("۱۲۳۴٫۵", ",", "1234.5"),  # Persian digits and the Arabic decimal mark
        ("١٬٥٠٠", ",", "1500"),  # Arabic-Indic with the Arabic grouping mark
        ("1,500.50", ".", "1500.50"),
        ("$1,500", ".", "1500"),
        ("1'500.50", ".", "1500.50"),
        ("1.5", ".", "1.5"),
        ("1.500", ".", "1.500"),
    ],
)
def test_amounts(text, decimal, value):
    assert read_amount(text, decimal) == Decimal(value)


@pytest.mark.parametrize("text", ["1.50,0", "1,500.50", "12.34.5", "abc", "1 50", "1,5,0", "--1"])
def test_amounts_refused_with_a_decimal_comma(text):
    from webapp.imports.values import Refused

    with pytest.raises(Refused, match="is not a number written with a decimal comma"):
        read_amount(text, ",")


@pytest.mark.parametrize(
    ("cells", "mark", "ambiguous"),
    [
        (["1.500,50", "200"], ",", False),
        (["1,500.50", "200"], ".", False),
        (["12,5"], ",", False),
        (["12.50"], ".", False),
        (["1.500.000"], ",", False),
        (["1.500", "2.000", "", "300"], ",", True),
        (["1,500", "2,000"], ",", True),
        (["€ 1.500", "€ 1.500,50"], ",", False),
        (["100", "200"], ",", False),
    ],
)
def test_the_decimal_mark_is_chosen_per_file(cells, mark, ambiguous):
    guess = guess_decimal(cells, default=",")
    assert (guess.value, guess.ambiguous) == (mark, ambiguous)
    if ambiguous:
        assert guess.example in cells


@pytest.mark.parametrize(
    ("cells", "order", "ambiguous"),
    [
        (["03/04/2026", "31/12/2026"], "dmy", False),
        (["03/04/2026", "12/31/2026"], "mdy", False),
        (["31.12.2026", "01.02.2026"], "dmy", False),
        (["2026-12-31", "2026-01-02"], "dmy", False),
        (["03/04/2026", "05/06/2026"], "dmy", True),
        (["۰۳/۰۴/۲۰۲۶", "۳۱/۱۲/۲۰۲۶"], "dmy", False),
    ],
)
def test_the_date_order_is_chosen_per_file(cells, order, ambiguous):
    guess = guess_date_order(cells, default="dmy")
    assert (guess.value, guess.ambiguous) == (order, ambiguous)


def test_three_date_styles_read_and_refused_with_reasons(app):
    mapping = {0: "close_date"}
    dmy = RowConverter("opportunity", mapping, date_order="dmy")
    mdy = RowConverter("opportunity", mapping, date_order="mdy")
    assert dmy.convert(["31/12/2026"])[0] == {"close_date": date(2026, 12, 31)}
    assert dmy.convert(["31.12.26"])[0] == {"close_date": date(2026, 12, 31)}
    assert dmy.convert(["2026-12-31"])[0] == {"close_date": date(2026, 12, 31)}
    assert dmy.convert(["2026-12-31 00:00:00"])[0] == {"close_date": date(2026, 12, 31)}
    assert mdy.convert(["12/31/2026"])[0] == {"close_date": date(2026, 12, 31)}
    assert mdy.convert(["2026-12-31"])[0] == {"close_date": date(2026, 12, 31)}
    assert dmy.convert(["12/31/2026"]) == (
        {},
        [
            (
                "Close date",
                "12/31/2026 is not a date written day/month/year (31/12/2026) or 2026-12-31.",
            )
        ],
    )
    assert mdy.convert(["31/12/2026"])[1][0][1].startswith("31/12/2026 is not a date written")
    assert dmy.convert(["۳۱/۱۲/۲۰۲۶"])[0] == {"close_date": date(2026, 12, 31)}
    assert dmy.convert(["31/02/2026"])[1] == [
        ("Close date", "31/02/2026 is not a day of the calendar.")
    ]


def test_each_refused_cell_says_its_column_and_why(app):
    mapping = {0: "name", 1: "amount", 2: "probability", 3: "close_date", 4: "tags"}
    converter = RowConverter("opportunity", mapping, decimal=",")
    values, errors = converter.convert(["x" * 201, "1,500.50", "150", "soon", "a; b,c"])
    assert values == {"tags": ["a", "b", "c"]}
    assert errors == [
        ("Name", "The text is longer than 200 characters."),
        ("Amount", "1,500.50 is not a number written with a decimal comma, like 1.500,50."),
        ("Probability", "150 is not a percentage between 0 and 100."),
        ("Close date", "soon is not a date written day/month/year (31/12/2026) or 2026-12-31."),
    ]
    values, errors = converter.convert(["Bad\x00name", "", "", "", ""])
    assert errors == [("Name", "The text holds control characters.")]
    contact = RowConverter("contact", {0: "email"})
    assert contact.convert(["not-an-email"])[1] == [
        ("Email", "not-an-email is not an email address.")
    ]


def test_guess_formats_reads_a_whole_file_sample(app):
    rows = [["A", "1.500", "03/04/2026"], ["B", "2.000,50", "13/04/2026"]]
    order, decimal = guess_formats("opportunity", {0: "name", 1: "amount", 2: "close_date"}, rows)
    assert (order.value, order.ambiguous, decimal.value, decimal.ambiguous) == (
        "dmy",
        False,
        ",",
        False,
    )
    order, decimal = guess_formats("opportunity", {1: "amount"}, [["A", "1,500", "03/04/2026"]])
    assert order.ambiguous and decimal.ambiguous and decimal.example == "1,500"


# --- mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "headers", "expected"),
    [
        (
            "opportunity",
            ["NOME", "azienda", "Importo (€)", "Data_chiusura", "Probabilità (%)", "Fase"],
            ["name", "account", "amount", "close_date", "probability", "stage"],
        ),
        (
            "opportunity",
            ["Potential Name", "Organization Name", "Amount (EUR)", "Expected Close Date"]
            + ["Sales Stage", "Assigned To", "Lead Source"],
            ["name", "account", "amount", "close_date", "stage", "owner", "source"],
        ),
        (
            "opportunity",
            ["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Organization"]
            + [
                "Deal - Contact person",
                "Deal - Stage",
                "Deal - Expected close date",
                "Deal - Label",
            ],
            ["external_id", "name", "amount", "account", "contact", "stage", "close_date", "tags"],
        ),
        (
            "opportunity",
            ["Opportunity", "Customer", "Expected Revenue", "Stage", "Salesperson"]
            + ["Expected Closing", "Tags"],
            ["name", "account", "amount", "stage", "owner", "close_date", "tags"],
        ),
        (
            "contact",
            ["First Name", "Last Name", "Email", "Office Phone", "Mobile", "Job Position"]
            + ["Company Name"],
            ["first_name", "last_name", "email", "phone", "mobile", "title", "account"],
        ),
        ("account", ["Ragione sociale", "Città", "Paese", "Sito web"], None),
    ],
)
def test_headers_in_italian_english_and_crm_exports_map(app, entity, headers, expected):
    mapping = guess_mapping(entity, headers)
    if expected is None:
        expected = ["name", "city", "country", "website"]
    assert [mapping.get(i) for i in range(len(headers))] == expected


def test_each_field_is_guessed_once_and_unknown_headers_stay_unmapped(app):
    assert guess_mapping("opportunity", ["Nome", "Name", "Colore preferito", ""]) == {0: "name"}


def test_shape_ignores_case_accents_and_units():
    assert shape(["Nome", "Importo (€)"]) == shape(["NOME ", "importo"])
    assert shape(["Nome", "Importo"]) != shape(["Importo", "Nome"])


def test_ambiguous_files_default_to_the_readers_habits(app):
    mapping = {0: "amount", 1: "close_date"}
    it = guess_formats("opportunity", mapping, [["1.500,50", "03/04/2026"]], locale="it")
    en_comma = guess_formats("opportunity", mapping, [["1.500,50", "03/04/2026"]], locale="en")
    en_point = guess_formats("opportunity", mapping, [["1,500.50", "03/04/2026"]], locale="en")
    en_none = guess_formats("opportunity", mapping, [["1500", "03/04/2026"]], locale="en")
    assert [(o.value, d.value) for o, d in (it, en_comma, en_point, en_none)] == [
        ("dmy", ","),
        ("dmy", ","),
        ("mdy", "."),
        ("mdy", "."),
    ]
    assert all(o.ambiguous for o, _ in (it, en_comma, en_point, en_none))
