"""Fixtures: a migrated database (SQLite, or TEST_DATABASE_URL), emptied before each test.

The schema is built once per session by running the real migrations; each test then starts
from empty tables, so every test sees a fresh database.
"""

import os
import threading
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, event, text
from werkzeug.serving import make_server

from webapp import create_app
from webapp.extensions import db
from webapp.i18n.catalogs import compile_stale
from webapp.schema import upgrade_database

from . import factories


def pytest_configure(config):
    """Compile the translation catalogues the way `make` does, for a bare `pytest` run."""
    compile_stale()


PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def test_config(database_url, tmp_path_factory) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        # scrypt costs ~0.15 s of CPU per hash and check, minutes over the suite; the default
        # is guarded by tests/test_auth.py::test_passwords_are_stored_with_scrypt_by_default.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        # Jobs run at once in the test's process; tests of the worker choose a real queue.
        "TASK_QUEUE_URL": "immediate",
    }


@pytest.fixture(scope="session")
def _migrated(test_config):
    app = create_app(test_config)
    with app.app_context():
        upgrade_database()
        db.engine.dispose()
    return True


def _empty_tables() -> None:
    """Empty the tables that hold rows (one query finds them) and start ids again at 1.

    Truncating all 50 tables took PostgreSQL up to a second per test (new files for each
    table and index); a test writes to a few."""
    tables = db.metadata.sorted_tables
    probe = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
    )
    used = set(db.session.execute(text(probe)).scalars())
    if db.engine.dialect.name == "postgresql":
        if used:
            # No triggers or foreign-key checks while emptying (the test role is a superuser):
            # the order of the deletes does not matter then.
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
            db.session.execute(text("; ".join(f'DELETE FROM "{name}"' for name in used)))
        # Rows added and deleted by a test still moved their table's id sequence.
        db.session.execute(
            text(
                "SELECT setval(s.oid, 1, false) FROM pg_class s"
                " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
                " JOIN pg_class t ON t.oid = d.refobjid"
                " WHERE s.relkind = 'S' AND t.relname = ANY(:names)"
            ),
            {"names": [t.name for t in tables]},
        )
    else:
        for table in reversed(tables):
            if table.name in used:
                db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_migrated, test_config):
    app = create_app(dict(test_config))
    with app.app_context():
        _empty_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(_migrated, test_config):
    """make_app(**config): another app on the test database (engines disposed afterwards)."""
    made = []

    def make(**overrides):
        other = create_app({**test_config, **overrides})
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        response = self._client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, "login failed"
        return response

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


# --- factories ------------------------------------------------------------------------------


@pytest.fixture
def business_line(app):
    return factories.business_line("Software")


@pytest.fixture
def pipeline(business_line):
    return factories.pipeline(business_line)


@pytest.fixture
def create_user(app, business_line):
    def make(**overrides):
        overrides.setdefault("business_lines", [business_line])
        return factories.user(**overrides)

    return make


@pytest.fixture
def sales_user(create_user):
    return create_user(email="sales@example.com", name="Sam Sales", role="sales")


@pytest.fixture
def manager(create_user):
    return create_user(email="manager@example.com", name="Mia Manager", role="manager")


@pytest.fixture
def admin(create_user):
    return create_user(email="admin@example.com", name="Ada Admin", role="admin")


@pytest.fixture
def create_account(app):
    return factories.account


@pytest.fixture
def lost_reason(app):
    return factories.lost_reason("Price too high")


@pytest.fixture
def create_opportunity(pipeline, sales_user):
    """create_opportunity(**overrides): a deal through the real service (owner: sales_user)."""

    def make(**overrides):
        user = overrides.pop("user", None) or overrides.get("owner") or sales_user
        owner = overrides.pop("owner", None)
        data = {
            "name": "Acme support",
            "amount": "1000",
            "stage_id": pipeline.stages[0].id,
            "close_date": date.today().isoformat(),
        }
        if owner is not None:
            data["owner_id"] = owner.id
        data.update(overrides)
        return factories.opportunity(user, data)

    return make


# --- instruments ----------------------------------------------------------------------------


@contextmanager
def _query_counter():
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...``; ``len(q)`` is the number of SQL statements run."""
    return _query_counter


@pytest.fixture
def live_server(app):
    """The app served by a real HTTP server on 127.0.0.1 and a free port, in a thread."""
    with serving(app) as server:
        yield server


@contextmanager
def serving(app):
    """``app`` on a real HTTP server (127.0.0.1, a free port, ``.url``) in a thread, stopped
    on leaving (within 50 ms: serve_forever polls at that interval)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
