"""Flask-Login wired to the server-side sessions: the user comes from the session cookie's
live row, else from a remember-me cookie (rotated on use); signing a browser in or out sets
both cookies."""

from flask import Flask, current_app, g, request, session
from flask_login import login_user, logout_user

from ..extensions import login_manager
from ..i18n import SESSION_KEY as LANGUAGE_KEY
from . import sessions

_SET_REMEMBER = "remember_cookie"  # g: the value to set, or "" to delete
KEPT = (LANGUAGE_KEY,)  # the language picked on the sign-in page outlives signing in and out


def init_signin(app: Flask) -> None:
    login_manager.user_loader(sessions.load)

    @login_manager.request_loader
    def from_remember_cookie(request):
        cookie = request.cookies.get(sessions.REMEMBER_COOKIE)
        if not cookie:
            return None
        found = sessions.load_remembered(cookie)
        if found is None:
            g.setdefault(_SET_REMEMBER, "")  # unknown, expired or ended: drop it
            return None
        user, session_id, new_cookie = found
        session["_user_id"], session["_fresh"] = session_id, False
        g.setdefault(_SET_REMEMBER, new_cookie)
        return user

    @app.after_request
    def write_remember_cookie(response):
        value = g.pop(_SET_REMEMBER, None)
        if value is None or (not value and sessions.REMEMBER_COOKIE not in request.cookies):
            return response
        config = current_app.config
        if value:
            response.set_cookie(
                sessions.REMEMBER_COOKIE,
                value,
                max_age=int(config["REMEMBER_COOKIE_DURATION"].total_seconds()),
                secure=config.get("REMEMBER_COOKIE_SECURE", False),
                httponly=True,
                samesite=config.get("REMEMBER_COOKIE_SAMESITE", "Lax"),
            )
        else:
            response.delete_cookie(
                sessions.REMEMBER_COOKIE,
                secure=config.get("REMEMBER_COOKIE_SECURE", False),
                httponly=True,
                samesite=config.get("REMEMBER_COOKIE_SAMESITE", "Lax"),
            )
        return response


def begin(started: sessions.Started) -> None:
    """Sign this browser in to a new session: a fresh Flask session (so a new CSRF token),
    the session cookie naming the new row, and the remember-me cookie when asked."""
    _new_flask_session()
    # The signed-in user itself, not the ``current_user`` proxy a service was given: the
    # proxy would then stand for itself (the language lookup after this recursed).
    user = getattr(started.user, "_get_current_object", lambda: started.user)()
    user.session_id, user.session_record_id = started.session_id, started.record.id
    login_user(user)
    g.pop(_SET_REMEMBER, None)
    g.setdefault(_SET_REMEMBER, started.remember or "")


def finish() -> None:
    """Sign this browser out: Flask-Login's state, the Flask session and the remember-me
    cookie go."""
    logout_user()
    _new_flask_session()
    g.pop(_SET_REMEMBER, None)
    g.setdefault(_SET_REMEMBER, "")


def _new_flask_session() -> None:
    """Empty the Flask session but for the language, and forget the CSRF token Flask-WTF
    cached for this request (the next form gets a new one)."""
    kept = {key: session[key] for key in KEPT if key in session}
    session.clear()
    session.update(kept)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
