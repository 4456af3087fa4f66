"""Configuration defaults; deployment values come from the environment."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else generated once and kept in instance/secret_key."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load(instance_path: Path) -> dict:
    """The settings that create_app applies before any test_config."""
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'opportuno.db'}"
    upload_bytes = int(os.environ.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    import_bytes = int(os.environ.get("MAX_IMPORT_BYTES", 25 * 1024 * 1024))
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        "MAX_UPLOAD_BYTES": upload_bytes,
        # Import files: larger ones are refused before being stored (100k deals ~ 10 MB).
        "MAX_IMPORT_BYTES": import_bytes,
        # Any request body, chunked ones too: larger ones get 413 before being read whole.
        "MAX_CONTENT_LENGTH": int(
            os.environ.get("MAX_CONTENT_LENGTH", max(upload_bytes, import_bytes) + (1 << 20))
        ),
        # HTTPS: Secure cookies and HSTS (webapp.security_headers) when either is set.
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "SECURE_COOKIES": os.environ.get("SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(os.environ.get("REMEMBER_DAYS", 14))),
        # Login throttling (webapp.auth.throttle) and the password policy.
        # redis://host:port/db keeps the throttles in Redis instead of the database.
        "LOGIN_THROTTLE_URL": os.environ.get("LOGIN_THROTTLE_URL", ""),
        "LOGIN_FREE_FAILURES": int(os.environ.get("LOGIN_FREE_FAILURES", 5)),
        "LOGIN_ADDRESS_FREE_FAILURES": int(os.environ.get("LOGIN_ADDRESS_FREE_FAILURES", 20)),
        "LOGIN_FAILURE_WINDOW": int(os.environ.get("LOGIN_FAILURE_WINDOW", 3600)),
        "LOGIN_FIRST_DELAY": int(os.environ.get("LOGIN_FIRST_DELAY", 1)),
        "LOGIN_MAX_DELAY": int(os.environ.get("LOGIN_MAX_DELAY", 900)),
        "PASSWORD_MIN_LENGTH": int(os.environ.get("PASSWORD_MIN_LENGTH", 8)),
        # Any method werkzeug.security knows, e.g. "pbkdf2:sha256:600000" where FIPS asks.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        # How long an invitation or password-reset link works (webapp.users.links).
        "ACCESS_LINK_HOURS": float(os.environ.get("ACCESS_LINK_HOURS", 72)),
        # A running import silent for this long shows as interrupted (run again / discard).
        "IMPORT_STALE_AFTER": int(os.environ.get("IMPORT_STALE_AFTER", 900)),
        # Uploaded import files not run (or left failed) are deleted after this many hours.
        "IMPORT_KEEP_UPLOADS_HOURS": float(os.environ.get("IMPORT_KEEP_UPLOADS_HOURS", 24)),
        "DEFAULT_CURRENCY": os.environ.get("DEFAULT_CURRENCY", "EUR"),
        # Background jobs (webapp.jobs): sqlite:///<file> (default: instance/tasks.db),
        # redis://host:port/db for several app servers, or "immediate".
        "TASK_QUEUE_URL": os.environ.get("TASK_QUEUE_URL", ""),
        "TASK_QUEUE_NAME": os.environ.get("TASK_QUEUE_NAME", "opportuno"),
    }
