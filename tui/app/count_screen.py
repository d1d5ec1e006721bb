"""The blind count: the vials on the shelf (label, product, lot, expiry, sealed or open), and
what the counter finds for each, by keyboard. No book amount is shown here, ever: the book
appears in the variance review, after submission.

Keys on the list: p present, m missing (a sealed vial); Enter on an open vial takes the mL
read off its graduations; s submits; n starts a count.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.queries.counting import CountHead, CountSheet, count_sheet, recent_counts
from ledger.services.counts import record_line, submit_count
from ledger.settings import clinic_timezone
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


class CountTable(DataTable[str], inherit_bindings=False):
    """The list of vials, moved with the arrows. Enter is left to the screen (it records the
    mL typed), so every key the counter types is taken in the order typed."""

    BINDINGS = [b for b in DataTable.BINDINGS if isinstance(b, Binding) and b.key != "enter"]


#: Keys of the mL reading, typed straight onto the list.
DIGITS = {str(n): str(n) for n in range(10)} | {"full_stop": ".", "comma": "."}


class CountScreen(Screen[None]):
    # No priority bindings: every key, arrows, digits and letters alike, is taken in the
    # order typed (through the list, then the screen), so a quick counter's reading never
    # lands on the vial before or after the one meant.
    BINDINGS = [
        Binding("escape", "back", "Back", id="count_back"),
        Binding("enter,ctrl+j", "enter", "Record mL", id="count_enter", show=False),
        Binding("backspace", "erase", "Erase a digit", id="count_erase", show=False),
        *[
            Binding(key, f"digit('{d}')", id=f"count_digit_{key}", show=False)
            for key, d in DIGITS.items()
        ],
        Binding("p", "present", "Present", id="count_present"),
        Binding("m", "missing", "Missing", id="count_missing"),
        Binding("s", "submit", "Submit", id="count_submit"),
        Binding("n", "start", "New count", id="count_start"),
        Binding("v", "review", "Review last", id="count_review", show=False),
        Binding("d", "discrepancies", "Discrepancies", id="count_discrepancies", show=False),
        Binding("f5", "reload", "Reload", id="count_reload", show=False),
    ]

    def __init__(
        self, actor: Actor, count_id: int | None = None, *, recount: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self.actor = actor
        self.count_id = count_id
        #: Vials the last count asked to count again: listed first and marked.
        self.recount = recount
        self.sheet: CountSheet | None = None
        self.last_submitted: int | None = None
        self.zone: ZoneInfo | None = None
        #: Submitting with vials not yet counted asks for a second "s".
        self.confirming = False
        #: The open vial whose mL is being typed, and what was typed so far.
        self.reading_for: str | None = None
        self.typed = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Reading the count…", id="count-title", classes="section")
        yield Plain(
            "p present · m missing · open vial: type the mL read (3.2), Enter · s submit",
            id="count-help",
        )
        yield CountTable(id="count-vials", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="count-ml")
        yield Plain("", id="count-status")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("present", "missing", "submit"):
            return self.sheet is not None and self.sheet.head.submitted_at is None
        if action == "review":
            return self.last_submitted is not None
        return True

    def on_mount(self) -> None:
        self.query_one("#count-vials", DataTable).add_columns(
            "Vial", "Product", "Lot", "Expires", "Sealed/open", "Counted"
        )
        self.set_focus(self.query_one("#count-vials", DataTable))
        self.action_reload()

    # -- loading ------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self._load(self.count_id)

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _load(self, count_id: int | None) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            zone = ZoneInfo(clinic_timezone(db))
            heads = recent_counts(db, self.actor) if count_id is None else []
            if count_id is None:
                count_id = next((h.id for h in heads if h.submitted_at is None), None)
            sheet = count_sheet(db, self.actor, count_id) if count_id is not None else None
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._loaded, zone, sheet, heads)

    def _loaded(self, zone: ZoneInfo, sheet: CountSheet | None, heads: list[CountHead]) -> None:
        self.zone = zone
        if heads:
            self.last_submitted = next((h.id for h in heads if h.submitted_at), None)
        if sheet is not None and sheet.head.submitted_at is not None:
            self._open_review(sheet.head.id)  # a submitted count is read in its review
            return
        self.sheet = sheet
        self.count_id = sheet.head.id if sheet else None
        self._show()
        self.refresh_bindings()

    def _title(self) -> str:
        if self.sheet is None:
            later = f" · v reviews count {self.last_submitted}" if self.last_submitted else ""
            return f"No count is open: n starts one{later}"
        h = self.sheet.head
        started = h.started_at.astimezone(self.zone)
        at = f" at {h.at}" if h.at else ""
        witness = f" · witness {h.witness}" if h.witness else " · no witness named"
        done = sum(1 for v in self.sheet.vials if v.label in self.sheet.readings)
        return (
            f"Count {h.id} · {h.kind}{at} · {started:%Y-%m-%d %H:%M} by {h.started_by}"
            f"{witness} · {done} of {len(self.sheet.vials)} counted"
        )

    def _show(self) -> None:
        self.query_one("#count-title", Static).update(self._title())
        table = self.query_one("#count-vials", DataTable)
        keep = self._current()
        table.clear()
        if self.sheet is None:
            return
        vials = sorted(self.sheet.vials, key=lambda v: (v.label not in self.recount, v.label))
        for v in vials:
            reading = self.sheet.readings.get(v.label, "")
            if not reading and v.label in self.recount:
                reading = "(recount)"
            table.add_row(
                v.label,
                v.product,
                v.lot,
                v.expires.isoformat(),
                "sealed" if v.sealed else "open",
                reading,
                key=v.label,
            )
        if keep is not None and keep in {v.label for v in vials}:
            table.move_cursor(row=table.get_row_index(keep))

    def _current(self) -> str | None:
        table = self.query_one("#count-vials", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _sealed(self, label: str) -> bool:
        assert self.sheet is not None
        return next(v.sealed for v in self.sheet.vials if v.label == label)

    # -- recording ----------------------------------------------------------------------------
    def action_present(self) -> None:
        self._reading("present")

    def action_missing(self) -> None:
        self._reading("missing")

    def _reading(self, reading: str) -> None:
        label = self._current()
        if label is None or self.count_id is None:
            return
        self._next_row(label)  # on at once: a quick counter's next key is for the next vial
        self._record(self.count_id, label, reading, None)

    def action_digit(self, digit: str) -> None:
        label = self.reading_for or self._current()
        if label is None or self.sheet is None or self.sheet.head.submitted_at is not None:
            return
        if self._sealed(label):
            self._status(f"{label} is sealed: p if it is there, m if it is missing")
            return
        self._show_typed(label, self.typed + digit)

    def action_erase(self) -> None:
        if self.reading_for is not None:
            self._show_typed(self.reading_for, self.typed[:-1])

    def action_enter(self) -> None:
        label, text = self.reading_for, self.typed
        if label is None or not text or self.count_id is None:
            current = self._current()
            if current is not None and self.sheet is not None and not self._sealed(current):
                self._status(f"Type the mL read off {current}, then Enter")
            return
        self._show_typed(None, "")
        self._next_row(label)
        self._record(self.count_id, label, f"{text}mL", text)

    def _show_typed(self, label: str | None, typed: str) -> None:
        """The reading being typed, under the list, for the vial it is for."""
        self.reading_for = label if typed else None
        self.typed = typed if label else ""
        line = self.query_one("#count-ml", Static)
        line.update(f"{label} mL read: {typed}▏ (Enter records, Esc clears)" if self.typed else "")

    def _next_row(self, label: str) -> None:
        table = self.query_one("#count-vials", DataTable)
        table.move_cursor(row=table.get_row_index(label) + 1)

    @work(thread=True, exit_on_error=False)
    def _record(self, count_id: int, label: str, reading: str, typed: str | None) -> None:
        try:
            line = record_line(self.app.db, self.actor, count_id, vial=label, reading=reading)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            self.app.call_from_thread(self._not_recorded, label, typed)
            return
        shown = f"{line['counted_ml']} mL" if "counted_ml" in line else str(line["reading"])
        self.app.call_from_thread(self._recorded, label, shown)

    def _recorded(self, label: str, shown: str) -> None:
        """The counter's own reading in the row."""
        assert self.sheet is not None
        self.sheet.readings[label] = shown
        self.confirming = False
        table = self.query_one("#count-vials", DataTable)
        table.update_cell(label, table.ordered_columns[-1].key, shown, update_width=True)
        self.query_one("#count-title", Static).update(self._title())
        self._status(f"{label}: {shown}", ok=True)

    def _not_recorded(self, label: str, typed: str | None) -> None:
        """Back to the vial refused, with the mL typed for it, to correct and Enter again."""
        table = self.query_one("#count-vials", DataTable)
        table.move_cursor(row=table.get_row_index(label))
        if typed is not None:
            self._show_typed(label, typed)

    # -- submitting ---------------------------------------------------------------------------
    def action_submit(self) -> None:
        if self.sheet is None or self.count_id is None:
            return
        left = [v.label for v in self.sheet.vials if v.label not in self.sheet.readings]
        if left and not self.confirming:
            self.confirming = True
            self._status(
                f"{len(left)} vial(s) not counted yet ({', '.join(left[:4])}"
                f"{'…' if len(left) > 4 else ''}): s again submits them as not counted"
            )
            return
        self.confirming = False
        self._status("Submitting…", ok=True)
        self.app.hold_keys()  # type: ignore[attr-defined]  # for the review, or here if refused
        self._submit(self.count_id)

    @work(thread=True, exclusive=True, group="submit", exit_on_error=False)
    def _submit(self, count_id: int) -> None:
        try:
            submit_count(self.app.db, self.actor, count_id)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            self.app.post_message(KeysReady())
            return
        except Exception:
            self.app.post_message(KeysReady())  # never leave the keyboard held
            raise
        self.app.call_from_thread(self._open_review, count_id)

    def _open_review(self, count_id: int) -> None:
        from tui.app.count_review_screen import CountReviewScreen

        self.app.switch_screen(CountReviewScreen(self.actor, count_id))

    # -- elsewhere ----------------------------------------------------------------------------
    def action_start(self) -> None:
        from tui.app.count_start_modal import CountStartModal

        def started(count_id: int | None) -> None:
            if count_id is not None:
                self.count_id = count_id
                self.recount = frozenset()
                self._status(f"Count {count_id} started", ok=True)
                self.action_reload()

        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(CountStartModal(self.actor), started)

    def action_review(self) -> None:
        if self.last_submitted is not None:
            self._open_review(self.last_submitted)

    def action_discrepancies(self) -> None:
        from tui.app.discrepancy_screen import DiscrepancyScreen

        self.app.push_screen(DiscrepancyScreen(self.actor))

    def action_back(self) -> None:
        if self.typed:
            self._show_typed(None, "")
            return
        self.app.pop_screen()

    def _status(self, text: str, *, ok: bool = False) -> None:
        status = self.query_one("#count-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    def on_refused(self, message: Refused) -> None:
        # What was typed stays in the mL field: correct it and Enter again.
        self._status(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text)
