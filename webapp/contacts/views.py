from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..accounts.concurrency import token
from ..accounts.forms import set_owner_choices
from ..accounts.merge import can_merge, survivor_of
from ..accounts.merge_views import MergeKind, merge_page
from ..accounts.services import owner_choices
from ..accounts.views import add_errors, submit_edit
from ..board.services import account_label
from ..errors import ValidationError
from ..extensions import db
from ..inputs import id_param
from ..listing.views import record_list_page
from ..models import Account, Contact
from ..opportunities.relations import ROLE_LABELS
from . import listing, services
from .forms import ContactForm
from .merge import CONTACT_FIELDS, merge_contacts, merged_contacts

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
CONTACTS = MergeKind(
    "contact",
    CONTACT_FIELDS,
    services.get_contact,
    services.merge_candidates,
    merge_contacts,
    "contacts.merge",
    "contacts.detail",
    "contact_id",
)


@bp.get("")
def index():
    """The contacts list; ``?view=<id>`` alone opens a saved view, no parameters the
    default one."""
    return record_list_page(
        listing.CONTACTS,
        lambda result: {"account_label": account_label(result.filters["account_id"])},
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    permissions.require_write(current_user)
    form = ContactForm(formdata=request.form or None)
    set_owner_choices(form, owner_choices())
    if not request.form:
        form.owner_id.data = str(current_user.id)
        account = db.session.get(Account, id_param(request.args, "account_id") or 0)
        if account is not None and account.deleted_at is None:
            form.account_id.data, form.account_name.data = str(account.id), account.name
    status, duplicates = 200, []
    if form.validate_on_submit():
        try:
            contact = services.create_contact(current_user, request.form.to_dict())
        except ValidationError as exc:
            add_errors(form, exc.errors)
            status = 422
            if "last_name" in exc.errors:
                duplicates = services.likely_duplicates(request.form.to_dict())
        else:
            flash(_("Contact “%(name)s” created.", name=contact.full_name), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id))
    return render_template(
        "contacts/form.html", form=form, contact=None, duplicates=duplicates
    ), status


@bp.get("/<int:contact_id>")
def detail(contact_id: int):
    survivor = survivor_of(Contact, contact_id)
    if survivor is not None and survivor.id != contact_id:  # merged: its survivor's page
        flash(_("This contact was merged into the one shown here."), "info")
        return redirect(url_for("contacts.detail", contact_id=survivor.id))
    contact = services.get_contact(current_user, contact_id)
    return render_template(
        "contacts/detail.html",
        contact=contact,
        deals=services.contact_deals(current_user, contact),
        can_edit=services.can_edit_contact(current_user, contact),
        can_merge=can_merge(current_user),
        merged=merged_contacts(contact),
        role_labels=ROLE_LABELS,
    )


@bp.route("/<int:contact_id>/merge", methods=["GET", "POST"])
def merge(contact_id: int):
    """Merge with another contact: pick it, compare side by side, confirm."""
    return merge_page(CONTACTS, contact_id)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
def edit(contact_id: int):
    contact = services.get_contact(current_user, contact_id)
    services.require_edit_contact(current_user, contact)
    form = ContactForm(formdata=request.form or None, obj=contact)
    set_owner_choices(form, owner_choices())
    if not request.form:
        form.owner_id.data = str(contact.owner_id or "")
        form.account_id.data = str(contact.account_id or "")
        form.account_name.data = contact.account.name if contact.account else ""
        form.updated_at.data = token(contact)
    status, conflict = 200, None
    if form.validate_on_submit():
        save = partial(services.update_contact, current_user, contact)
        status, conflict = submit_edit(form, contact, save)
        if status == 200:
            flash(_("Contact saved."), "success")
            return redirect(url_for("contacts.detail", contact_id=contact.id))
    return render_template(
        "contacts/form.html", form=form, contact=contact, conflict=conflict
    ), status
