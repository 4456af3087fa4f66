"""Exports of deals, accounts, contacts and leads (CSV and XLSX): headers, values read back
and compared with the database, formula injection, permissions, scopes, the Italian option,
the round trip through the import's reader, query counts, the command line."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.imports.mapping import guess_mapping
from webapp.imports.reading import open_table
from webapp.imports.values import RowConverter
from webapp.leads.services import create_lead
from webapp.models import Contact, CustomField, Lead, Opportunity, Source
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
        "Owner", "Close date", "Probability", "Status", "Source", "Tags", "Lost reason",
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
    assert two["Close date"] == "" and two["Amount"] == "0.00" and two["Tags"] == ""
