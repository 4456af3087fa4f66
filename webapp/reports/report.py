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
    empty: str = ""  # what an empty table says; "" for "Nothing in this period."
    highlight: set[int] = field(default_factory=set)  # row indexes to stand out (bottlenecks)
    wide: bool = False  # many columns: shown below its chart, full width, not beside it


@dataclass
class Section:
    """A table, and the chart drawn from it (if any) shown beside it."""

    table: Table
    chart: BarChart | None = None


@dataclass
class Report:
    title: str
    sections: list[Section] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # key figures: (label, text)
    notes: list[str] = field(default_factory=list)
    pipeline: object = None  # the one pipeline a per-stage report shows (scope.chosen_pipeline)

    def add(self, table: Table, chart: BarChart | None = None, wide: bool = False) -> None:
        """A section; ``wide`` (or ``table.wide``) puts the table under its chart."""
        table.wide = table.wide or wide
        self.sections.append(Section(table, chart))

    def table(self, key: str) -> Table | None:
        return next((s.table for s in self.sections if s.table.key == key), None)
