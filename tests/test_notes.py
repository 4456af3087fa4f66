"""Notes on a deal: colleagues' messages, pinned ones on top."""

import pytest
from sqlalchemy import select

from webapp.errors import PermissionDenied, ValidationError
from webapp.extensions import db
from webapp.models import Note, TimelineEntry
from webapp.opportunities import notes

HX = {"HX-Request": "true"}


def test_colleague_adds_note_owner_pins_it_on_top(
    client, auth, create_opportunity, sales_user, create_user
):
    opp = create_opportunity()
    colleague = create_user(email="c@example.com", name="Carla Colleague", role="sales")
    first = notes.add_note(colleague, opp, "Extra contact: Bruno, +39 02 1234")
    notes.add_note(sales_user, opp, "Newer note")
    with pytest.raises(PermissionDenied):
        notes.set_pinned(colleague, opp, first.id, True)  # only editors pin
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/notes/{first.id}/pin", data={"pinned": "1"}, headers=HX
    )
    html = response.text
    assert response.status_code == 200
    assert html.index("Extra contact") < html.index("Newer note")
    assert 'data-pinned="true"' in html and "Carla Colleague" in html
    assert (
        db.session.scalars(
            select(TimelineEntry.message)
            .where(TimelineEntry.action == "note")
            .order_by(TimelineEntry.id.desc())
        ).first()
        == "Pinned a note"
    )


def test_empty_note_is_refused(client, auth, create_opportunity, sales_user):
    opp = create_opportunity()
    with pytest.raises(ValidationError):
        notes.add_note(sales_user, opp, "   ")
    auth.login(sales_user)
    response = client.post(f"/opportunities/{opp.id}/notes", data={"body": ""}, headers=HX)
    assert response.status_code == 422 and "This field is required" in response.text
    assert db.session.scalars(select(Note)).all() == []


def test_note_text_is_escaped(client, auth, create_opportunity, sales_user):
    opp = create_opportunity()
    auth.login(sales_user)
    client.post(
        f"/opportunities/{opp.id}/notes", data={"body": "<script>alert(1)</script>"}, headers=HX
    )
    html = client.get(f"/opportunities/{opp.id}").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
