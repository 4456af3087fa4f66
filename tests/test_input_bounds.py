"""Input the database cannot hold is refused before it sees it, the same way on SQLite and
PostgreSQL: ids beyond 32 bits or in other scripts' digits, NUL and control characters,
text longer than its column, numbers beyond their ``Numeric(p, s)``; no 500 anywhere."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.inputs import MAX_ID, integer, search_text, text
from webapp.models import (
    Account,
    Activity,
    Contact,
    Lead,
    Note,
    Opportunity,
    OpportunityLine,
    StageHistory,
)

HUGE = "9" * 25
HTMX = {"HX-Request": "true"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def reload(opp) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("-1", None),
        ("²", None),
        ("٣", None),
        ("4.0", None),
        ("", None),
        (None, None),
        ("1" * 5000, None),
    ],
)
def test_integer_takes_ascii_digits_within_the_database_range(value, expected):
    assert integer(value) == expected


def test_text_refuses_control_characters_but_keeps_line_breaks_where_asked():
    assert text("note", " a\tb\r\nc ", max_len=10, multiline=True) == "a\tb\r\nc"
    for bad in ("a\x00b", "a\x1bb", "a\x85b", "a\ud800b"):
        with pytest.raises(ValidationError) as caught:
            text("note", bad, max_len=10, multiline=True)
        assert "control characters" in caught.value.errors["note"]
    with pytest.raises(ValidationError):
        text("name", "a\nb", max_len=10)
    with pytest.raises(ValidationError) as caught:
        text("name", "x" * 11, max_len=10)
    assert caught.value.errors == {"name": "At most 10 characters."}
    assert search_text("ac\x00me\n" + "x" * 500) == "acme" + "x" * 196


# --- ids in the path and the query string -------------------------------------------------


@pytest.mark.parametrize("segment", [HUGE, str(MAX_ID + 1), "%C2%B2", "%D9%A3", "-1"])
def test_route_ids_beyond_the_database_or_not_ascii_are_404(
    client, auth, sales_user, create_opportunity, segment
):
    create_opportunity()
    auth.login(sales_user)
    assert client.get(f"/opportunities/{segment}").status_code == 404
    assert client.post(f"/opportunities/{segment}/notes", data={"body": "x"}).status_code == 404
    assert count(Note) == 0


@pytest.mark.parametrize(
    "url",
    [
        f"/opportunities?page={HUGE}",
        "/opportunities?page=²",
        f"/accounts?page={HUGE}",
        f"/contacts?page={HUGE}",
        f"/board?owner={HUGE}",
        "/board?owner=²",
        "/board?tag=²",
        f"/board?tag={HUGE}&tag=٣",
        f"/board?account_id={HUGE}",
        f"/board?pipeline={HUGE}",
        f"/opportunities/new?account_id={HUGE}&contact_id=²",
        "/opportunities?q=ac%00me",
        "/accounts/search?q=" + "x" * 100_000,
    ],
)
def test_query_integers_that_are_no_ids_are_ignored(client, auth, sales_user, pipeline, url):
    auth.login(sales_user)
    assert client.get(url).status_code == 200


def test_an_owner_id_beyond_the_database_is_an_unknown_owner(
    client, auth, sales_user, create_opportunity
):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/fields/owner_id",
        data={"owner_id": HUGE, "version": opp.version},
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Unknown owner." in response.get_data(as_text=True)
    assert reload(opp).version == opp.version


def test_a_board_move_with_unicode_digits_in_before_and_origin_ids_moves_and_answers(
    client, auth, sales_user, pipeline, create_opportunity
):
    qualification = pipeline.stages[1]
    opp = create_opportunity(name="Mover")
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={
            "stage_id": qualification.id,
            "version": opp.version,
            "board": "1",
            "before_id": "²",
            "origin_stage_id": "²",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert reload(opp).stage_id == qualification.id
    assert count(StageHistory) == 2


# --- text -----------------------------------------------------------------------------------


@pytest.fixture
def deal(create_opportunity):
    return create_opportunity(name="Acme support", account_name="Acme S.p.A.")


FORMS = [
    ("/accounts/new", {"name": "Acme\x00"}, Account, "name"),
    ("/contacts/new", {"last_name": "Rossi\x00"}, Contact, "last_name"),
    ("/leads/new", {"last_name": "Neri\x1b"}, Lead, "last_name"),
    ("/accounts/new", {"name": "x" * 201}, Account, "name"),
    ("/contacts/new", {"last_name": "Rossi", "phone": "1" * 61}, Contact, "phone"),
    ("/opportunities/new", {"name": "Deal\x00", "stage_id": "{stage}"}, Opportunity, "name"),
    (
        "/opportunities/new",
        {"name": "Deal", "amount": "sNaN", "stage_id": "{stage}"},
        None,
        "amount",
    ),
    ("{deal}/notes", {"body": "Called\x00"}, Note, "body"),
    ("{deal}/activities", {"subject": "Call\x00", "kind": "call"}, Activity, "subject"),
    ("{deal}/lines", {"description": "Setup\x00"}, OpportunityLine, "description"),
    (
        "{deal}/lines",
        {"description": "Setup", "quantity": "99999999999"},
        OpportunityLine,
        "quantity",
    ),
    ("{deal}/partners", {"account_name": "Partner\x00"}, Account, "account_name"),
    ("{deal}/fields/name", {"name": "Renamed\x00"}, None, "name"),
    ("{deal}/fields/currency", {"currency": "EURO"}, None, "currency"),
    ("{deal}/fields/description", {"description": "a\x00b"}, None, "description"),
]


@pytest.mark.parametrize(("url", "data", "model", "field"), FORMS)
def test_text_and_numbers_the_columns_cannot_hold_are_refused_with_a_message(
    client, auth, sales_user, pipeline, deal, url, data, model, field
):
    auth.login(sales_user)
    url = url.format(deal=f"/opportunities/{deal.id}")
    data = {k: v.format(stage=pipeline.stages[0].id) for k, v in data.items()}
    rows = {m: count(m) for m in (Account, Contact, Lead, Note, Activity, Opportunity)}
    rows[OpportunityLine] = count(OpportunityLine)
    version = deal.version

    response = client.post(url, data={**data, "version": version}, headers=HTMX)

    assert response.status_code in (200, 422)
    page = response.get_data(as_text=True)
    assert any(
        message in page
        for message in (
            "Remove the",
            "At most",
            "too large",
            "is not a number",
        )
    ), page[:2000]
    db.session.expire_all()
    assert {m: count(m) for m in rows} == rows
    assert reload(deal).version == version


def test_typed_input_stays_in_the_form_after_a_refusal(client, auth, sales_user):
    auth.login(sales_user)
    response = client.post("/accounts/new", data={"name": "Acme", "phone": "1" * 61})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "At most 60 characters." in page and "1" * 61 in page


def test_a_value_set_in_code_that_no_column_can_hold_is_refused_at_flush(app, sales_user):
    account = factories.account("Acme")
    account.name = "x" * 201
    account.description = "line one\nline two\tindented"  # Text keeps line breaks
    with pytest.raises(ValidationError) as caught:
        db.session.flush()
    assert caught.value.errors == {"name": "At most 200 characters."}
    db.session.rollback()
    account.city = "Tor\x00ino"
    with pytest.raises(ValidationError) as caught:
        db.session.commit()
    assert "city" in caught.value.errors
    db.session.rollback()
    line_quantity = Decimal("10000000000")  # Numeric(12, 2) holds up to 9999999999.99
    opp_line = OpportunityLine(description="x", quantity=line_quantity, unit_price=Decimal(1))
    db.session.add(opp_line)
    with pytest.raises(ValidationError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Account, account.id).name == "Acme"


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/board%0D%0ASet-Cookie:%20x=1", "/board%00", "/%5C%5Cevil.example", "//evil.example"],
)
def test_login_ignores_a_next_with_control_characters_or_another_host(client, sales_user, target):
    response = client.post(
        f"/login?next={target}",
        data={"email": sales_user.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_multi_line_text_keeps_its_line_breaks(client, auth, sales_user, deal):
    auth.login(sales_user)
    body = "Called Anna.\r\n\tShe wants a second offer."
    response = client.post(f"/opportunities/{deal.id}/notes", data={"body": body}, headers=HTMX)
    assert response.status_code == 200
    response = client.post(
        "/accounts/new", data={"name": "Fiume Foods", "address": "Via Roma 1\nTorino"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Note.body)) == "Called Anna.\r\n\tShe wants a second offer."
    assert db.session.scalar(select(Account.address).where(Account.name == "Fiume Foods")) == (
        "Via Roma 1\nTorino"
    )
