"""The merge page of accounts and contacts: pick the other record, compare, confirm.

GET ``/<id>/merge`` lists likely duplicates (and search results for ``q``) to compare with;
GET ``/<id>/merge?other=<id>`` shows both side by side: which record survives, and per field
whose value it keeps; POST carries that out through the merge service (one transaction).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ValidationError
from ..inputs import id_param, search_text
from .merge import can_merge, comparison


@dataclass
class MergeKind:
    """What differs between merging accounts and merging contacts."""

    kind: str  # "account" or "contact"
    fields: dict
    get: Callable  # (user, id) -> live record or NotFound
    candidates: Callable  # (user, record, query) -> records to compare with
    merge: Callable  # (user, survivor, merged, take) -> MergeCounts
    endpoint: str  # the merge page's endpoint
    detail: str  # the record page's endpoint
    id_arg: str  # "account_id" or "contact_id"


def _other(spec: MergeKind, record):
    other_id = id_param(request.values, "other")
    if not other_id or other_id == record.id:
        return None
    return spec.get(current_user, other_id)


def _defaults(spec: MergeKind, record, other) -> dict:
    """Per field, whose value is preselected: this record's, unless only the other has one."""
    return {
        field: other.id if not mine and theirs else record.id
        for field, _label, mine, theirs in comparison(record, other, spec.fields)
    }


def merge_page(spec: MergeKind, record_id: int):
    record = spec.get(current_user, record_id)
    allowed = can_merge(current_user)  # the page says so; the service enforces it
    other = _other(spec, record)
    status, errors, counts = 200, {}, None
    if request.method == "POST" and other is not None:
        survivor_id = id_param(request.form, "survivor")
        survivor, merged = (other, record) if survivor_id == other.id else (record, other)
        take = [f for f in spec.fields if id_param(request.form, f"keep_{f}") == merged.id]
        try:
            counts = spec.merge(current_user, survivor, merged, take)
        except ValidationError as exc:
            status, errors = 422, exc.errors
        else:
            flash(_done_message(spec, counts), "success")
            return redirect(url_for(spec.detail, **{spec.id_arg: survivor.id}))
    query = search_text(request.args.get("q"))
    context = {
        "spec": spec,
        "record": record,
        "other": other,
        "allowed": allowed,
        "query": query,
        "errors": errors,
        "candidates": spec.candidates(current_user, record, query) if allowed and not other else [],
        "rows": comparison(record, other, spec.fields) if other else [],
        "chosen": _chosen(spec, record, other) if other else {},
    }
    return render_template("accounts/merge.html", **context), status


def _chosen(spec: MergeKind, record, other) -> dict:
    """The selected survivor and per-field sources: the submitted ones, else the defaults."""
    chosen = {"survivor": id_param(request.form, "survivor") or record.id}
    defaults = _defaults(spec, record, other)
    for field in spec.fields:
        chosen[field] = id_param(request.form, f"keep_{field}") or defaults[field]
    return chosen


def _done_message(spec: MergeKind, counts) -> str:
    if spec.kind == "account":
        return _(
            "Accounts merged: deals moved: %(deals)s; partner or competitor links: %(links)s; "
            "contacts: %(contacts)s; leads: %(leads)s.",
            deals=counts.deals,
            links=counts.links,
            contacts=counts.contacts,
            leads=counts.leads,
        )
    return _(
        "Contacts merged: deals moved as primary contact: %(deals)s; deal roles: %(links)s; "
        "activities: %(activities)s; leads: %(leads)s.",
        deals=counts.deals,
        links=counts.links,
        activities=counts.activities,
        leads=counts.leads,
    )
