"""The interface language: Flask-Babel set up, the user's choice, the text direction.

The language is the signed-in user's choice (``User.locale``), else the one picked on the
sign-in page (kept in the session), else the best match of ``Accept-Language``. Catalogues
live in ``webapp/translations`` and in the folders plugins return from the
``register_translation_folders`` hook; their messages are merged
(core first, so a plugin's translation of the same message wins).
"""

import os
import re

from babel import Locale
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale, refresh
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from ..locale import DEFAULT, SUPPORTED, catalogue, current_locale, for_this_request
from ..plugins import flatten
from ..transactions import transactional
from .catalogs import CORE_CATALOGS
from .formats import PERSIAN_DIGITS, SOLAR_HIJRI

SESSION_KEY = "locale"


def environment_language() -> str:
    """``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` (``it_IT.UTF-8`` -> ``it``) when supported."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            return chosen(value.split("_")[0].split(".")[0].lower()) or DEFAULT
    return DEFAULT


def chosen(code) -> str | None:
    """``code`` when it names a supported language, else None."""
    return code if isinstance(code, str) and code in SUPPORTED else None


def select_locale() -> str:
    """The language of the current request (see the module docstring); outside a request
    (command line, background jobs: the import worker forces its uploader's with
    ``force_locale``) the environment's, as gettext reads it, else English."""
    if not has_request_context():
        return environment_language()
    if getattr(current_user, "is_authenticated", False) and chosen(current_user.locale):
        return current_user.locale
    return chosen(session.get(SESSION_KEY)) or request.accept_languages.best_match(
        SUPPORTED, default=DEFAULT
    )


@transactional
def keep_user_language(user, code: str) -> None:
    """Store a supported language as the signed-in user's choice (one intent)."""
    user.locale = code


def language_choices() -> list[tuple[str, str]]:
    """Each supported language named in itself: ``("it", "Italiano")``."""
    return [(code, Locale.parse(code).get_display_name(code).capitalize()) for code in SUPPORTED]


def _template_vars() -> dict:
    locale = get_locale() or Locale.parse(DEFAULT)
    return {
        "lang": locale.language,
        "text_dir": locale.text_direction,
        "language_choices": language_choices,
    }


_PLACEHOLDER = re.compile(r"%\((\w+)\)([^(]*?[a-z%])")


def local_numbers(text: str, variables: dict) -> tuple[str, dict]:
    """Whole numbers filled into a message in the language's digits (Persian writes ``۳``):
    ``%(num)d`` becomes ``%(num)s`` and the number its digits (as written, no grouping: a
    year stays ``۱۴۰۵``). A number with another format (``%(seconds).1f``) is left as it is."""
    if current_locale() not in SOLAR_HIJRI or not variables:
        return text, variables
    formats: dict[str, set] = {}
    for name, spec in _PLACEHOLDER.findall(text):
        formats.setdefault(name, set()).add(spec)
    numbers = {
        name: str(value).translate(PERSIAN_DIGITS)
        for name, value in variables.items()
        if isinstance(value, int)
        and not isinstance(value, bool)
        and formats.get(name, {"?"}) <= {"d", "s"}
    }
    if not numbers:
        return text, variables
    text = _PLACEHOLDER.sub(lambda m: f"%({m[1]})s" if m[1] in numbers else m[0], text)
    return text, {**variables, **numbers}


class LocalDigitsDomain(Domain):
    """Flask-Babel's messages for Python code (``gettext``, ``ngettext``, lazy ones), whole
    numbers filled in the language's digits as templates' are (``local_numbers``)."""

    def gettext(self, string, **variables):
        text, variables = local_numbers(self.get_translations().ugettext(string), variables)
        return text % variables if variables else text

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = self.get_translations().ungettext(singular, plural, num)
        text, variables = local_numbers(text, variables)
        return text % variables


def _fill(eval_ctx, text: str, variables: dict) -> str:
    text, variables = local_numbers(text, variables)
    text = Markup(text) if eval_ctx.autoescape else text
    return text % variables if variables or "%" in text else text  # "%%" is "%"


@pass_eval_context
def _gettext(eval_ctx, string, /, **variables):
    return _fill(eval_ctx, catalogue().gettext(string), variables)


@pass_eval_context
def _ngettext(eval_ctx, singular, plural, num, /, **variables):
    variables.setdefault("num", num)  # a template may pass its own (formatted) ``num``
    return _fill(eval_ctx, catalogue().ngettext(singular, plural, num), variables)


def _forget_locale(_error=None) -> None:
    """Drop the request's language from ``g`` when the request ends: an app context shared by
    several requests (tests, a CLI rendering pages) then speaks English again outside them."""
    refresh()


def init_i18n(app: Flask, plugins) -> None:
    """Bind Flask-Babel with our selector and every catalogue folder (core, then plugins)."""
    folders = [str(CORE_CATALOGS)]
    folders += [str(f) for f in flatten(plugins.pm.hook.register_translation_folders())]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(folders)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    # One Babel per app: its translations cache is keyed by language alone.
    babel = Babel(app, locale_selector=select_locale)
    babel.domain_instance = LocalDigitsDomain()  # the default domain, "messages"
    app.before_request(for_this_request)
    app.teardown_request(_forget_locale)
    app.context_processor(_template_vars)
    # Templates' ``_()``, ``gettext``, ``ngettext`` and ``{% trans %}``: as the newstyle ones
    # Flask-Babel installs (Markup when autoescaping, ``%(name)s`` filled in), but cheaper.
    app.jinja_env.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext)
