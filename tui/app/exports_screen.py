"""Exports for an auditor: a report of `export list` (or the whole auditor bundle), a period,
a format, and for the reports of one record its number (the count of an inventory or a
count's result, the discrepancy of a Form 106 draft); written in a worker with a progress bar
of rows done of rows total, then the file's place and its sha256 shown to copy into the
covering letter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from ledger import clock
from ledger.access import Actor
from ledger.errors import InvalidText
from ledger.settings import clinic_timezone
from ledger.units import parse_date
from reports.catalogue import REPORTS, find
from reports.row_count import BUNDLE, pinned_request, rows_to_write
from reports.scope import Request
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

#: The choices: every report of `export list`, then the bundle an auditor is handed.
CHOICES = [(k.name, k.description) for k in REPORTS] + [
    (
        BUNDLE,
        "every DEA report, and the period's counts and Form 106 drafts, as PDF and XLSX, "
        "zipped with a MANIFEST.json of sha256s",
    )
]

FIELDS = [
    ("x-from", "From (YYYY-MM-DD)"),
    ("x-to", "To (YYYY-MM-DD)"),
    ("x-vial", "Vial (optional)"),
    ("x-taken", "Taken (opening/close)"),
    ("x-count", "Count # (optional)"),
    ("x-discrepancy", "Discrepancy # (opt.)"),
    ("x-format", "Format (pdf/xlsx)"),
    ("x-folder", "Save in folder"),
]


def _record_number(typed: str, what: str) -> int | None:
    """A count's or a discrepancy's number as typed; empty means none was asked for."""
    if not typed:
        return None
    if not (typed.isascii() and typed.isdigit()) or len(typed) > 12:
        raise InvalidText(f"the {what} is its number, like 12, not {typed!r}")
    return int(typed)


@dataclass(frozen=True)
class Written:
    path: Path
    sha256: str
    rows: int


class ExportsScreen(FormKeys, Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="exports_back"),
        *form_bindings("exports", "Next / export"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.done = 0
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="exports-body"):
            yield OptionList(*[Option(name, id=name) for name, _ in CHOICES], id="export-choice")
            with Vertical(id="exports-form"):
                yield Plain("", id="export-about")
                with Grid(classes="exports-grid"):
                    for key, label in FIELDS:
                        yield PlainLabel(label, id=f"{key}-label")
                        yield Input(id=key, compact=True)
                yield Button("Export", variant="primary", id="export", compact=True)
                yield ProgressBar(id="export-progress", show_eta=False)
                yield Plain("", id="export-rows")
                yield Plain("", id="export-result")
        yield Footer()

    def on_mount(self) -> None:
        # No bar until an export runs (an empty one would only pulse).
        self.query_one("#export-progress", ProgressBar).display = False
        self.query_one("#x-format", Input).value = "pdf"
        self.query_one("#x-taken", Input).value = "close"
        self.query_one("#x-folder", Input).value = str(Path.cwd())
        choice = self.query_one("#export-choice", OptionList)
        choice.highlighted = 0
        self.set_focus(choice)
        self._read_today()

    @work(thread=True, exclusive=True, group="today", exit_on_error=False)
    def _read_today(self) -> None:
        try:
            zone = clinic_timezone(self.app.db)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        today = clock.local_date(zone, clock.now())
        self.app.call_from_thread(self._fill_period, today.replace(day=1).isoformat(), str(today))

    def _fill_period(self, first: str, today: str) -> None:
        for key, value in (("x-from", first), ("x-to", today)):
            field = self.query_one(f"#{key}", Input)
            if not field.value:
                field.value = value

    def chosen(self) -> str:
        choice = self.query_one("#export-choice", OptionList)
        return CHOICES[choice.highlighted or 0][0]

    def _takes(self, name: str) -> set[str]:
        if name == BUNDLE:
            return {"from"}
        return set(find(name).options) | {"format"}

    @on(OptionList.OptionHighlighted, "#export-choice")
    def _choice_moved(self) -> None:
        """Only the fields the report reads are shown (an inventory takes no start day)."""
        name = self.chosen()
        self.query_one("#export-about", Static).update(f"{name}: {dict(CHOICES)[name]}")
        takes = self._takes(name)
        for key, option in (
            ("x-from", "from"),
            ("x-vial", "vial"),
            ("x-taken", "taken"),
            ("x-count", "count"),
            ("x-discrepancy", "discrepancy"),
            ("x-format", "format"),
        ):
            self.query_one(f"#{key}", Input).display = option in takes
            self.query_one(f"#{key}-label", Label).display = option in takes

    def form_fields(self) -> list[str]:
        shown = [key for key, _ in FIELDS if self.query_one(f"#{key}", Input).display]
        return ["export-choice", *shown]

    def submit_form(self) -> None:
        self._export()

    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        self.query_one("#export-result", Static).update("Counting the rows…")
        self.query_one("#export-result", Static).set_classes("")
        after_typing(self, self._typed)

    def _typed(self) -> None:
        v = {key: self.query_one(f"#{key}", Input).value.strip() for key, _ in FIELDS}
        self._write(self.chosen(), v)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _write(self, name: str, v: dict[str, str]) -> None:
        from reports.bundle import export_bundle
        from reports.export import export_report, sha256_file

        db = self.app.db  # type: ignore[attr-defined]
        takes = self._takes(name)
        try:
            to = parse_date(v["x-to"], "to")
            start = parse_date(v["x-from"], "from") if "from" in takes else to
            count = _record_number(v["x-count"], "count") if "count" in takes else None
            found = (
                _record_number(v["x-discrepancy"], "discrepancy")
                if "discrepancy" in takes
                else None
            )
            asked = Request(
                date_from=start,
                date_to=to,
                vial=(v["x-vial"] or None) if "vial" in takes else None,
                taken=v["x-taken"] or "close",
                count=count,
                discrepancy=found,
            )
            request = pinned_request(db, asked)
            total = rows_to_write(db, self.actor, name, request)
            self.app.call_from_thread(self._started, total)
            fmt = "zip" if name == BUNDLE else (v["x-format"] or "pdf").lower()
            # A record's report is named after the record: two inventories never share a file.
            stem = name + (f"-count-{count}" if count else "")
            stem += f"-discrepancy-{found}" if found else ""
            out = Path(v["x-folder"] or ".").expanduser() / f"{stem}_{start}_{to}.{fmt}"
            if name == BUNDLE:
                export_bundle(db, self.actor, request=request, out=out, progress=self._tick)
                written = Written(out, sha256_file(out), total)
            else:
                result = export_report(
                    db,
                    self.actor,
                    report=name,
                    request=request,
                    fmt=fmt,
                    out=out,
                    progress=self._tick,
                )
                written = Written(result.path, result.sha256, total)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        except OSError as exc:
            # A folder that does not exist or cannot be written: said, never a traceback.
            self.post_message(DatabaseFailed(f"The file could not be written: {exc.strerror}"))
            return
        self.app.call_from_thread(self._finished, written)

    def _tick(self, rows: int) -> None:
        """Called by the renderer (in the worker) every few hundred rows written."""
        self.app.call_from_thread(self._advance, rows)

    def _started(self, total: int) -> None:
        self.done, self.total = 0, total
        # An empty period still finishes: a bar of one step, made when the file is in place.
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(total, 1), progress=0)
        self._show_rows()

    def _advance(self, rows: int) -> None:
        self.done += rows
        self.query_one("#export-progress", ProgressBar).update(progress=min(self.done, self.total))
        self._show_rows()

    def _show_rows(self) -> None:
        self.query_one("#export-rows", Static).update(
            f"{self.done:,} of {self.total:,} rows written"
        )

    def _finished(self, written: Written) -> None:
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=max(self.total, 1), progress=max(self.total, 1))
        self._show_rows()
        result = self.query_one("#export-result", Static)
        result.update(f"Written: {written.path}\nsha256 {written.sha256}")
        result.set_classes("success")

    def on_refused(self, message: Refused) -> None:
        self._failed(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._failed(message.text)

    def _failed(self, text: str) -> None:
        result = self.query_one("#export-result", Static)
        result.update(text)
        result.set_classes("error")
