"""A small bar chart of mg administered per week: one column per week, its mg above it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ledger.queries.weekly import WeekGiven

#: Eighths of a block, lowest first; two rows of them give 16 steps.
_BLOCKS = " ▁▂▃▄▅▆▇█"
ROWS = 2
#: Characters per week: "12/01" and a space.
COLUMN = 6


def _mg(ug: int) -> str:
    # Whole mg on the chart (the exact figure is in the ledger and the reports).
    return str((ug + 500) // 1000)


class WeekChart(Static):
    """Bars scaled to the busiest week; the weeks' Mondays underneath (day/month)."""

    DEFAULT_CSS = """
    WeekChart {
        height: 4;
    }
    """

    def show(self, weeks: list[WeekGiven]) -> None:
        peak = max((w.given_ug for w in weeks), default=0)
        steps = ROWS * 8
        heights = [
            0 if not peak else (w.given_ug * steps + peak - 1) // peak for w in weeks
        ]  # any dose at all shows at least a sliver
        lines = [Text("".join(_mg(w.given_ug).rjust(COLUMN - 1) + " " for w in weeks))]
        for row in reversed(range(ROWS)):
            line = ""
            for h in heights:
                eighths = min(max(h - row * 8, 0), 8)
                line += " " + _BLOCKS[eighths] * (COLUMN - 2) + " "
            lines.append(Text(line, style="bold"))
        lines.append(Text("".join(f"{w.monday:%m/%d} " for w in weeks), style="dim"))
        self.update(Text("\n").join(lines))
