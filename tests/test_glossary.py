"""The catalogues follow docs/glossary.md: a message about deals, owners, the trash or quotes
uses the glossary's word in Italian and Persian, never the variant it rejected."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("webapp/translations/*/LC_MESSAGES/messages.po")) + sorted(
    ROOT.glob("plugins/*/translations/*/LC_MESSAGES/messages.po")
)
# (word in the English message, language, rejected variant): see docs/glossary.md.
REJECTED = (
    ("deal", "it", r"\btrattativ[ae]\b"),  # "trattativa" is the negotiation stage only
    ("deal", "fa", r"معامله"),
    ("owner", "it", r"\b(proprietari[oa]|titolare)\b"),
    ("owner", "fa", r"مالک"),
    ("trash", "it", r"\bspazzatura\b"),
    ("trash", "fa", r"سطل زباله"),
    ("quote", "it", r"\bofferta\b"),
    ("quote", "fa", r"پیشنهاد قیمت"),
)


def _entries(path: Path):
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield " ".join(ids), " ".join(s or "" for s in strings)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_message_uses_a_rejected_variant(path):
    lang = path.parent.parent.name
    wrong = [
        (english, translated)
        for english, translated in _entries(path)
        for word, language, variant in REJECTED
        if language == lang and word in english.lower() and re.search(variant, translated)
    ]
    assert not wrong, wrong


def test_the_glossary_names_every_checked_term():
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for word in ("deal", "owner", "trash", "quote", "opportunità", "فرصت فروش", "مسئول"):
        assert word in glossary, word
