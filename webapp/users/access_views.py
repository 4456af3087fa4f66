"""The page a one-time link opens (no sign-in needed): the invited person chooses their name
and password, or a user their new password after an admin's reset; then they are signed in."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import signin
from ..auth.guard import public
from ..auth.passwords import min_length
from ..auth.views import client
from ..errors import ValidationError
from . import links

bp = Blueprint("access", __name__, url_prefix="/access")


@bp.route("/<token>", methods=["GET", "POST"])
@public
def follow(token: str):
    if current_user.is_authenticated:
        return render_template("users/access.html", signed_in=True)
    try:
        link = links.find(token)
    except links.LinkRefused as exc:
        return render_template("users/access.html", refused=exc.message), exc.status
    shown = {"purpose": link.purpose, "email": link.user.email, "name": link.user.name}
    errors = {}
    if request.method == "POST":
        try:
            started = links.accept(
                token,
                name=request.form.get("name"),
                password=request.form.get("password", ""),
                confirm=request.form.get("confirm_password", ""),
                client=client(),
            )
        except links.LinkRefused as exc:  # used or withdrawn meanwhile
            return render_template("users/access.html", refused=exc.message), exc.status
        except ValidationError as exc:
            errors = exc.errors
        else:
            signin.begin(started)
            flash(_("Welcome, %(name)s: you are signed in.", name=started.user.name), "success")
            return redirect(url_for("main.index"))
    return render_template(
        "users/access.html",
        link=shown,
        errors=errors,
        form=request.form,
        min_length=min_length(),
    ), 422 if errors else 200
