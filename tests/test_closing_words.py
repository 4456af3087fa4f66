"""Closing a deal as lost reads the same on the board, on its no-JS page and on the
opportunity page: one partial holds the words."""

import re

from tests import factories
from webapp.extensions import db
from webapp.models import Opportunity

HTMX = {"HX-Request": "true"}


def _words(html: str) -> tuple[str, list[str]]:
    title = re.search(r"(Close “[^<]*” as lost)", html).group(1)
    main = html.split("<main", 1)[-1]  # not the navigation's (the language menu)
    buttons = re.findall(r'<button type="submit"[^>]*>([^<]*)</button>', main)
    return title, buttons


def test_one_wording_for_closing_as_lost(client, auth, sales_user, pipeline, create_opportunity):
    factories.lost_reason("Price too high")
    opp = create_opportunity(name="Verde", amount="500")
    lost = pipeline.stage_of_kind("lost")
    auth.login(sales_user)
    page = client.get(f"/opportunities/{opp.id}").text
    assert ">Close as lost…</button>" in page and ">Close as won</button>" in page
    url, base = f"/opportunities/{opp.id}/stage", {"stage_id": lost.id, "version": opp.version}
    board = client.post(url, data={**base, "board": "1"}, headers=HTMX)
    deal = client.post(url, data={**base, "deal": "1"}, headers=HTMX)
    plain = client.post(url, data=base)  # no JavaScript: the move page
    for answer in (board, deal, plain):
        assert _words(answer.text) == ("Close “Verde” as lost", ["Close as lost"])
    assert "onclick" not in board.text and "data-dialog-close" in board.text
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).status == "open"  # the dialog saved nothing
