"""Saved views of the lists: save, share, default, update, rename, delete, permissions,
and the board opening a saved deal view."""

import re

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.models import SavedView, SavedViewDefault


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-deal="(\d+)"', html)]


def save(client, name="Big deals", state="amount_min=1000&cols=name,amount&sort=-amount", **extra):
    data = {"entity": "opportunity", "name": name, "state": state, **extra}
    return client.post("/views", data=data)


@pytest.fixture
def two_deals(create_opportunity):
    small = create_opportunity(name="Small one", amount="100")
    big = create_opportunity(name="Big one", amount="5000")
    return small, big


def test_save_open_and_default(client, auth, sales_user, two_deals):
    small, big = two_deals
    auth.login(sales_user)
    response = save(client, widths="ignored")
    view = db.session.scalars(select(SavedView)).one()
    assert (view.user_id, view.entity, view.name, view.shared) == (
        sales_user.id,
        "opportunity",
        "Big deals",
        False,
    )
    assert view.query == {"amount_min": ["1000"], "sort": ["-amount"]}
    assert view.columns == [{"key": "name", "width": None}, {"key": "amount", "width": None}]
    assert response.status_code == 302 and f"view={view.id}" in response.location
    opened = client.get(f"/opportunities?view={view.id}")
    assert opened.status_code == 302
    html = client.get(opened.location).text
    assert ids(html) == [big.id] and "View: Big deals" in html
    # Without parameters the list opens unfiltered until the view is the default.
    assert set(ids(client.get("/opportunities").text)) == {small.id, big.id}
    client.post("/views/default", data={"entity": "opportunity", "view_id": view.id})
    assert db.session.get(SavedViewDefault, (sales_user.id, "opportunity")).view_id == view.id
    default = client.get("/opportunities")
    assert default.status_code == 302 and f"view={view.id}" in default.location
    assert ids(client.get(default.location).text) == [big.id]
    assert set(ids(client.get("/opportunities?view=0").text)) == {small.id, big.id}
    client.post("/views/default", data={"entity": "opportunity", "view_id": ""})
    assert db.session.get(SavedViewDefault, (sales_user.id, "opportunity")) is None


def test_update_rename_delete(client, auth, sales_user, two_deals):
    auth.login(sales_user)
    save(client)
    view = db.session.scalars(select(SavedView)).one()
    client.post(f"/views/{view.id}/update", data={"state": "q=small&widths=name:220&cols=name"})
    db.session.expire_all()
    assert view.query == {"q": ["small"]} and view.columns == [{"key": "name", "width": 220}]
    client.post(f"/views/{view.id}/rename", data={"name": "Small ones", "shared": "1"})
    db.session.expire_all()
    assert (view.name, view.shared) == ("Small ones", True)
    blank = client.post(f"/views/{view.id}/rename", data={"name": "  "})
    db.session.expire_all()
    assert blank.status_code == 302 and view.name == "Small ones"
    client.post(f"/views/{view.id}/delete")
    assert db.session.scalar(select(func.count()).select_from(SavedView)) == 0


def test_sharing_and_permissions(client, auth, sales_user, manager, create_user, two_deals):
    auth.login(sales_user)
    save(client, name="Mine, private")
    save(client, name="Team view", shared="1")
    private, shared = db.session.scalars(select(SavedView).order_by(SavedView.id)).all()
    auth.logout()

    colleague = create_user(email="colleague@example.com", name="Carla Colleague")
    auth.login(colleague)
    menu = client.get("/opportunities?view=0").text.split("data-views-menu")[1]
    assert "Team view" in menu and "Mine, private" not in menu
    assert client.get(f"/opportunities?view={private.id}").status_code == 404
    assert client.get(f"/opportunities?view={shared.id}").status_code == 302
    # Someone else's view: not theirs to change; a private one is not even found.
    assert client.post(f"/views/{shared.id}/update", data={"state": "q=x"}).status_code == 403
    assert client.post(f"/views/{shared.id}/rename", data={"name": "Hijack"}).status_code == 403
    assert client.post(f"/views/{shared.id}/delete").status_code == 403
    assert client.post(f"/views/{private.id}/delete").status_code == 404
    denied = client.post("/views/default", data={"entity": "opportunity", "view_id": private.id})
    assert denied.status_code == 404
    db.session.expire_all()
    assert shared.name == "Team view" and shared.query == {
        "amount_min": ["1000"],
        "sort": ["-amount"],
    }
    assert db.session.scalar(select(func.count()).select_from(SavedView)) == 2
    assert db.session.scalar(select(func.count()).select_from(SavedViewDefault)) == 0
    # A colleague may open with a shared view by default.
    client.post("/views/default", data={"entity": "opportunity", "view_id": shared.id})
    assert db.session.get(SavedViewDefault, (colleague.id, "opportunity")).view_id == shared.id
    auth.logout()

    stranger = factories.user(
        email="x@example.com", name="X", business_lines=[factories.business_line("Other")]
    )
    auth.login(stranger)
    assert client.get(f"/opportunities?view={shared.id}").status_code == 404
    auth.logout()

    admin = create_user(email="root@example.com", name="Root", role="admin")
    auth.login(admin)
    assert client.post(f"/views/{shared.id}/delete").status_code == 302
    assert db.session.get(SavedView, shared.id) is None


def test_bad_view_input_writes_nothing(client, auth, sales_user):
    auth.login(sales_user)
    for data in (
        {"entity": "opportunity", "name": "", "state": "q=x"},
        {"entity": "opportunity", "name": "x" * 500, "state": "q=x"},
        {"entity": "opportunity", "name": "Nul\x00", "state": "q=x"},
        {"entity": "spaceships", "name": "Ok", "state": "q=x"},
        {"entity": "opportunity", "name": "Ok", "state": "q=%00"},
    ):
        response = client.post("/views", data=data)
        assert response.status_code in (302, 400, 404, 422), (data, response.status_code)
    assert db.session.scalar(select(func.count()).select_from(SavedView)) == 0


def test_board_opens_a_saved_deal_view(client, auth, sales_user, create_opportunity, pipeline):
    tag = factories.tag("strategic")
    tagged = create_opportunity(name="Tagged deal", tag_ids=[str(tag.id)])
    create_opportunity(name="Plain deal")
    auth.login(sales_user)
    # The list's own filters (sort, amount, columns) mean nothing to the board: ignored.
    save(client, name="Strategic", state=f"tag={tag.id}&sort=-amount&amount_min=1&cols=name")
    view = db.session.scalars(select(SavedView)).one()
    board = client.get("/board").text
    assert f'?view={view.id}"' in board and "Plain deal" in board
    opened = client.get(f"/board?view={view.id}")
    assert opened.status_code == 200
    assert tagged.name in opened.text and "Plain deal" not in opened.text
