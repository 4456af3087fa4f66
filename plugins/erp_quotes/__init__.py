"""ERP quotes: quotes made in the company's ERP from a deal's product lines.

The Quotes panel creates a quote in the ERP (ERPNext or Odoo out of the box; other ERPs through
``register_quote_providers``), lists every version with its status and total, and refreshes
them; the ERP pushes status changes to the signed webhook ``POST /erp-quotes/webhook``. When a
quote is accepted the deal's amount takes its total (``opportunity_amount``) and the panel
offers to close the deal won; a later change to an accepted quote shows as drift. The accepted
totals feed the estimate accuracy report (``report_accepted_amounts``).
Settings: see ``settings.py``.
"""

from pathlib import Path

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.hookspecs import hookimpl

from . import models  # noqa: F401  (the plugin's tables join the metadata)

# The admin page's name and description of this plugin, in the reader's language.
TITLE = _l("ERP quotes")
DESCRIPTION = _l("Quotes made in the company's ERP from a deal's product lines.")

HERE = Path(__file__).resolve().parent


@hookimpl
def register_blueprints(app):
    from .views import bp

    return [bp]


@hookimpl
def register_commands(cli):
    from .cli import erp_quotes

    cli.add_command(erp_quotes)


@hookimpl
def register_migrations():
    return [HERE / "migrations" / "versions"]


@hookimpl
def register_template_folders():
    return [HERE / "templates"]


@hookimpl
def register_translation_folders():
    return [HERE / "translations"]


@hookimpl
def admin_actions(user):
    if user.role != "admin":
        return []
    return [
        {
            "label": _("ERP connection"),
            "href": url_for("erp_quotes.connection"),
            "description": _("Whether the ERP of each business line is set up, and a test call."),
        }
    ]


@hookimpl
def register_quote_providers():
    from .providers.erpnext import ERPNextProvider
    from .providers.odoo import OdooProvider

    return [ERPNextProvider, OdooProvider]


@hookimpl
def opportunity_panels(opportunity, user):
    from .views import render_panel

    return [{"name": "quotes", "title": _("Quotes"), "html": render_panel(opportunity, user)}]


@hookimpl
def opportunity_amount(opportunity):
    """The accepted quote's total as accepted (a later ERP change waits for the user)."""
    from .services import accepted_quote

    quote = accepted_quote(opportunity)
    return quote.accepted_total if quote is not None else None


@hookimpl
def report_accepted_amounts():
    """Each deal's accepted quote total, for the estimate accuracy report."""
    from .services import accepted_amounts

    return accepted_amounts()


@hookimpl
def demo_seeded(seed):
    """Accepted quotes for some of the demo's won deals (the estimate accuracy report)."""
    from .demo import seed_quotes

    seed_quotes(seed)
