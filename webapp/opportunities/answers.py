"""How the opportunity page is answered after a change: the fragment asked for, the header
swapped out of band (new values and version at once, no second request) and the
``dealChanged`` event that the other panels refresh on."""

import json

from flask import current_app, make_response, render_template
from flask_login import current_user

from ..activities.types import all_types, shown_name
from . import documents, inline, page, relations

CHANGED = "dealChanged"  # HX-Trigger event: the header and the timeline refresh themselves


def header_context(opp) -> dict:
    """What the header needs beside the deal."""
    return {
        "can_edit": page.can_edit(current_user, opp),
        # The account page (contract: GET /accounts/<id>) once that feature is present.
        "account_url": f"/accounts/{opp.account_id}"
        if opp.account_id and "accounts.detail" in current_app.view_functions
        else None,
    }


def panel_context(opp, lists: page.PageLists | None = None) -> dict:
    """What the header and the panels need beside the deal (the pickers' choices only for
    someone who may edit it: only their add forms show them), from the page's ``lists`` when
    given (``page.load_page``)."""
    context = header_context(opp)
    can_edit = context["can_edit"]
    if lists is not None:
        products, candidates = lists.products, lists.candidates
        activity_types = lists.activity_types
    else:
        products = page.products() if can_edit else []
        candidates = page.candidate_contacts(opp) if can_edit else []
        activity_types = all_types()
    return {
        **context,
        "products": products,
        "candidates": candidates,
        "max_upload": current_app.config["MAX_UPLOAD_BYTES"],
        "allowed_types": sorted(documents.ALLOWED),
        "role_names": relations.role_names(),
        "missing_roles": relations.missing_key_roles(opp),
        "fields": inline.FIELDS,
        "field_display": inline.display,
        # The activity types: offered (active) and named (all).
        "activity_types": activity_types,
        "type_names": {t.key: shown_name(t) for t in activity_types},
    }


def changed(html: str, opp, status: int = 200, notice: str | None = None, **triggers):
    """``html`` plus the header and the Products panel's amount rule out of band (showing
    ``notice`` under the stage bar), with dealChanged and any other ``triggers``."""
    header = render_template(
        "opportunities/_header.html", opp=opp, oob=True, notice=notice, **header_context(opp)
    )
    if 'id="amount-rule"' not in html:  # a Products panel answer carries its own
        header += render_template("opportunities/_amount_rule.html", opp=opp, oob=True)
    response = make_response(html + header, status)
    events = json.dumps({CHANGED: True, **triggers}) if triggers else CHANGED
    response.headers["HX-Trigger"] = events
    return response
