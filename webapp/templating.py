"""Jinja set-up: money/date/editable filters, plugin slots (``run_hook``), error pages."""

from flask import Flask, current_app, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import Undefined, pass_context
from markupsafe import Markup

from . import parsing, permissions
from .audit import present as audit_present
from .errors import DomainError
from .extensions import htmx
from .file_sizes import file_size
from .i18n import formats
from .i18n.date_inputs import date_input
from .locale import current_locale
from .models.forecast import FORECAST_CATEGORY_LABELS
from .money import compact_money, default_currency, money
from .opportunities.inline import edit_title
from .plugins import flatten, registry
from .timeline import present
from .timeline.services import shown_value


def editable(value) -> str:
    """A number as an input holds it, for the user's locale to read back (``1500,50`` in
    Italian); text (what the user typed) passes unchanged."""
    if isinstance(value, str | Undefined) or value is None:
        return value or ""
    return parsing.editable(value, current_locale())


def csrf_token() -> str:
    """Flask-WTF's ``csrf_token()`` for templates, read from ``g`` once made: a page has a
    form per row and the full call looks the configuration up every time."""
    return g.get("csrf_token") or generate_csrf()


def run_hook(name: str, opportunity=None, business_line_id: int | None = None, **kwargs) -> list:
    """Template slot: the joined results of a hook from the plugins enabled in the deal's (or
    the given) business line; without either, from the plugins enabled in any business line."""
    if opportunity is not None:
        kwargs["opportunity"] = opportunity
        business_line_id = opportunity.business_line_id
    caller = registry().hook(name, business_line_id, any_line=business_line_id is None)
    return flatten(caller(**kwargs))


NAV = (
    ("board.board", _l("Board"), None),
    ("opportunities.index", _l("Deals"), None),
    ("activities.index", _l("Activities"), None),
    ("accounts.index", _l("Accounts"), None),
    ("contacts.index", _l("Contacts"), None),
    ("leads.index", _l("Leads"), None),
    ("imports.index", _l("Imports"), None),
    ("reports.index", _l("Reports"), None),
    ("trash.index", _l("Trash"), None),
    ("admin.index", _l("Admin"), ("admin", "manager")),
)


def can_write() -> bool:
    """Whether the signed-in user may change data: pages hide write controls otherwise."""
    return bool(getattr(current_user, "is_authenticated", False)) and permissions.can_write(
        current_user
    )


def nav_items() -> list[tuple[str, str]]:
    """Main navigation: the features this app has that the user may open."""
    views = current_app.view_functions
    role = getattr(current_user, "role", None)
    return [(ep, label) for ep, label, roles in NAV if ep in views and (not roles or role in roles)]


_ID_MARK = 2_147_483_647  # an id no row has, replaced in the built URL


def id_url(endpoint: str, argument: str, **values):
    """``url_for(endpoint, argument=id, **values)`` as a function of the id (or of a name
    that needs no quoting), built once: a list links every row and werkzeug's URL building
    is a large part of rendering it."""
    built = url_for(endpoint, **values, **{argument: _ID_MARK})
    prefix, _, suffix = built.partition(str(_ID_MARK))
    return lambda id_: f"{prefix}{id_}{suffix}"


def activity_type_name(activity_type) -> str:
    """An activity type's name in the reader's language (a default one not renamed)."""
    from .activities.types import shown_name

    return shown_name(activity_type)


def _per_request(func):
    """``func`` as a filter Jinja never runs at compile time. Jinja folds a filter applied to a
    constant (``{{ 0|number }}``) into the compiled template, which is cached for every later
    request: whatever depends on the reader (language, digits, time zone) would stay as the
    first reader had it. A context filter is not folded."""

    @pass_context
    def per_request(_context, *args, **kwargs):
        return func(*args, **kwargs)

    return per_request


# The filters that read the request (the reader's language, time zone or rights).
READER_FILTERS = {
    "money": money,
    "compact_money": compact_money,
    "file_size": file_size,
    "editable": editable,
    "day": formats.day,
    "gregorian": formats.gregorian,
    "moment": formats.moment,
    "ago": formats.ago,
    "number": formats.number,
    "percent": formats.percent,
    "timeline_value": shown_value,
    "field_label": present.field_label,
    "timeline_message": present.message,
    "audit_detail": audit_present.detail,
    "type_name": activity_type_name,
}


def init_templating(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["can_write"] = can_write
    app.jinja_env.globals["id_url"] = id_url
    app.jinja_env.globals["edit_title"] = edit_title
    app.jinja_env.globals["date_input"] = date_input
    app.jinja_env.globals["default_currency"] = default_currency
    app.jinja_env.filters.update({name: _per_request(f) for name, f in READER_FILTERS.items()})
    app.jinja_env.globals["run_hook"] = run_hook
    app.jinja_env.globals["forecast_categories"] = FORECAST_CATEGORY_LABELS
    app.jinja_env.globals["csrf_token"] = csrf_token  # after CSRFProtect set its own

    @app.context_processor
    def plugin_template_vars():
        extra = {}
        if request:
            for result in registry().pm.hook.extra_template_vars(
                template=request.endpoint or "", request=request, user=current_user
            ):
                extra.update(result or {})
        return extra

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        """A user-caused error that reached the view layer uncaught: a clear page, no trace."""
        if htmx:
            return Markup(
                '<div class="alert alert-danger" role="alert">%s</div>'
            ) % exc.message, exc.status
        return render_template("errors.html", message=exc.message, status=exc.status), exc.status

    for status, message in (
        (403, _l("You are not allowed to see this page.")),
        (404, _l("This page does not exist.")),
        (413, _l("The file is too large.")),
        (500, _l("Something went wrong on our side. The error was logged.")),
    ):
        app.register_error_handler(status, _error_page(status, message))


def _error_page(status: int, message: str):
    def handler(exc):
        if htmx:
            return Markup('<div class="alert alert-danger" role="alert">%s</div>') % message, status
        return render_template("errors.html", message=message, status=status), status

    return handler
