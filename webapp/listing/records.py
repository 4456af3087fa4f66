"""The lists of accounts, contacts and leads on the list engine: what they share.

Each entity describes its list as a ``RecordList``: its ``ListSpec`` (columns, defaults), the
filters it reads beyond the search and the owner, how they narrow the query, the rows' loader
options and any per-page extra. The shared part reads the filters, limits the query to
records not in the trash and of the chosen owner, and reads one keyset page with the count
of every matching record (a constant number of queries whatever the page).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from ..accounts.services import like_pattern
from ..extensions import db
from ..inputs import search_text
from ..models import User
from .engine import Column, ListResult, ListSpec, ListState, keyset_page, owned_by, owner_param

MAX_WORDS = 10


@dataclass(frozen=True)
class RecordList:
    """One entity's list: ``filters(args)`` reads its own filters (beyond ``text`` and
    ``owner``), ``narrow(user, query, filters)`` applies them (search included); ``loads``
    are loader options of the rows besides their owner; ``extra(user, rows)`` is anything
    else its page shows (None: nothing)."""

    spec: ListSpec
    filters: Callable[[object], dict]
    narrow: Callable[[User, Select, dict], Select]
    loads: tuple = ()
    extra: Callable[[User, list], dict] | None = None
    default_owner: str = "all"

    @property
    def entity(self) -> str:
        return self.spec.entity

    @property
    def plural(self) -> str:
        """The entity's plural: its blueprint, template folder and page words."""
        return f"{self.spec.entity}s"

    def filters_from(self, args) -> dict:
        """The filters ``args`` (the query string) ask for, read and bounded."""
        return {
            "text": search_text(args.get("q")),
            "owner": owner_param(args, self.default_owner),
            **self.filters(args),
        }

    def matching(self, user: User, args) -> Select:
        """The records (not in the trash) matching the list's filters in ``args``, unordered."""
        return self._query(user, self.filters_from(args))

    def _query(self, user: User, filters: dict) -> Select:
        model = self.spec.model
        query = select(model).where(model.deleted_at.is_(None))
        query = owned_by(query, model.owner_id, filters["owner"], user)
        return self.narrow(user, query, filters)

    def page(self, user: User, args) -> ListResult:
        """One page of records as ``args`` ask, with the count of every matching record."""
        model, spec = self.spec.model, self.spec
        filters = self.filters_from(args)
        state = ListState.from_args(spec, args, spec.columns)
        query = self._query(user, filters)
        column = spec.columns[state.sort_key]
        page = keyset_page(
            query,
            model,
            column.sort(),
            state,
            spec.per_page,
            [joinedload(model.owner).lazyload("*"), *self.loads],
            nullable=column.nullable,
        )
        count = query.with_only_columns(func.count(model.id)).order_by(None)
        page.totals = {"count": db.session.scalar(count)}
        extra = self.extra(user, page.rows) if self.extra else {}
        return ListResult(spec, page, state, spec.columns, filters, extra)


def like(column, pattern: str):
    """``column`` matches ``pattern`` (made by ``like_pattern``), in any case."""
    return func.lower(column).like(pattern, escape="\\")


def every_word(query: Select, text: str, conditions: Callable[[str], list]) -> Select:
    """``query`` where each word of ``text`` (the first ten) meets one of ``conditions(p)``,
    ``p`` being the word's LIKE pattern."""
    for word in text.split()[:MAX_WORDS]:
        query = query.where(or_(*conditions(like_pattern(word))))
    return query


def common_columns(model) -> tuple[Column, ...]:
    """The owner and the two timestamps, which every record list offers."""
    return (
        Column(
            "owner",
            _l("Owner"),
            lambda: select(User.name).where(User.id == model.owner_id).scalar_subquery(),
        ),
        Column("created", _l("Created"), lambda: model.created_at, nullable=False),
        Column("updated", _l("Updated"), lambda: model.updated_at, nullable=False),
    )
