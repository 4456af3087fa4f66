from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..errors import ConflictError, ValidationError
from ..inputs import id_param, search_text
from ..listing.views import record_list_page
from ..models import Account
from . import listing, matching, services
from .concurrency import token
from .forms import AccountForm, conflicts, set_owner_choices
from .merge import ACCOUNT_FIELDS, can_merge, merge_accounts, merged_accounts, survivor_of
from .merge_views import MergeKind, merge_page

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
bp.add_app_template_global(matching.matches, "account_matches")
bp.add_app_template_global(lambda: can_merge(current_user), "may_merge")
ACCOUNTS = MergeKind(
    "account",
    ACCOUNT_FIELDS,
    services.get_account,
    services.merge_candidates,
    merge_accounts,
    "accounts.merge",
    "accounts.detail",
    "account_id",
)


def page_number() -> int:
    return id_param(request.args, "page") or 1


def add_errors(form, errors: dict) -> None:
    """Service errors shown under their field (or at the top of the form)."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is None or field.type == "HiddenField":
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


def submit_edit(form, row, update) -> tuple[int, dict | None]:
    """Save a validated edit form of a row guarded by its ``updated_at`` token through
    ``update(data, token)`` (the service). Returns (status, conflict): 200 once saved; 409 with
    the fields changed meanwhile, the typed input kept and the token renewed (saving again
    overwrites on purpose); 422 with the errors under their fields."""
    try:
        update(request.form.to_dict(), request.form.get("updated_at"))
    except ConflictError as exc:
        form.updated_at.data = token(row)
        return 409, {"message": exc.message, "rows": conflicts(form, row)}
    except ValidationError as exc:
        add_errors(form, exc.errors)
        return 422, None
    return 200, None


@bp.get("")
def index():
    """The accounts list; ``?view=<id>`` alone opens a saved view, no parameters the
    default one."""
    return record_list_page(listing.ACCOUNTS, lambda result: {"choices": listing.filter_choices()})


@bp.get("/search")
def search():
    """Search-as-you-type results for the account picker (an htmx fragment)."""
    query = search_text(request.args.get("account_name") or request.args.get("q"))
    accounts = services.search_accounts(current_user, query)
    if len(accounts) < services.SUGGESTIONS:  # "Fiume Foods srl" also suggests "Fiume Foods"
        accounts += [a for a in matching.near_matches(query) if a not in accounts]
    return render_template("accounts/_search_results.html", accounts=accounts, query=query)


@bp.route("/new", methods=["GET", "POST"])
def new():
    permissions.require_write(current_user)
    form = AccountForm(formdata=request.form or None, data=request.args.to_dict())
    set_owner_choices(form, services.owner_choices())
    if not request.form:
        form.owner_id.data = str(current_user.id)
    status = 200
    if form.validate_on_submit():
        try:
            account = services.create_account(current_user, request.form.to_dict())
        except ValidationError as exc:
            add_errors(form, exc.errors)
            status = 422
        else:
            flash(_("Account “%(name)s” created.", name=account.name), "success")
            return redirect(url_for("accounts.detail", account_id=account.id))
    return render_template("accounts/form.html", form=form, account=None), status


@bp.get("/<int:account_id>")
def detail(account_id: int):
    survivor = survivor_of(Account, account_id)
    if survivor is not None and survivor.id != account_id:  # merged: its survivor's page
        flash(_("This account was merged into the one shown here."), "info")
        return redirect(url_for("accounts.detail", account_id=survivor.id))
    account = services.get_account(current_user, account_id)
    return render_template(
        "accounts/detail.html",
        account=account,
        groups=services.account_deals(current_user, account),
        contacts=services.account_contacts(account),
        can_edit=services.can_edit_account(current_user, account),
        can_merge=can_merge(current_user),
        merged=merged_accounts(account),
    )


@bp.route("/<int:account_id>/merge", methods=["GET", "POST"])
def merge(account_id: int):
    """Merge with another account: pick it, compare side by side, confirm."""
    return merge_page(ACCOUNTS, account_id)


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
def edit(account_id: int):
    account = services.get_account(current_user, account_id)
    services.require_edit_account(current_user, account)
    form = AccountForm(formdata=request.form or None, obj=account)
    set_owner_choices(form, services.owner_choices())
    if not request.form:
        form.owner_id.data = str(account.owner_id or "")
        form.updated_at.data = token(account)
    status, conflict = 200, None
    if form.validate_on_submit():
        save = partial(services.update_account, current_user, account)
        status, conflict = submit_edit(form, account, save)
        if status == 200:
            flash(_("Account saved."), "success")
            return redirect(url_for("accounts.detail", account_id=account.id))
    return render_template(
        "accounts/form.html", form=form, account=account, conflict=conflict
    ), status
