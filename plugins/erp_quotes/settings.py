"""Where the plugin finds its ERP: the app config or environment, else the Setting table.

Names (environment variable / app config key; Setting key in brackets):
``ERP_QUOTES_PROVIDER`` [erp_quotes.provider] ("erpnext" by default),
``ERP_QUOTES_BASE_URL`` [erp_quotes.base_url], ``ERP_QUOTES_API_KEY`` [erp_quotes.api_key],
``ERP_QUOTES_API_SECRET`` [erp_quotes.api_secret], ``ERP_QUOTES_DATABASE`` [erp_quotes.database]
(Odoo's database name), ``ERP_QUOTES_TIMEOUT`` [erp_quotes.timeout]
(seconds, 10 by default), ``ERP_QUOTES_WEBHOOK_SECRET`` [erp_quotes.webhook_secret].
A Setting may be per business line or global (business line NULL). Secrets stay out of the
repository and are never rendered in a page.
"""

import os
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Setting

DEFAULT_PROVIDER = "erpnext"
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class ErpSettings:
    provider: str
    base_url: str
    api_key: str
    api_secret: str
    timeout: float
    database: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.base_url)

    def __repr__(self) -> str:  # never print the credentials
        return f"ErpSettings(provider={self.provider!r}, base_url={self.base_url!r})"


def _stored(business_line_id: int | None) -> dict[str, object]:
    """The plugin's Setting rows, the business line's own ones over the global ones."""
    rows = db.session.execute(
        select(Setting.key, Setting.business_line_id, Setting.value)
        .where(
            Setting.key.startswith("erp_quotes."),
            (Setting.business_line_id == business_line_id) | Setting.business_line_id.is_(None),
        )
        .order_by(Setting.business_line_id.is_not(None))
    ).all()
    return {key.removeprefix("erp_quotes."): value for key, _, value in rows if value != ""}


def _value(name: str, stored: dict[str, object]) -> str | None:
    env_name = f"ERP_QUOTES_{name.upper()}"
    value = current_app.config.get(env_name) or os.environ.get(env_name) or stored.get(name)
    return None if value in (None, "") else str(value)


def erp_settings(business_line_id: int | None) -> ErpSettings:
    """The ERP connection for a business line."""
    stored = _stored(business_line_id)
    timeout = _value("timeout", stored)
    try:
        seconds = float(timeout) if timeout else DEFAULT_TIMEOUT
    except ValueError:
        seconds = DEFAULT_TIMEOUT
    return ErpSettings(
        provider=_value("provider", stored) or DEFAULT_PROVIDER,
        base_url=(_value("base_url", stored) or "").rstrip("/"),
        api_key=_value("api_key", stored) or "",
        api_secret=_value("api_secret", stored) or "",
        timeout=seconds,
        database=_value("database", stored) or "",
    )


def webhook_secret() -> str | None:
    """The secret shared with the ERP for signing webhook calls (global only)."""
    return _value("webhook_secret", _stored(None))
