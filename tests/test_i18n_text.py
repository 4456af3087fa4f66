"""The untranslated-text finder (tests/i18n_text.py) that the page tests of each area use."""

import pytest

from tests.i18n_text import assert_translated, untranslated, visible_texts


def test_it_reads_text_and_the_attributes_a_person_reads_but_not_scripts():
    html = (
        '<p>Stage <b>won</b></p><input placeholder="Search deals" value="typed">'
        '<button title="Close" aria-label="Close dialog">×</button>'
        '<script>const x = "Not read";</script><input type="submit" value="Save">'
    )
    assert visible_texts(html) == {
        "Stage", "won", "Search deals", "Close", "Close dialog", "×", "Save"
    }


def test_it_flags_interface_text_left_in_english_but_not_data_names_or_numbers():
    english = "<h1>Deals</h1><p>Acme rollout</p><p>1,500</p><p>Export to CSV</p><p>CSV</p>"
    italian = "<h1>Opportunità</h1><p>Acme rollout</p><p>1,500</p><p>Export to CSV</p><p>CSV</p>"
    assert untranslated(english, italian, "it", data={"Acme rollout"}) == {"Export to CSV"}


def test_the_sign_in_page_is_translated(client):
    assert_translated(client, "/login")


def test_a_page_left_in_english_fails(client, auth, sales_user):
    auth.login(sales_user)
    with pytest.raises(AssertionError, match="untranslated"):
        assert_translated(client, "/profile")
