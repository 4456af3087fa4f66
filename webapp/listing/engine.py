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

from sqlalchemy import Select, and_, or_, select

from ..extensions import db
from ..inputs import integer

MAX_COLUMNS = 40
MIN_WIDTH, MAX_WIDTH = 40, 1200


@dataclass(frozen=True)
class Column:
    """One column a list may show. ``sort`` builds the ORDER BY expression (None: not
    sortable); ``align`` is "end" for numbers."""

    key: str
    label: str
    sort: Callable | None = None
    align: str = ""

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
        "cols", "col", "widths", "sort", "after", "before", "last", "view"
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

    def hidden_columns(self) -> list[str]:
        return [k for k in self.columns if k not in self.state.columns]


def _ordering(sort_expr, descending: bool, id_column, *, reverse: bool) -> list:
    """ORDER BY (nulls last, ties by ascending id); ``reverse`` reads the same order
    backwards (for the previous and last pages)."""
    down = descending != reverse
    nulls = sort_expr.is_(None)
    return [
        nulls.desc() if reverse else nulls.asc(),
        sort_expr.desc() if down else sort_expr.asc(),
        id_column.desc() if reverse else id_column.asc(),
    ]


def _beyond(sort_expr, value, descending: bool, id_column, cursor: int, *, backwards: bool):
    """The rows after (``backwards``: before) the cursor row whose sort value is ``value``,
    in the order of ``_ordering``."""
    if backwards:
        if value is None:
            return or_(sort_expr.is_not(None), and_(sort_expr.is_(None), id_column < cursor))
        further = sort_expr > value if descending else sort_expr < value
        return and_(sort_expr.is_not(None), or_(further, and_(sort_expr == value, id_column < cursor)))
    if value is None:
        return and_(sort_expr.is_(None), id_column > cursor)
    further = sort_expr < value if descending else sort_expr > value
    return or_(sort_expr.is_(None), further, and_(sort_expr == value, id_column > cursor))


def keyset_page(
    query: Select,
    model,
    sort_expr,
    state: ListState,
    per_page: int,
    options=(),
    descending: bool | None = None,
) -> Page:
    """One page of ``query`` (a select of ``model``, filtered, unordered) sorted on
    ``sort_expr`` (``descending`` defaults to the state's): the first page, the page after
    ``state.after``, before ``state.before``, or the last one. One statement, two with a
    cursor."""
    id_column = model.id
    descending = state.descending if descending is None else descending
    backwards = bool(state.before) or state.last
    cursor = state.before or state.after
    if cursor and not state.last:
        found = db.session.execute(select(sort_expr, id_column).where(id_column == cursor)).first()
        if found is None:  # a cursor row since deleted: start over
            cursor, backwards = None, False
        else:
            query = query.where(
                _beyond(sort_expr, found[0], descending, id_column, cursor, backwards=backwards)
            )
    rows = list(
        db.session.scalars(
            query.options(*options)
            .order_by(*_ordering(sort_expr, descending, id_column, reverse=backwards))
            .limit(per_page + 1)
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
        page.has_previous, page.has_next = bool(cursor), more
    return page


def link_args(args, drop=(), **changes) -> str:
    """The query string of ``args`` (a MultiDict, e.g. ``request.args``) without the page
    cursor and the ``drop`` keys, with ``changes`` (None removes a key)."""
    skip = {"after", "before", "last", "col", *drop, *changes}
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in skip and v != ""]
    pairs += [(k, v) for k, v in changes.items() if v not in (None, "")]
    return urlencode(pairs)
