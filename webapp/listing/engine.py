"""The list engine shared by deals, accounts, contacts and leads.

An entity describes its list with a ``ListSpec``: the columns a user may show (each with
its sort expression, if sortable), the default columns and sort. ``ListState`` is what
the URL says about the table (``cols``, ``widths``, ``sort`` and the keyset cursor
``after``/``before``/``last``). ``keyset_page`` reads one page of a filtered query in a
constant number of statements whatever the page: rows are ordered by the sort expression
(nulls last) then by id, and a cursor is the id of the row next to the page.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from markupsafe import Markup
from sqlalchemy import Select, and_, literal, or_, select, tuple_

from ..extensions import db
from ..inputs import integer

MAX_COLUMNS = 40
MIN_WIDTH, MAX_WIDTH = 40, 1200


def owner_param(args, default: str) -> str:
    """A list's ``owner`` filter: ``me``, ``all`` or a user id (as text); else ``default``."""
    owner = (args.get("owner") or default).strip()
    if owner in ("me", "all"):
        return owner
    return str(integer(owner, minimum=1) or default)


def owned_by(query: Select, owner_column, owner: str, user) -> Select:
    """``query`` limited to the records of the ``owner`` filter (see ``owner_param``)."""
    if owner == "me":
        return query.where(owner_column == user.id)
    if owner != "all":
        return query.where(owner_column == int(owner))
    return query


@dataclass(frozen=True)
class Column:
    """One column a list may show. ``sort`` builds the ORDER BY expression (None: not
    sortable); ``align`` is "end" for numbers."""

    key: str
    label: str
    sort: Callable | None = None
    align: str = ""
    nullable: bool = True  # False when the sort value is never NULL (simpler, indexable)

    @property
    def sortable(self) -> bool:
        return self.sort is not None


@dataclass
class ListSpec:
    """What one entity's list offers: its columns, defaults and page size."""

    entity: str
    model: type
    columns: dict[str, Column]
    default_columns: tuple[str, ...]
    default_sort: str
    per_page: int = 50
    # Query parameters that are not filters (the table's state and the cursor).
    state_keys: tuple[str, ...] = (
        "cols",
        "col",
        "widths",
        "sort",
        "after",
        "before",
        "last",
        "view",
        "page",
    )

    def column_list(self, extra: dict[str, Column] | None = None) -> dict[str, Column]:
        return {**self.columns, **(extra or {})}


@dataclass
class ListState:
    """The table as the URL asks for it; unknown keys and bad values fall back to defaults."""

    columns: list[str]
    widths: dict[str, int]
    sort: str  # a column key, "-" in front for descending
    after: int | None = None
    before: int | None = None
    last: bool = False
    page: int = 1  # ``page=N`` (old links): an offset, when no cursor is given

    @classmethod
    def from_args(cls, spec: ListSpec, args, available: dict[str, Column]) -> "ListState":
        # ``cols=a,b`` (links, saved views) or ``col=a&col=b`` (the column chooser's form).
        keys = (args.get("cols") or "").split(",") if args.get("cols") else args.getlist("col")
        keys = [k.strip() for k in keys[:MAX_COLUMNS]]
        columns = list(dict.fromkeys(k for k in keys if k in available))
        widths = {}
        for part in (args.get("widths") or "").split(",")[:MAX_COLUMNS]:
            key, _, width = part.partition(":")
            width = integer(width, minimum=MIN_WIDTH, maximum=MAX_WIDTH)
            if key in available and width:
                widths[key] = width
        sort = (args.get("sort") or "").strip()
        column = available.get(sort.removeprefix("-"))
        if column is None or not column.sortable:
            sort = spec.default_sort
        return cls(
            columns=columns or list(spec.default_columns),
            widths=widths,
            sort=sort,
            after=integer(args.get("after"), minimum=1),
            before=integer(args.get("before"), minimum=1),
            last=args.get("last") == "1",
            page=integer(args.get("page"), minimum=1, maximum=10_000) or 1,
        )

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def args(self, spec: ListSpec) -> dict:
        """The query parameters reproducing this table (defaults left out)."""
        args = {}
        if self.columns != list(spec.default_columns):
            args["cols"] = ",".join(self.columns)
        if self.widths:
            args["widths"] = ",".join(f"{k}:{w}" for k, w in self.widths.items())
        if self.sort != spec.default_sort:
            args["sort"] = self.sort
        return args

    def saved_columns(self) -> list[dict]:
        """The columns as a saved view stores them."""
        return [{"key": k, "width": self.widths.get(k)} for k in self.columns]


@dataclass
class Page:
    """One page of rows and where to go from it."""

    rows: list
    per_page: int
    first_id: int | None = None
    last_id: int | None = None
    has_previous: bool = False
    has_next: bool = False
    totals: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.totals.get("count", 0)


@dataclass
class ListResult:
    """What a list template shows: the page, the table's state, the columns on offer, the
    filters read and anything entity specific (``extra``)."""

    spec: ListSpec
    page: Page
    state: ListState
    columns: dict[str, Column]
    filters: dict
    extra: dict = field(default_factory=dict)

    @property
    def rows(self) -> list:
        return self.page.rows

    @property
    def total(self) -> int:
        return self.page.total

    def next_sort(self, key: str) -> str:
        """The sort a click on column ``key``'s header asks for."""
        if self.state.sort_key == key and not self.state.descending:
            return f"-{key}"
        return key

    def pairs(self, args, drop=(), **changes) -> list[tuple[str, str]]:
        """The query parameters of this list as shown: the filters in ``args`` (a MultiDict,
        e.g. ``request.args``) without the page cursor, the table's state in its canonical
        form, then ``changes``; ``drop`` keys left out (None in ``changes`` removes a key)."""
        skip = {*self.spec.state_keys, *drop, *changes}
        pairs = [(k, v) for k, v in args.items(multi=True) if k not in skip and v != ""]
        table = {**self.state.args(self.spec)}
        if args.get("view"):
            table["view"] = args.get("view")
        pairs += [(k, v) for k, v in table.items() if k not in drop and k not in changes]
        pairs += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
        return pairs

    def link(self, args, drop=(), **changes) -> str:
        """``pairs(...)`` as a query string, for links."""
        return urlencode(self.pairs(args, drop, **changes))

    def cell_attributes(self) -> list[Markup]:
        """The attributes of each shown column's cells (its alignment), built once a page."""
        return [
            Markup(' class="text-{}"').format(a) if (a := self.columns[k].align) else ""
            for k in self.state.columns
        ]

    def hidden_columns(self) -> list[str]:
        return [k for k in self.columns if k not in self.state.columns]


def _ordering(sort_expr, id_column, downward: bool, nullable: bool = True) -> list:
    """ORDER BY the sort value then the id, both in one direction, so one index read
    forwards or backwards serves either; a blank value counts as the smallest (first going
    up, last going down), as SQLite stores it in its indexes. A sort value that is never
    blank gets no NULLS clause: PostgreSQL then reads a plain index either way."""
    if not nullable:
        return [sort_expr.desc(), id_column.desc()] if downward else [sort_expr, id_column]
    if downward:
        return [sort_expr.desc().nulls_last(), id_column.desc()]
    return [sort_expr.asc().nulls_first(), id_column.asc()]


def _beyond(sort_expr, id_column, value, cursor: int, nullable: bool, downward: bool):
    """The rows that come after the cursor row (sort value ``value``, id ``cursor``) read in
    the ``downward`` direction: a row-value comparison an index can serve."""
    if value is None:  # the cursor is among the blanks
        if downward:
            return and_(sort_expr.is_(None), id_column < cursor)
        return or_(sort_expr.is_not(None), and_(sort_expr.is_(None), id_column > cursor))
    row, at = tuple_(sort_expr, id_column), tuple_(literal(value), literal(cursor))
    if not downward:
        return row > at
    return or_(row < at, sort_expr.is_(None)) if nullable else row < at


def keyset_page(
    query: Select,
    model,
    sort_expr,
    state: ListState,
    per_page: int,
    options=(),
    descending: bool | None = None,
    nullable: bool = True,
) -> Page:
    """One page of ``query`` (a select of ``model``, filtered, unordered) sorted on
    ``sort_expr`` (``descending`` defaults to the state's): the first page, the page after
    ``state.after``, before ``state.before``, or the last one. One statement, two with a
    cursor."""
    id_column = model.id
    descending = state.descending if descending is None else descending
    backwards = bool(state.before) or state.last
    cursor = state.before or state.after
    downward = descending != backwards
    if cursor and not state.last:
        value = db.session.execute(select(sort_expr).where(id_column == cursor)).first()
        if value is None:  # a cursor row since deleted: start over
            cursor, backwards, downward = None, False, descending
        else:
            query = query.where(_beyond(sort_expr, id_column, value[0], cursor, nullable, downward))
    offset = (state.page - 1) * per_page if not (cursor or backwards) else 0
    ordering = _ordering(sort_expr, id_column, downward, nullable)
    # The page's ids are chosen on the model's table alone (an index walk that stops at the
    # LIMIT); the relations in ``options`` are joined to those rows only. Joined before the
    # LIMIT, PostgreSQL sorts every matching row with its joins.
    chosen = (
        query.with_only_columns(id_column).order_by(*ordering).limit(per_page + 1).offset(offset)
    )
    rows = list(
        db.session.scalars(
            select(model).where(id_column.in_(chosen)).options(*options).order_by(*ordering)
        ).unique()
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    page = Page(rows=rows, per_page=per_page)
    if rows:
        page.first_id, page.last_id = rows[0].id, rows[-1].id
    if backwards:
        page.has_previous, page.has_next = more, bool(cursor)
    else:
        page.has_previous, page.has_next = bool(cursor or offset), more
    return page
