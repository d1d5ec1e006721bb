"""The ledger browser: every movement newest first, narrowed by kind, product, vial, patient,
user and the clinic's dates, paged from the database by keyset (never the whole history); a
movement is reversed from here, its reason and witness asked in a modal."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from ledger.access import Actor
from ledger.queries.ledger_browser import BrowsedLine, MovementFilter, movement_page
from ledger.settings import clinic_timezone
from ledger.units import parse_date
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.log_rows import NARROW_COLUMNS, WIDE_COLUMNS, cells, detail, is_wide
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain
from tui.app.table import Table
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

#: Rows per page: about two screenfuls at 120x36. Only this many are ever loaded.
PAGE = 50

#: The filter fields, in the order Tab walks them: (id, placeholder).
FILTERS = [
    ("f-kind", "kind"),
    ("f-product", "product"),
    ("f-vial", "vial"),
    ("f-patient", "MRN"),
    ("f-user", "user"),
    ("f-from", "from date"),
    ("f-to", "to date"),
]


class LogScreen(FormKeys, Screen[None]):
    BINDINGS = [
        Binding("n", "older", "Older", id="older"),
        Binding("p", "newer", "Newer", id="newer"),
        # Priority, so the focus has moved before the next key is handed on; typed in a filter
        # field these keys are just text (see _typed_in_filter).
        Binding("slash", "filter", "Filter", id="ledger_filter", priority=True),
        Binding("v", "reverse", "Reverse", id="ledger_reverse", priority=True),
        Binding("escape", "back", "Back", id="back"),
        *form_bindings("ledger", "Apply filter", show_enter=False),
    ]

    def __init__(self, actor: Actor, *, may_reverse: bool = False, vial: str = "") -> None:
        """`vial`: opened on that vial's movements (a used-up vial's label scanned)."""
        super().__init__()
        self.actor = actor
        self.may_reverse = may_reverse
        #: Keyset bounds of the pages seen (newest first): the `before_id` of each.
        self.pages: list[int | None] = []
        self.oldest_shown: int | None = None
        self.zone: ZoneInfo | None = None
        self.narrowed = MovementFilter(vial=vial)
        self.lines: dict[str, BrowsedLine] = {}
        #: All the columns (wide enough), or the ones that matter with the rest underneath.
        self.wide = True
        #: Keys typed while a page is read wait for it (the app holds them): a Down typed
        #: after Enter on a filter moves down the new page, not the one about to go. The
        #: dashboard holds them for the first page.
        self.keys_wait = True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Ledger, newest first · / filter, Enter applies", id="log-title")
        with Horizontal(id="log-filters"):
            for key, placeholder in FILTERS:
                typed = self.narrowed.vial if key == "f-vial" else ""
                yield Input(typed, placeholder=placeholder, id=key, compact=True)
        yield Table(id="log", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="log-detail")
        yield Plain("", id="log-status", classes="error")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reverse":
            return self.may_reverse
        return super().check_action(action, parameters)  # a form's editing keys: in a field

    def on_mount(self) -> None:
        table = self.query_one("#log", DataTable)
        self._lay_out(is_wide(self.app.size.width))
        self.set_focus(table)
        self._load(None)

    def on_resize(self, event: events.Resize) -> None:
        if is_wide(event.size.width) != self.wide:
            self._lay_out(is_wide(event.size.width))

    def _lay_out(self, wide: bool) -> None:
        """The columns for the screen's width, and the rows loaded drawn again in them."""
        self.wide = wide
        self.set_class(not wide, "narrow")
        table = self.query_one("#log", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns(*(WIDE_COLUMNS if wide else NARROW_COLUMNS))
        self._fill(table)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    # -- filters ---------------------------------------------------------------------------

    def _typed_in_filter(self, char: str) -> bool:
        """A key bound here but typed in a filter field goes into the field, as typed."""
        here = self.focused
        if isinstance(here, Input):
            here.insert_text_at_cursor(char)
            return True
        return False

    def action_filter(self) -> None:
        if self._typed_in_filter("/"):
            return
        self.set_focus(self.query_one("#f-kind", Input))

    def form_fields(self) -> list[str]:
        return []  # Enter in any filter applies them all

    def action_enter(self) -> None:
        # Not the form's own Enter: that lets held keys go as soon as the filters are read,
        # and those keys are meant for the page the filters ask for.
        self.submit_form()

    def submit_form(self) -> None:
        if not isinstance(self.focused, Input):
            return  # Enter on a row does nothing: reversing is a deliberate "v"
        # What comes after Enter is meant for the page it asks for: held from now until that
        # page is shown (or refused). Typed fast, the last field may still hold keys: the
        # filters are read once it has them.
        self.app.hold_keys()  # type: ignore[attr-defined]
        self.keys_wait = True
        after_typing(self, self._apply_filters)

    def _apply_filters(self) -> None:
        table = self.query_one("#log", DataTable)
        text = {key: self.query_one(f"#{key}", Input).value.strip() for key, _ in FILTERS}
        try:
            narrowed = MovementFilter(
                kind=text["f-kind"],
                product=text["f-product"],
                vial=text["f-vial"],
                patient=text["f-patient"],
                user=text["f-user"],
                date_from=parse_date(text["f-from"], "from") if text["f-from"] else None,
                date_to=parse_date(text["f-to"], "to") if text["f-to"] else None,
            )
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            self._keys_go_on()
            return
        self.narrowed = narrowed
        self.pages = []
        self.set_focus(table)
        self._load(None)

    def action_back(self) -> None:
        if self.focused is not None and self.focused.id in {key for key, _ in FILTERS}:
            self.set_focus(self.query_one("#log", DataTable))
        else:
            self.app.pop_screen()

    # -- paging ----------------------------------------------------------------------------

    def action_older(self) -> None:
        if self.oldest_shown is not None and self.oldest_shown > 1:
            self._load(self.oldest_shown)

    def action_newer(self) -> None:
        if len(self.pages) > 1:
            self.pages.pop()
            self._load(self.pages.pop())

    def reload(self) -> None:
        """The page on screen again (after a reversal), from the same keyset bound; the
        line saying what was done stays."""
        self._load(self.pages.pop() if self.pages else None, keep_status=True)

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def _load(self, before_id: int | None, keep_status: bool = False) -> None:
        try:
            try:
                db = self.app.db  # type: ignore[attr-defined]
                if self.zone is None:
                    self.zone = ZoneInfo(clinic_timezone(db))
                rows = movement_page(db, self.actor, self.narrowed, before_id=before_id, limit=PAGE)
            except LEDGER_FAILURES as exc:
                self.post_message(failure_message(exc))
                return
            # Returns once the page is on screen: the keys held go on to it, not before.
            self.app.call_from_thread(self._show, rows, before_id, keep_status)
        finally:
            self._keys_go_on()  # shown, refused or failed: never leave the keyboard held

    def _keys_go_on(self) -> None:
        """The keys held for the page go on (thread-safe: a message to the app)."""
        if self.keys_wait:
            self.keys_wait = False
            self.app.post_message(KeysReady())

    def on_refused(self, message: Refused) -> None:
        self._status(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text)

    def _status(self, text: str, *, ok: bool = False) -> None:
        status = self.query_one("#log-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    def _show(self, rows: list[BrowsedLine], before_id: int | None, keep_status: bool) -> None:
        table = self.query_one("#log", DataTable)
        if not rows:
            if before_id is None:
                table.clear()
                self.lines = {}
                self.query_one("#log-detail", Static).update("")
                self._status("No movements match.")
            else:
                self._status("Nothing older: start of the ledger.")
            return
        self.pages.append(before_id)
        if not keep_status:
            self._status("")
        table.clear()
        self.lines = {str(b.line.id): b for b in rows}
        self._fill(table)
        self.oldest_shown = rows[-1].line.id

    def _fill(self, table: DataTable[object]) -> None:
        for key, b in self.lines.items():
            table.add_row(*cells(b, self.zone, wide=self.wide), key=key)

    @on(DataTable.RowHighlighted, "#log")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        b = self.lines.get(str(event.row_key.value))
        if b is None:
            return
        self.query_one("#log-detail", Static).update(detail(b, self.zone, wide=self.wide))

    def _current(self) -> BrowsedLine | None:
        table = self.query_one("#log", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.lines.get(str(key))

    # -- reversing -------------------------------------------------------------------------

    def action_reverse(self) -> None:
        from tui.app.reverse_screen import ReverseScreen

        if self._typed_in_filter("v") or not self.may_reverse:
            return
        chosen = self._current()
        if chosen is None:
            return

        def reversed_(summary: str | None) -> None:
            if summary:
                self._status(summary, ok=True)
                self.reload()

        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(ReverseScreen(self.actor, chosen.line), reversed_)
