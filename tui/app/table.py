"""A DataTable whose rows never show with the columns' old widths.

Textual's DataTable measures new rows when it is next idle, but caches each rendered line
under a key without the column widths: a frame drawn between `add_row` and that idle
(a busy machine, a worker filling the table) stays on screen with the header's narrow
widths, cutting "2026-01-05 09:00" to "2026". Measuring again bumps the cache's key.
"""

from __future__ import annotations

from textual import events
from textual.widgets import DataTable


class Table(DataTable[object]):
    async def _on_idle(self, event: events.Idle) -> None:
        measuring = self._require_update_dimensions or bool(self._updated_cells)
        await super()._on_idle(event)
        if measuring:
            self._update_count += 1  # the cache key of every rendered line and cell
            self.refresh()
