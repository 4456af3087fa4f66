from flask import Blueprint, render_template, request
from flask_login import current_user

from . import services

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("/search")
def search():
    """Search-as-you-type results for the account picker (an htmx fragment)."""
    query = request.args.get("account_name") or request.args.get("q", "")
    accounts = services.search_accounts(current_user, query)
    return render_template("accounts/_search_results.html", accounts=accounts, query=query)
