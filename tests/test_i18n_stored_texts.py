# ruff: noqa: E501  (a table of stored texts and their translations, one per line)
"""What is stored in English and read in the reader's language: audit details, the renewals'
timeline entries (old rows included: they are translated when shown), report quarters."""

from datetime import date
from types import SimpleNamespace

import pytest

from tests.i18n_text import HEADERS
from webapp.audit.present import detail
from webapp.reports.shown import quarter_label
from webapp.timeline.present import message


@pytest.fixture
def reading(app):
    """``reading(lang)``: a request context in that language."""

    def within(lang):
        return app.test_request_context("/", headers=HEADERS[lang])

    return within


@pytest.mark.parametrize(
    ("stored", "italian", "persian"),
    [
        ("role sales", "ruolo Commerciale", "نقش کارشناس فروش"),
        ("nina@example.com as admin; software", "nina@example.com come Amministratore; software", None),
        ("North: manager m@example.com, 3 members (new)", "North: responsabile del team m@example.com, 3 membri (nuovo)", "North: سرپرست m@example.com، ۳ عضو (تازه)"),
        ("4 sessions", "4 sessioni", "۴ نشست"),
        ("owner sync: open deals True, closed deals False", "sincronizzazione responsabili: opportunità aperte sì, chiuse no", None),
        ("something else entirely", "something else entirely", "something else entirely"),
    ],
)  # fmt: skip
def test_audit_details_read_in_the_readers_language(reading, stored, italian, persian):
    with reading("it"):
        assert detail(stored) == italian
    if persian:
        with reading("fa"):
            assert detail(stored) == persian
    with reading("it"):
        assert detail(None) == ""


def test_a_renewal_entry_stored_in_english_reads_in_italian_and_persian(reading):
    made = SimpleNamespace(action="duplicated", message="Renewal of “Acme support”")
    told = SimpleNamespace(action="duplicated", message="Upsell created")
    with reading("en"):
        assert message(made) == "Renewal of “Acme support”"
    with reading("it"):
        assert message(made) == "Rinnovo di «Acme support»"
        assert message(told) == "Upsell: opportunità creata"
    with reading("fa"):
        assert message(made) == "تمدید از «Acme support»"
        assert message(told) == "فروش تکمیلی: فرصت فروش ایجاد شد"


def test_old_trash_conversion_and_owner_entries_read_translated(reading):
    with reading("it"):
        for stored, shown in (
            ("Moved to the trash", "Spostata nel cestino"),
            ("Converted from lead Anna Neri", "Convertita dal lead Anna Neri"),
        ):
            assert message(SimpleNamespace(action="updated", message=stored)) == shown


def test_quarters_in_persian_name_the_solar_hijri_months_they_span(reading):
    with reading("fa"):
        assert quarter_label(date(2026, 11, 1)) == "سه‌ماهه مهر تا دی ۱۴۰۵"
        assert quarter_label(date(2026, 1, 1)) == "سه‌ماهه دی ۱۴۰۴ تا فروردین ۱۴۰۵"
    with reading("it"):
        assert quarter_label(date(2026, 11, 1)) == "T4 2026"
    with reading("en"):
        assert quarter_label(date(2026, 11, 1)) == "Q4 2026"
