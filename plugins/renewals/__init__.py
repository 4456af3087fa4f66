"""Upsell and renewal duplication: duplicate a deal as a renewal, an upsell or a
plain copy, keep a typed link to its origin, show the chain with its lifetime value, and
renew won deals in bulk (``opportuno renewals generate``) or automatically per business line;
the Renewals report (``/reports/renewals``): contracts due, renewal rate, uplift.
"""

from pathlib import Path

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from webapp import permissions
from webapp.hookspecs import hookimpl

from . import models  # noqa: F401  (register the plugin's tables on the metadata)
from .cloners import CORE_CLONERS

# The admin page's name and description of this plugin, in the reader's language.
TITLE = _l("Upsell and renewal duplication")
DESCRIPTION = _l(
    "Duplicate a deal as a renewal, an upsell or a plain copy, keep a typed link to its origin,"
    " show the chain with its lifetime value, and renew won deals in bulk (opportuno renewals "
    "generate) or automatically per business line; the Renewals report (/reports/renewals): "
    "contracts due, renewal rate, uplift."
)

HERE = Path(__file__).resolve().parent


@hookimpl
def register_migrations():
    return [str(HERE / "migrations" / "versions")]


@hookimpl
def register_template_folders():
    return [str(HERE / "templates")]


@hookimpl
def register_translation_folders():
    return [str(HERE / "translations")]


@hookimpl
def register_blueprints(app):
    from .views import bp

    return [bp]


@hookimpl
def register_commands(cli):
    from .cli import renewals

    cli.add_command(renewals)


@hookimpl
def register_opportunity_cloners():
    return list(CORE_CLONERS)


@hookimpl
def opportunity_actions(opportunity, user):
    """ "Duplicate…" for anyone who sees the deal and may write; "Renew…" too once it is won
    (no queries: the board calls this for every card)."""
    if (
        opportunity.deleted_at is not None
        or not permissions.can_write(user)
        or not permissions.can_view(user, opportunity)
    ):
        return []
    url = url_for("renewals.duplicate", opportunity_id=opportunity.id)
    actions = [{"label": _("Duplicate…"), "href": url, "hx_get": url}]
    if opportunity.status == "won":
        renew = url_for("renewals.duplicate", opportunity_id=opportunity.id, kind="renewal")
        actions.insert(0, {"label": _("Renew…"), "href": renew, "hx_get": renew})
    return actions


@hookimpl
def admin_actions(user):
    """The bulk renewals page, for managers of a business line that has the plugin on."""
    from .bulk import enabled_business_lines

    if not enabled_business_lines(user):
        return []
    return [
        {
            "label": _("Renewals"),
            "href": url_for("renewals.index"),
            "description": _("Renew won deals whose term ends in a period; auto-renewal."),
        }
    ]


@hookimpl
def opportunity_panels(opportunity, user):
    """ "Renewals and lineage": the deal's term and its whole chain with the value won."""
    from flask import render_template

    from .lineage import chain_of, is_linked
    from .terms import term_end

    end = term_end(opportunity)
    if end is None and not is_linked(opportunity):  # most deals: a light query, no panel
        return []
    chain = chain_of(user, opportunity)
    if len(chain) < 2 and end is None:
        return []
    html = render_template(
        "renewals/_lineage_panel.html",
        opp=opportunity,
        chain=chain,
        term_end=end,
        can_renew=opportunity.status == "won"
        and permissions.can_write(user)
        and not chain.renewed(opportunity.id),
        manages=permissions.manages(user, opportunity.business_line_id),
    )
    return [{"name": "lineage", "title": _("Renewals and lineage"), "html": Markup(html)}]


@hookimpl
def account_panels(account, user):
    """ "Renewals": the account's deals grouped into chains, and the terms still to renew."""
    from flask import render_template

    from .lineage import account_chains, awaiting_renewal

    chains = account_chains(user, account)
    awaiting = awaiting_renewal(user, account)
    if not chains and not awaiting:
        return []
    html = render_template(
        "renewals/_account_panel.html", account=account, chains=chains, awaiting=awaiting
    )
    return [{"name": "deal-chains", "title": _("Renewals"), "html": Markup(html)}]


@hookimpl
def register_reports():
    """The Renewals report: contracts due, renewal rate, uplift."""
    from .reports import SPEC

    return [SPEC]
