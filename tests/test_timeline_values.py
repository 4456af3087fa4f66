"""The timeline shows money as money and a product line's change with its old and new values."""

import re
from decimal import Decimal

from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.models import TimelineEntry
from webapp.opportunities import services

HX = {"HX-Request": "true"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_amounts_and_line_changes_read_as_money(client, auth, sales_user, create_opportunity):
    opp = create_opportunity(name="Verde", amount="0")
    product = factories.product("Training day", "600")
    line = services.add_line(sales_user, opp, {"product_id": product.id, "quantity": "3"})
    services.update_line(sales_user, opp, line.id, {"quantity": "4", "discount": "10"})
    services.update_opportunity(sales_user, opp, {"objective": "2500.5"})

    entry = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.message == "Changed Training day")
    ).one()  # the stored record keeps the values, not only the names of what changed
    assert entry.data == {"changes": {"quantity": ["3.00", "4.00"], "discount": ["0.00", "10.00"]}}
    assert (entry.old_value, entry.new_value) == ("1800.00", "2160.00")

    auth.login(sales_user)
    shown = _text(client.get(f"/opportunities/{opp.id}/panels/timeline", headers=HX).text)
    assert (
        "Changed Training day: quantity 3 → 4, discount 0% → 10% (subtotal €1,800 → €2,160)"
    ) in shown
    assert "amount €1,800 → €2,160" in shown
    assert "objective — → €2,500.50" in shown
    assert "1800.00" not in shown and "2160.00" not in shown
    assert opp.amount == Decimal("2160.00")

    italian = client.get(
        f"/opportunities/{opp.id}/panels/timeline", headers={**HX, "Accept-Language": "it"}
    )
    assert "subtotale 1.800 € → 2.160 €" in _text(italian.text)  # the reader's locale and words
    assert "Added Training day x 3 (subtotal €1,800)" in shown
