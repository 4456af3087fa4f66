"""The audit log: what is recorded, and the admin page that lists it (paged, filtered)."""

import re

from sqlalchemy import select

from tests.conftest import PASSWORD
from webapp.audit import services as audit
from webapp.extensions import db
from webapp.models import AuditEvent


def _kinds(**where):
    db.session.expire_all()
    query = select(AuditEvent.kind).order_by(AuditEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return db.session.scalars(query).all()


def test_sign_in_failure_and_sign_out_are_recorded(make_app, sales_user, pipeline):
    client = make_app().test_client()
    client.post("/login", data={"email": sales_user.email, "password": "wrong"},
                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    client.post("/login", data={"email": sales_user.email, "password": PASSWORD})
    client.post("/logout")
    failed = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "sign_in_failed"))
    assert failed.email == sales_user.email and failed.address == "192.0.2.7"
    assert _kinds(user_id=sales_user.id) == ["sign_in", "sign_out"]


def test_password_and_name_changes_are_recorded(make_app, sales_user, pipeline):
    client = make_app().test_client()
    client.post("/login", data={"email": sales_user.email, "password": PASSWORD})
    assert client.post("/profile/security/name", data={"name": "Samantha Sales"}).status_code == 302
    client.post("/profile/security/password", data={
        "current_password": PASSWORD, "new_password": "another fine one",
        "confirm_password": "another fine one"})
    assert _kinds(user_id=sales_user.id)[-2:] == ["name_changed", "password_changed"]
    db.session.expire_all()
    assert sales_user.name == "Samantha Sales"


def test_a_bad_name_is_refused_and_kept_in_the_form(make_app, sales_user, pipeline):
    client = make_app().test_client()
    client.post("/login", data={"email": sales_user.email, "password": PASSWORD})
    response = client.post("/profile/security/name", data={"name": "Bad\x00name"})
    assert response.status_code == 422 and b"control characters" in response.data
    response = client.post("/profile/security/name", data={"name": "x" * 1_000_000})
    assert response.status_code in (413, 422)
    db.session.expire_all()
    assert sales_user.name == "Sam Sales"
    assert "name_changed" not in _kinds()


def test_plugin_toggles_and_settings_are_recorded(client, auth, admin, business_line):
    auth.login(admin)
    client.post(f"/admin/plugins/{business_line.id}/pipeline_variants", data={"enabled": "1"})
    client.post(f"/admin/plugins/{business_line.id}/pipeline_variants", data={"enabled": "0"})
    client.post("/admin/owners", data={"sync_open": "1"})
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.user_id == admin.id).order_by(AuditEvent.id)
    ).all()
    assert [e.kind for e in events][-3:] == ["plugin_enabled", "plugin_disabled",
                                             "settings_changed"]
    assert events[-3].detail == f"pipeline_variants in {business_line.slug}"


def test_audit_page_is_for_admins_paged_and_filtered(client, auth, admin, sales_user):
    for n in range(audit.PAGE_SIZE + 5):
        audit.record("sign_in_failed", email=f"x{n}@example.com")
    audit.record("password_changed", user=sales_user, detail="<script>alert(1)</script>")
    db.session.commit()

    auth.login(sales_user)
    assert client.get("/admin/audit").status_code == 403
    auth.logout()
    auth.login(admin)
    page = client.get("/admin/audit").data.decode()
    assert page.count('<tr data-kind="') == audit.PAGE_SIZE and 'rel="next"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    second = client.get("/admin/audit?page=2").data.decode()
    stored = len(_kinds())  # the 56 above, the two users made, two sign-ins and a sign-out
    assert stored == 61 and second.count('<tr data-kind="') == stored - audit.PAGE_SIZE
    mine = client.get(f"/admin/audit?user={sales_user.id}&kind=password_changed").data.decode()
    assert re.findall(r'<tr data-kind="(\w+)"', mine) == ["password_changed"]
    for hostile in ("?page=-1", "?page=99999999999999", "?user=%00", "?kind=%F0%9F%92%A5",
                    "?page=%D9%A3"):
        assert client.get("/admin/audit" + hostile).status_code == 200
