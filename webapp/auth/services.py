"""Users: authentication and creation."""

from sqlalchemy import func, select

from ..errors import ValidationError
from ..extensions import db
from ..models import ROLES, SALES_GROUP, BusinessLine, Group, User
from ..setup.services import ensure_defaults
from ..transactions import transactional


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (same answer for both)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def sales_group() -> Group:
    group = db.session.scalar(select(Group).where(Group.name == SALES_GROUP))
    if group is None:
        group = Group(name=SALES_GROUP)
        db.session.add(group)
    return group


@transactional
def create_user(
    email: str,
    password: str,
    *,
    name: str | None = None,
    role: str = "sales",
    business_lines: list[BusinessLine] | None = None,
    sales: bool = True,
) -> User:
    """Create a user; by default in the sales group and every business line. The first
    user of a fresh install also brings the default business line and pipeline."""
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ValidationError({"email": "Enter a valid email address."})
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    if len(password or "") < 8:
        raise ValidationError({"password": "The password needs at least 8 characters."})
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise ValidationError({"email": "A user with this email already exists."})
    ensure_defaults()
    user = User(email=email, name=name or email.split("@")[0].title(), role=role, active=True)
    user.set_password(password)
    if business_lines is None:
        business_lines = list(db.session.scalars(select(BusinessLine)))
    user.business_lines = business_lines
    if sales:
        user.groups = [sales_group()]
    db.session.add(user)
    return user
