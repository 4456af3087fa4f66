"""What the report filter bar offers the user: their business lines, pipelines, the owners
of those lines and the teams."""

from sqlalchemy import select

from .. import permissions
from ..board.services import visible_pipelines
from ..extensions import db
from ..models import Group, User
from ..models.user import user_business_lines


def filter_choices(user: User) -> dict:
    pipelines = visible_pipelines(user)
    owners = select(User.id, User.name).where(User.active).order_by(User.name)
    if not permissions.is_admin(user):
        owners = owners.where(
            User.id.in_(
                select(user_business_lines.c.user_id).where(
                    user_business_lines.c.business_line_id.in_(user.business_line_ids or [0])
                )
            )
        )
    return {
        "pipelines": pipelines,
        "business_lines": list(dict.fromkeys(p.business_line for p in pipelines)),
        "owners": list(db.session.execute(owners)),
        "teams": list(db.session.scalars(select(Group).order_by(Group.name))),
    }
