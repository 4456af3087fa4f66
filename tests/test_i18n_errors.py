"""Refusals from the services reach the user in the user's language: every message given to a
domain error is marked for translation, and the forms show it translated."""

import ast
import re
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Opportunity

ROOT = Path(__file__).resolve().parent.parent
ERRORS = {"ValidationError", "PermissionDenied", "NotFound", "ConflictError", "DomainError"}
IT = {"HX-Request": "true", "Accept-Language": "it-IT,it;q=0.9"}
FA = {"HX-Request": "true", "Accept-Language": "fa-IR,fa;q=0.9"}


def _english(node) -> bool:
    """A sentence written in the code as it is (an f-string or a plain literal)."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value


def _untranslated() -> list[str]:
    found = []
    for path in sorted([*ROOT.glob("webapp/**/*.py"), *ROOT.glob("plugins/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ERRORS:
                    for arg in node.args:
                        values += arg.values if isinstance(arg, ast.Dict) else [arg]
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
                target = node.targets[0].value
                if isinstance(target, ast.Name) and target.id == "errors":
                    values = [node.value]
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(v)}"
                for v in values
                if _english(v)
            ]
    return found


def test_every_refusal_message_is_marked_for_translation():
    assert _untranslated() == []


def test_a_mass_action_refused_in_italian(client, auth, sales_user, create_opportunity):
    deals = [create_opportunity(name=f"Deal {n}") for n in range(2)]
    stages = {d.id: d.stage_id for d in deals}
    auth.login(sales_user)
    form = {"action": "stage", "ids": [d.id for d in deals]}
    refused = client.post("/opportunities/mass", data=form, headers=IT)
    assert refused.status_code == 422 and "Scegli una fase." in refused.text
    closing = client.post("/opportunities/mass", data={**form, "action": "close_date"}, headers=IT)
    assert closing.status_code == 422
    assert "Inserisci la data di chiusura prevista." in closing.text
    assert re.search(r'<input[^>]*name="close_date"[^>]*type="date"', closing.text)
    db.session.expire_all()
    assert {d.id: db.session.get(Opportunity, d.id).stage_id for d in deals} == stages


def test_out_of_range_numbers_refused_in_persian(client, auth, sales_user, create_opportunity):
    deal = create_opportunity(name="Acme support", amount="1000")
    auth.login(sales_user)
    url = f"/opportunities/{deal.id}/fields"
    high = client.post(
        f"{url}/probability", data={"probability": "۱۵۰", "version": "1"}, headers=FA
    )
    assert high.status_code == 422 and "باید حداکثر ۱۰۰ باشد." in high.text
    huge = client.post(f"{url}/amount", data={"amount": "۹" * 30, "version": "1"}, headers=FA)
    assert huge.status_code == 422 and "این مبلغ بیش از حد بزرگ است." in huge.text
    db.session.expire_all()
    after = db.session.get(Opportunity, deal.id)
    assert (after.amount, after.probability, after.version) == (
        Decimal("1000.00"),
        deal.probability,
        1,
    )
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == 1
