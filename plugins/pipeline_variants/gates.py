"""Stage gates: what a deal needs before it may enter a stage.

A stage's ``requirements`` is a list of names: an opportunity field (``amount``,
``close_date``...) that must be filled in, or ``contact_role:<role>`` for a contact with that
role among the deal's contacts. Moving forward checks the gates of every stage passed over
up to the target (a deal cannot skip a check by jumping ahead); moving back checks the
target's gate only; moving to a lost stage is never gated (a deal can be lost from anywhere).
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.models import CONTACT_ROLES, Opportunity, Stage

# Opportunity fields a gate may require, with the label shown to the user.
FIELDS = {
    "amount": _l("Amount"),
    "close_date": _l("Expected close date"),
    "account_id": _l("Account"),
    "primary_contact_id": _l("Primary contact"),
    "source_id": _l("Source"),
    "objective": _l("Objective"),
    "revenue_low": _l("Projected revenue (low)"),
    "revenue_high": _l("Projected revenue (high)"),
    "contract_start": _l("Contract start"),
    "contract_months": _l("Contract length (months)"),
    "description": _l("Description"),
}
ROLE_PREFIX = "contact_role:"


def choices() -> list[tuple[str, str]]:
    """Every requirement an admin may put on a stage, as (name, label)."""
    roles = [
        (f"{ROLE_PREFIX}{role}", _("A contact who is %(role)s", role=role_label(role)))
        for role in CONTACT_ROLES
    ]
    return [*((key, str(name)) for key, name in FIELDS.items()), *roles]


def role_label(role: str) -> str:
    return role.replace("_", "-") if role == "decision_maker" else role.replace("_", " ")


def label(requirement: str) -> str:
    if requirement.startswith(ROLE_PREFIX):
        return _("A contact who is %(role)s", role=role_label(requirement[len(ROLE_PREFIX) :]))
    return str(FIELDS.get(requirement, requirement))


def valid(requirement: str) -> bool:
    return requirement in FIELDS or (
        requirement.startswith(ROLE_PREFIX) and requirement[len(ROLE_PREFIX) :] in CONTACT_ROLES
    )


def _filled(opp: Opportunity, field: str) -> bool:
    value = getattr(opp, field)
    if field == "amount":
        return bool(value and value > 0)
    return value not in (None, "")


def stages_to_check(
    pipeline_stages: list[Stage], from_stage: Stage, to_stage: Stage
) -> list[Stage]:
    if to_stage.kind == "lost":
        return []
    if (
        from_stage is not None
        and from_stage.kind == "open"
        and to_stage.position > from_stage.position
    ):
        return [
            s
            for s in pipeline_stages
            if from_stage.position < s.position <= to_stage.position and s.kind != "lost"
        ]
    return [to_stage]


def problems(opp: Opportunity, from_stage: Stage, to_stage: Stage) -> list:
    """What is missing to enter ``to_stage``: dicts ``{"message", "field"}`` where ``field``
    is the requirement (an opportunity field or ``contact_role:<role>``), which the board's
    move dialog asks for."""
    missing: list = []
    seen: set[str] = set()
    roles = None
    for stage in stages_to_check(opp.pipeline.stages, from_stage, to_stage):
        for requirement in stage.requirements or ():
            if requirement in seen:
                continue
            seen.add(requirement)
            if requirement in FIELDS:
                if not _filled(opp, requirement):
                    missing.append({"message": str(FIELDS[requirement]), "field": requirement})
            elif requirement.startswith(ROLE_PREFIX):
                if roles is None:
                    roles = {link.role for link in opp.contact_links}
                if requirement[len(ROLE_PREFIX) :] not in roles:
                    missing.append({"message": label(requirement), "field": requirement})
    return missing
