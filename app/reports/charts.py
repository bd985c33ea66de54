"""Bar charts drawn on the server as SVG: no script, no CDN. The chart is a picture of a Table
that is always shown beside it, so the figures stay readable as text."""

from dataclasses import dataclass

from .services import Table

WIDTH = 640
LABEL_WIDTH = 300
VALUE_WIDTH = 60
BAR_HEIGHT = 22
ROW_HEIGHT = 30
LABEL_CHARACTERS = 32


@dataclass
class Bar:
    label: str
    value: int
    y: int
    width: float


@dataclass
class BarChart:
    key: str
    title: str
    bars: list[Bar]
    unit: str
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return ROW_HEIGHT * len(self.bars) + 10


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def bar_chart(table: Table) -> BarChart | None:
    """The table's chart column as horizontal bars; percentages are drawn against 100."""
    if table.chart is None or not table.rows:
        return None
    label_index, value_index = table.chart
    percent = table.columns[value_index].kind == "percent"
    values = [row[value_index] or 0 for row in table.rows]
    scale = 100 if percent else max(max(values), 1)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = [
        Bar(_short(str(row[label_index])), value, 5 + index * ROW_HEIGHT, room * value / scale)
        for index, (row, value) in enumerate(zip(table.rows, values, strict=False))
    ]
    return BarChart(table.key, table.title, bars, " %" if percent else "")
