"""Creating pipelines from a list of stage definitions."""

from ..extensions import db
from ..models import BusinessLine, Pipeline, Stage

# Brevo's default pipeline [seed 002]; "Demo scheduled" at 25% is Brevo's own figure.
DEFAULT_STAGES = (
    {"name": "New", "probability": 10, "rotting_days": 14},
    {"name": "Qualification", "probability": 20, "rotting_days": 21},
    {"name": "Demo scheduled", "probability": 25, "rotting_days": 21},
    {"name": "Awaiting commitment", "probability": 50, "rotting_days": 30},
    {"name": "Negotiation", "probability": 75, "rotting_days": 30},
    {"name": "Won", "probability": 100, "kind": "won"},
    {"name": "Lost", "probability": 0, "kind": "lost"},
)


def create_pipeline(
    business_line: BusinessLine,
    name: str,
    stages=DEFAULT_STAGES,
    *,
    is_default: bool = False,
    template: str | None = None,
    position: int = 0,
) -> Pipeline:
    """A pipeline with ``stages`` (dicts: name, probability, rotting_days, kind, requirements).

    A pipeline always ends with one won and one lost stage: they are added when missing.
    """
    stages = list(stages)
    kinds = {s.get("kind", "open") for s in stages}
    if "won" not in kinds:
        stages.append({"name": "Won", "probability": 100, "kind": "won"})
    if "lost" not in kinds:
        stages.append({"name": "Lost", "probability": 0, "kind": "lost"})
    pipeline = Pipeline(
        name=name,
        business_line=business_line,
        is_default=is_default,
        template=template,
        position=position,
    )
    pipeline.stages = [
        Stage(
            name=s["name"],
            position=i,
            probability=s.get("probability", 0),
            rotting_days=s.get("rotting_days"),
            kind=s.get("kind", "open"),
            requirements=s.get("requirements"),
        )
        for i, s in enumerate(stages)
    ]
    db.session.add(pipeline)
    return pipeline
