"""Bodies are read in bounded amounts whatever the transfer encoding: a chunked body larger
than the limit gets its answer (4xx) once the limit is passed, and the server stops reading.

Each test streams a large chunked body over a real socket to a real server on 127.0.0.1 and
counts how much it managed to send before the server answered and stopped reading (kernel
buffers on the loopback hold a few MB, far less than the body)."""

import resource
import socket
import threading
import time

import httpx

from plugins.erp_quotes import signatures
from tests.conftest import PASSWORD, serving

BODY = 96 << 20  # what the client would send: 96 MiB
STOPPED_EARLY = 24 << 20  # the server stopped reading well before the end
CHUNK = 256 << 10
SECRET = "whsec-limits"


def stream(port: int, path: str, headers: dict, prefix: bytes = b"") -> tuple[int, int]:
    """POST a chunked body of BODY bytes; (HTTP status of the answer, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=3)
    received = bytearray()

    def read():
        try:
            while data := sock.recv(65536):
                received.extend(data)
        except OSError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sent = 0
    block = b"a" * CHUNK
    try:
        sock.sendall(head.encode())
        if prefix:
            sock.sendall(f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n")
        while sent < BODY and not received:
            sock.sendall(f"{CHUNK:x}\r\n".encode() + block + b"\r\n")
            sent += CHUNK
        if sent >= BODY:
            sock.sendall(b"0\r\n\r\n")
    except OSError:  # the server closed the connection, or stopped reading (timeout)
        pass
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.02)
    sock.close()
    reader.join(timeout=5)
    status_line = bytes(received).split(b"\r\n", 1)[0].decode()
    assert status_line.startswith("HTTP/1."), status_line
    return int(status_line.split()[1]), sent


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _signed_in_cookie(port: int, user) -> str:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return f"session={client.cookies['session']}"


def test_unsigned_webhook_call_is_refused_before_its_body_is_read(make_app):
    app = make_app(ERP_QUOTES_WEBHOOK_SECRET=SECRET)
    rss = _max_rss_mb()
    with serving(app) as server:
        port = server.server_port
        status, sent = stream(port, "/erp-quotes/webhook", {"Content-Type": "application/json"})
    assert status == 401 and sent < STOPPED_EARLY
    assert _max_rss_mb() - rss < BODY / 2 / (1 << 20)


def test_signed_webhook_call_is_read_only_up_to_its_limit(make_app):
    app = make_app(ERP_QUOTES_WEBHOOK_SECRET=SECRET)
    header = signatures.sign(SECRET, b"whatever")  # well formed and current, not matching
    with serving(app) as server:
        port = server.server_port
        status, sent = stream(
            port,
            "/erp-quotes/webhook",
            {"Content-Type": "application/json", signatures.HEADER: header},
        )
    assert status == 413 and sent < STOPPED_EARLY


def test_anonymous_form_post_stops_at_max_content_length(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1 << 20)
    with serving(app) as server:
        port = server.server_port
        status, sent = stream(
            port, "/login", {"Content-Type": "application/x-www-form-urlencoded"}, b"email="
        )
    assert status == 413 and sent < STOPPED_EARLY


MULTIPART = (
    b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\nName,Amount\r\n"
)


def test_document_upload_stops_at_its_limit(make_app, create_opportunity, sales_user, tmp_path):
    opp = create_opportunity()
    app = make_app(MAX_UPLOAD_BYTES=1 << 20, UPLOAD_FOLDER=str(tmp_path / "up"))
    with serving(app) as server:
        port = server.server_port
        cookie = _signed_in_cookie(port, sales_user)
        status, sent = stream(
            port,
            f"/opportunities/{opp.id}/documents",
            {
                "Content-Type": "multipart/form-data; boundary=XyZ",
                "Cookie": cookie,
                "HX-Request": "true",
            },
            MULTIPART,
        )
    assert status == 422 and sent < STOPPED_EARLY
    assert not (tmp_path / "up").exists() or not any((tmp_path / "up").rglob("*.*"))


def test_import_upload_stops_at_its_limit(make_app, sales_user, tmp_path):
    app = make_app(MAX_IMPORT_BYTES=1 << 20, UPLOAD_FOLDER=str(tmp_path / "up"))
    with serving(app) as server:
        port = server.server_port
        cookie = _signed_in_cookie(port, sales_user)
        status, sent = stream(
            port,
            "/imports/new?entity=opportunity",
            {"Content-Type": "multipart/form-data; boundary=XyZ", "Cookie": cookie},
            MULTIPART,
        )
    assert status == 413 and sent < STOPPED_EARLY
