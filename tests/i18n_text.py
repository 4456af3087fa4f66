"""Finding untranslated text in a rendered page: what a person reads (text, placeholders,
titles, labels for screen readers) that stays the same in English and in Italian or Persian.

Data (deal names, emails, amounts) is the same in every language too, so the test names
the data it created; a text made of data, digits and punctuation only is not interface.
"""

import re
from html.parser import HTMLParser

HEADERS = {
    "en": {"Accept-Language": "en-GB,en;q=0.9"},
    "it": {"Accept-Language": "it-IT,it;q=0.9"},
    "fa": {"Accept-Language": "fa-IR,fa;q=0.9"},
}

# Read the same in English and in the other language (loanwords, names, formats).
SAME_WORDS = {
    "it": {
        "Email", "E-mail", "OK", "Lead", "Budget", "Partner", "Team", "Manager", "Report",
        "Dashboard", "Home", "Computer", "Software", "Online", "Demo", "Password", "Admin",
        "Plugin", "Standard", "Forecast", "Pipeline", "Export", "Import", "Audit", "Trend",
        "Commit", "Best case", "Target", "Account", "Feed", "Filtri", "No", "Start", "Stop",
        "Menu", "File", "lead", "Upsell", "min", "h", "Note", "v1", "K", "M",
    },
    "fa": set(),
}
# Names every language shows as they are: the product, file formats, the languages offered.
NAMES = {
    "Opportuno", "CSV", "XLSX", "vCard", "iCal", "iCalendar", "ERP", "Odoo", "Vtiger", "Pipedrive",
    "UTF-8", "UTF-16", "Windows-1252", "URL", "API", "English", "Italiano", "فارسی", "EUR",
    "USD", "PDF", "Excel", "LibreOffice", "Huey", "Redis", "SQLite", "PostgreSQL", "×", "…",
    "EN", "IT", "FA", "ERPNext", "Mac Roman", "ISO-8859-15 (Latin-9)",
}
_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
_NOT_READ = {"script", "style", "code", "kbd"}  # code: commands, keys, settings' names
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _NOT_READ:
            self._skip += 1
        attributes = dict(attrs)
        for name in _ATTRIBUTES:
            if attributes.get(name):
                self.texts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in _NOT_READ and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.texts.append(data)


def visible_texts(html: str) -> set[str]:
    """Each text node and read attribute of ``html``, whitespace collapsed."""
    parser = _Texts()
    parser.feed(html)
    return {" ".join(t.split()) for t in parser.texts if t and t.strip()}


def _is_interface(text: str, lang: str, data) -> bool:
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(str(value), " ")
    for name in NAMES | SAME_WORDS[lang]:
        text = re.sub(rf"(?<![^\W\d_]){re.escape(name)}(?![^\W\d_])", " ", text)
    return bool(_LETTERS.search(text))


def untranslated(english: str, other: str, lang: str, data=()) -> set[str]:
    """The interface texts of ``other`` (a page in ``lang``) left as they are in ``english``."""
    same = visible_texts(english) & visible_texts(other)
    return {text for text in same if _is_interface(text, lang, data)}


def assert_translated(client, url: str, data=(), headers=None, method="get", **kwargs) -> None:
    """Render ``url`` in English, Italian and Persian: no English interface text is left."""
    call = getattr(client, method)
    pages = {}
    for lang, language in HEADERS.items():
        response = call(url, headers={**language, **(headers or {})}, **kwargs)
        assert response.status_code < 400, (url, lang, response.status_code)
        pages[lang] = response.get_data(as_text=True)
    for lang in ("it", "fa"):
        left = untranslated(pages["en"], pages[lang], lang, data)
        assert not left, f"{url} in {lang}: untranslated {sorted(left)}"
