"""Documents: validated uploads (size, extension and sniffed content) stored outside static
under generated names, downloaded as attachments by those who may see the deal."""

import io
import os

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD
from webapp.extensions import db
from webapp.models import Document, TimelineEntry

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _upload(client, opp, name, content, **extra):
    return client.post(
        f"/opportunities/{opp.id}/documents",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        headers=HX,
        **extra,
    )


def _stored(app) -> list[str]:
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_upload_then_download_as_attachment(app, client, auth, create_opportunity, sales_user):
    opp = create_opportunity()
    auth.login(sales_user)
    before = set(_stored(app))
    response = _upload(client, opp, "../../Offer 2027 «final».pdf", PDF)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "dealChanged"
    doc = db.session.scalars(select(Document)).one()
    assert doc.filename == "Offer 2027 «final».pdf"  # no path, name kept for the user
    assert doc.size == len(PDF) and doc.content_type == "application/pdf"
    new_files = set(_stored(app)) - before
    assert new_files == {doc.stored_name} and len(doc.stored_name) == 32
    assert "static" not in app.config["UPLOAD_FOLDER"]
    assert "Offer 2027 «final».pdf" in response.text
    assert f"{len(PDF)} bytes ·" in response.text and "0.0 KB" not in response.text

    download = client.get(f"/opportunities/{opp.id}/documents/{doc.id}")
    assert download.status_code == 200 and download.data == PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''Offer" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    assert (
        db.session.scalars(
            select(TimelineEntry.message).where(TimelineEntry.action == "document")
        ).one()
        == "Uploaded Offer 2027 «final».pdf"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "not allowed"),
        ("page.html", b"<script>alert(1)</script>", "not allowed"),
        ("noextension", PDF, "not allowed"),
        ("fake.pdf", b"MZ\x90\x00 this is a program", "not a .pdf file"),
        ("image.png", PDF, "not a .png file"),
        ("notes.txt", b"binary\x00junk", "not a .txt file"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_disallowed_or_disguised_files_are_refused(
    app, client, auth, create_opportunity, sales_user, name, content, message
):
    opp = create_opportunity()
    auth.login(sales_user)
    before = _stored(app)
    response = _upload(client, opp, name, content)
    assert response.status_code == 422 and message in response.text
    assert 'data-panel="documents"' in response.text
    assert db.session.scalars(select(Document)).all() == []
    assert _stored(app) == before


def test_missing_file_is_refused(client, auth, create_opportunity, sales_user):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(f"/opportunities/{opp.id}/documents", data={}, headers=HX)
    assert response.status_code == 422 and "Choose a file" in response.text


def test_oversized_upload_is_refused(make_app, create_opportunity, sales_user, tmp_path):
    opp = create_opportunity()
    small = make_app(MAX_UPLOAD_BYTES=1024, UPLOAD_FOLDER=str(tmp_path / "up"))
    client = small.test_client()
    client.post("/login", data={"email": sales_user.email, "password": PASSWORD})
    too_big = PDF + b"0" * 2000
    response = _upload(client, opp, "big.pdf", too_big)
    assert response.status_code == 422 and "too large" in response.text
    assert not (tmp_path / "up").exists() or os.listdir(tmp_path / "up") == []
    assert _upload(client, opp, "ok.pdf", PDF).status_code == 200


def test_default_limit_is_ten_megabytes(app):
    assert app.config["MAX_UPLOAD_BYTES"] == 10 * 1024 * 1024


def test_permissions_on_upload_and_download(
    app, client, auth, create_opportunity, sales_user, create_user
):
    opp = create_opportunity()
    auth.login(sales_user)
    _upload(client, opp, "a.png", PNG)
    doc = db.session.scalars(select(Document)).one()
    auth.logout()
    colleague = create_user(email="c@example.com", name="Colleague", role="sales")
    auth.login(colleague)  # same business line: may download, may not upload
    allowed = client.get(f"/opportunities/{opp.id}/documents/{doc.id}")
    assert allowed.status_code == 200
    allowed.close()
    assert _upload(client, opp, "b.png", PNG).status_code == 403
    auth.logout()
    stranger = factories.user(
        email="s@example.com", name="S", business_lines=[factories.business_line("Other")]
    )
    auth.login(stranger)
    assert client.get(f"/opportunities/{opp.id}/documents/{doc.id}").status_code == 403
    other_deal = create_opportunity(name="Other deal")
    auth.logout()
    auth.login(sales_user)
    assert client.get(f"/opportunities/{other_deal.id}/documents/{doc.id}").status_code == 404
