"""What a report is made of: charts and tables (the same figures twice, so every chart has
its table beside it, and every table downloads as CSV)."""

from dataclasses import dataclass, field

from .charts import BarChart

# How a column's values are shown: money, whole counts, days (one decimal), percentages.
KINDS = ("text", "money", "count", "days", "percent", "date")


@dataclass(frozen=True)
class Link:
    """A cell that links to a page (a deal, an owner's filtered report)."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class TableColumn:
    label: str
    kind: str = "text"


@dataclass
class Table:
    """Rows of figures; ``key`` names its CSV file and selects it in ``?table=``."""

    key: str
    title: str
    columns: list[TableColumn]
    rows: list[list]
    footer: list | None = None
    empty: str = "Nothing in this period."
    highlight: set[int] = field(default_factory=set)  # row indexes to stand out (bottlenecks)


@dataclass
class Section:
    """A table, and the chart drawn from it (if any) shown beside it."""

    table: Table
    chart: BarChart | None = None
    wide: bool = False  # a table too wide to sit beside its chart goes under it


@dataclass
class Report:
    title: str
    sections: list[Section] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # key figures: (label, text)
    notes: list[str] = field(default_factory=list)

    def add(self, table: Table, chart: BarChart | None = None, wide: bool = False) -> None:
        self.sections.append(Section(table, chart, wide))

    def table(self, key: str) -> Table | None:
        return next((s.table for s in self.sections if s.table.key == key), None)
