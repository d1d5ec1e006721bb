"""A DataTable that shows what the ledger holds as plain text, drawn at its measured widths.

Plain text: see tui/app/plain.py; handing cells over as `Text` is also cheaper to measure
(no markup parse).

Measured widths: DataTable measures new rows when it is next idle, but caches each rendered
line under a key without the column widths: a frame drawn between `add_row` and that idle
(a busy machine, a worker filling the table) stays on screen with the header's narrow
widths, cutting "2026-01-05 09:00" to "2026". Measuring again bumps the cache's key.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from tui.app.plain import plain


class Table(DataTable[object]):
    def add_row(self, *cells: object, **kwargs: Any) -> RowKey:
        return super().add_row(*(plain(c) for c in cells), **kwargs)

    def update_cell(self, row_key: Any, column_key: Any, value: object, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, plain(value), **kwargs)

    async def _on_idle(self, event: events.Idle) -> None:
        measuring = self._require_update_dimensions or bool(self._updated_cells)
        await super()._on_idle(event)
        if measuring:
            self._update_count += 1  # the cache key of every rendered line and cell
            self.refresh()
