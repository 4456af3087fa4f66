"""What the report filter bar offers the user: their business lines, pipelines, the owners
of those lines and the teams."""

from sqlalchemy import select

from ..board.services import visible_pipelines
from ..extensions import db
from ..models import Group, User
from ..opportunities.listing import owner_choices


def filter_choices(user: User) -> dict:
    pipelines = visible_pipelines(user)
    return {
        "pipelines": pipelines,
        "business_lines": list(dict.fromkeys(p.business_line for p in pipelines)),
        "owners": owner_choices(user),
        "teams": list(db.session.scalars(select(Group).order_by(Group.name))),
    }
