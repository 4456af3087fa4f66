"""The audit log's details in the reader's language. Details are stored in English, by the
shapes the services write (``role sales``, ``anna@example.com as sales; software``); they are
translated when shown (old rows too). A detail of another shape shows as stored."""

from ..i18n.formats import PERSIAN_DIGITS, SOLAR_HIJRI
from ..locale import N_, current_locale
from ..locale import translate as gettext
from ..timeline.present import pattern
from ..users.roles import LABELS as ROLE_LABELS

_SHAPES = (
    ("role {role}", N_("role %(role)s")),
    ("{email} as {role}; {lines}", N_("%(email)s as %(role)s; %(lines)s")),
    ("{email}: new link", N_("%(email)s: new link")),
    ("{email}: {old_role} -> {role}", N_("%(email)s: %(old_role)s → %(role)s")),
    ("session {count}", N_("session %(count)s")),
    ("{count} sessions", N_("%(count)s sessions")),
    (
        "{name}: manager {email}, {count} members (new)",
        N_("%(name)s: manager %(email)s, %(count)s members (new)"),
    ),
    (
        "{name}: manager {email}, {count} members",
        N_("%(name)s: manager %(email)s, %(count)s members"),
    ),
    ("{plugin} in {line}", N_("%(plugin)s in %(line)s")),
    (
        "owner sync: open deals {open}, closed deals {closed}",
        N_("owner sync: open deals %(open)s, closed deals %(closed)s"),
    ),
)
_PATTERNS = [(pattern(shape), msgid) for shape, msgid in _SHAPES]
_YES_NO = {"True": N_("yes"), "False": N_("no")}


def _value(key: str, value: str) -> str:
    if key in ("role", "old_role") and value in ROLE_LABELS:
        return str(ROLE_LABELS[value])
    if key in ("open", "closed"):
        return gettext(_YES_NO.get(value, value))
    if key == "count" and current_locale() in SOLAR_HIJRI:
        return value.translate(PERSIAN_DIGITS)
    return value


def detail(text: str | None) -> str:
    """An event's stored detail as the reader reads it."""
    if not text:
        return ""
    for shape, msgid in _PATTERNS:
        found = shape.fullmatch(text)
        if found:
            return gettext(msgid, **{k: _value(k, v) for k, v in found.groupdict().items()})
    return text
