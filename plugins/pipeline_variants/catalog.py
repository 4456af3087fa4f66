"""The pipeline templates this plugin offers: stages with probabilities, rotting days, gates.

A gate (a stage's ``requirements``) lists what a deal needs before it may enter the stage;
see ``gates.py`` for the names.
"""

from flask_babel import lazy_gettext as _l

from webapp.pipelines.services import DEFAULT_STAGES

WON = {"name": "Won", "probability": 100, "kind": "won"}
LOST = {"name": "Lost", "probability": 0, "kind": "lost"}

# Brevo's defaults [seed 002] with the gates of the example in the issue.
_BREVO_GATES = {
    "Awaiting commitment": ["contact_role:decision_maker"],
    "Negotiation": ["amount", "close_date"],
}

TEMPLATES = [
    {
        "key": "brevo",
        "name": _l("Sales (Brevo default)"),
        "description": _l(
            "New, Qualification, Demo scheduled (25%%), Awaiting commitment, "
            "Negotiation, Won/Lost: Brevo's default stages."
        ),
        "stages": [
            {**stage, "requirements": _BREVO_GATES.get(stage["name"])} for stage in DEFAULT_STAGES
        ],
    },
    {
        "key": "vtiger",
        "name": _l("Potentials (Vtiger style)"),
        "description": _l(
            "Vtiger's sales stages for potentials, from prospecting to "
            "negotiation/review; forecast = amount x probability."
        ),
        "stages": [
            {"name": "Prospecting", "probability": 10, "rotting_days": 14},
            {"name": "Qualification", "probability": 20, "rotting_days": 21},
            {"name": "Needs analysis", "probability": 25, "rotting_days": 21},
            {"name": "Value proposition", "probability": 30, "rotting_days": 21},
            {"name": "Identify decision makers", "probability": 40, "rotting_days": 21},
            {
                "name": "Perception analysis",
                "probability": 50,
                "rotting_days": 30,
                "requirements": ["contact_role:decision_maker"],
            },
            {
                "name": "Proposal/Price quote",
                "probability": 65,
                "rotting_days": 30,
                "requirements": ["amount"],
            },
            {
                "name": "Negotiation/Review",
                "probability": 80,
                "rotting_days": 30,
                "requirements": ["amount", "close_date"],
            },
            {"name": "Closed won", "probability": 100, "kind": "won"},
            {"name": "Closed lost", "probability": 0, "kind": "lost"},
        ],
    },
    {
        "key": "keap",
        "name": _l("Opportunities (Keap style)"),
        "description": _l(
            "Keap's opportunity stages with a projected revenue range (low/high) once qualified."
        ),
        "stages": [
            {"name": "New opportunity", "probability": 10, "rotting_days": 7},
            {"name": "Initial contact", "probability": 20, "rotting_days": 14},
            {
                "name": "Qualified",
                "probability": 40,
                "rotting_days": 21,
                "requirements": ["revenue_low", "revenue_high"],
            },
            {
                "name": "Proposal sent",
                "probability": 60,
                "rotting_days": 21,
                "requirements": ["amount"],
            },
            {
                "name": "Verbal commitment",
                "probability": 80,
                "rotting_days": 14,
                "requirements": ["close_date"],
            },
            WON,
            LOST,
        ],
    },
    {
        "key": "renewals",
        "name": _l("Renewals and services"),
        "description": _l(
            "Contracts up for renewal: quote, signature, renewed or churned; "
            "the contract term is needed to close."
        ),
        "stages": [
            {"name": "Up for renewal", "probability": 50, "rotting_days": 30},
            {
                "name": "Renewal quote sent",
                "probability": 70,
                "rotting_days": 21,
                "requirements": ["amount"],
            },
            {
                "name": "Awaiting signature",
                "probability": 90,
                "rotting_days": 14,
                "requirements": ["close_date"],
            },
            {
                "name": "Renewed",
                "probability": 100,
                "kind": "won",
                "requirements": ["contract_start", "contract_months"],
            },
            {"name": "Churned", "probability": 0, "kind": "lost"},
        ],
    },
]
