"""Login required everywhere except views marked ``@public`` (login, healthz, webhooks)."""

from flask import Flask, current_app, request
from flask_login import current_user

from ..extensions import login_manager


def public(view):
    """Mark a view as reachable without a login session."""
    view.is_public = True
    return view


def init_guard(app: Flask) -> None:
    @app.before_request
    def require_login():
        if request.endpoint is None or request.endpoint == "static":
            return None
        if request.endpoint.endswith(".static"):  # plugin blueprints' static files
            return None
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "is_public", False) or current_user.is_authenticated:
            return None
        return login_manager.unauthorized()
