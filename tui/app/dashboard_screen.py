"""The dashboard: stock on hand per product, today's infusions, the 12-week chart, what needs
attention, and the ledger's health."""

from __future__ import annotations

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.check import run_check
from ledger.queries.alerts import Alert
from ledger.queries.scanned_vial import ScannedVial, scanned_vial
from ledger.queries.stock import StockOnHand
from ledger.queries.todays_infusions import TodaysInfusion
from ledger.queries.weekly import WeekGiven
from ledger.units import mg_text, syringe_ml_text
from tui.app.billing_desk import BILLING_EXPORT, BILLING_READ, BILLING_WRITE
from tui.app.dashboard_opening import Opening, Sections, read_sections
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain
from tui.app.scan_keys import ScanKeys
from tui.app.session_info import SessionInfo, session_info
from tui.app.table import Table
from tui.app.week_chart import WeekChart
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


class DashboardScreen(Screen[None]):
    # Priority: run on the app's task, so keys typed right after "i" wait for the form.
    # Number keys are the areas, in the order of the clinic's day; letters are kept for
    # the hands that learnt them.
    BINDINGS = [
        # Not in the footer (this is the dashboard): its room goes to Exports and Admin at 80.
        Binding("1", "refresh", "Dashboard", id="area_dashboard", priority=True, show=False),
        Binding("2,i", "record_infusion", "Infusion", id="record_infusion", priority=True),
        Binding("3", "receive", "Receive", id="receive", priority=True),
        Binding("4", "show_vials", "Vials", id="show_vials", priority=True),
        Binding("5,l", "show_log", "Ledger", id="show_log", priority=True),
        Binding("6", "show_exports", "Exports", id="show_exports", priority=True),
        Binding("7", "show_admin", "Admin", id="show_admin", priority=True),
        Binding("8", "show_counts", "Counts", id="show_counts", priority=True),
        # In the palette and on "d"; the counts area reaches them too.
        Binding("d", "show_discrepancies", "Discrepancies", id="show_discrepancies", show=False),
        # Billing staff see their area in the footer; those who only read billing (registrant,
        # manager, auditor) reach it on the same keys and in the palette, so their footer
        # still fits 80 columns. Of two bindings on one key the first one allowed runs.
        Binding("9,b", "show_billing", "Billing", id="show_billing", priority=True),
        Binding("9,b", "read_billing", "Billing", id="read_billing", priority=True, show=False),
        # In the palette and on "c"; the footer keeps its room for the areas at 80 columns.
        Binding("c", "run_check", "Check ledger", id="run_check", priority=True, show=False),
        Binding("r", "refresh", "Refresh", id="refresh", priority=True, show=False),
        Binding("o", "app.log_out", "Log out", id="log_out", priority=True),
        # Quit stays in the palette; the footer keeps its room for the areas at 80 columns.
        Binding("q", "app.quit", "Quit", id="quit", priority=True, show=False),
    ]

    #: What each action needs (ledger/access.py PERMISSIONS): what a user may not do is not
    #: shown. The services refuse on their own all the same.
    NEEDS = {
        "record_infusion": "infusion.record",
        "receive": "receive",
        "show_log": "ledger.read",
        "show_vials": "ledger.read",
        "show_exports": "export",
        "show_admin": "user.manage",
        "show_counts": "count",
        "show_discrepancies": "ledger.read",
        "show_billing": BILLING_WRITE,
    }

    def __init__(self, actor: Actor, opening: Opening | None = None) -> None:
        super().__init__()
        self.actor = actor
        #: The first sections, read by the login (dashboard_opening.py); None: read here.
        self.opening = opening
        self.info: SessionInfo | None = None
        self.alerts: list[Alert] = []
        self.today: list[TodaysInfusion] = []
        #: A barcode scanner's burst under way: its digits are a label, not area keys.
        self.scan = ScanKeys()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "read_billing":
            return (
                self.info is not None
                and self.info.may(BILLING_READ)
                and not self.info.may(BILLING_WRITE)
            )
        need = self.NEEDS.get(action)
        if need is None:
            return True
        return self.info is not None and self.info.may(need)

    def compose(self) -> ComposeResult:
        yield Header()
        # Scrolls when a short terminal cannot hold it all: Tab to a table brings it into view.
        with VerticalScroll(can_focus=False):
            yield Plain("", id="who")
            yield Plain("Stock on hand", classes="section")
            yield Table(id="products", cursor_type="row", zebra_stripes=True)
            yield Plain("Today's infusions", id="today-title", classes="section")
            yield Table(id="today", cursor_type="row", zebra_stripes=True)
            yield Plain("mg administered per week, last 12 weeks", classes="section")
            yield WeekChart(id="weeks")
            yield Plain("Needs attention", classes="section")
            yield Table(id="alerts", cursor_type="row")
            yield Plain("", id="health")
            yield Plain("", id="status")
        # Compact: a nurse's or registrant's areas and "o Log out" fit in 80 columns.
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#who", Static).update(f"Logged in as {self.actor.username}")
        products = self.query_one("#products", DataTable)
        products.add_columns("Product", "NDC", "On hand mg", "mL", "Sealed", "Open")
        self.query_one("#today", DataTable).add_columns(
            "Time", "Patient", "Given mg", "Waste mg", "Vial", "By / witness", "Note"
        )
        opening, self.opening = self.opening, None
        if opening is None:
            self._who()
            self.action_refresh()
        else:  # read by the login's worker: shown in the screen's first frame
            self._show_who(opening.info)
            self._show_all(opening.sections)

    @work(thread=True, exclusive=True, group="who", exit_on_error=False)
    def _who(self) -> None:
        try:
            info = session_info(self.app.db, self.actor)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show_who, info)

    def _show_who(self, info: SessionInfo) -> None:
        self.info = info
        self.query_one("#who", Static).update(
            f"Logged in as {info.username} ({info.roles_text()}) · registration {info.registration}"
        )
        self.app.show_session(info)  # type: ignore[attr-defined]
        self.refresh_bindings()

    def action_refresh(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def _load(self) -> None:
        """Every section read in one worker and shown in one go: one layout pass, not four,
        and no four threads taking turns at the interpreter while the user waits."""
        db = self.app.db  # type: ignore[attr-defined]
        try:
            sections = read_sections(db, self.actor)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show_all, sections)

    def _show_all(self, sections: Sections) -> None:
        with self.app.batch_update():
            self._show_stock(sections.stock)
            self._show_today(sections.given)
            self._show_weeks(sections.weeks)
            self._show_alerts(sections.found)

    def _show_weeks(self, weeks: list[WeekGiven]) -> None:
        self.query_one("#weeks", WeekChart).show(weeks)

    def _show_stock(self, stock: StockOnHand) -> None:
        products = self.query_one("#products", DataTable)
        products.clear()
        for p in stock.products:
            products.add_row(
                p.name,
                p.ndc,
                mg_text(p.balance_ug),
                syringe_ml_text(p.balance_ug, p.strength_ug_per_ml),
                str(p.sealed),
                str(p.open),
                key=p.ndc,
            )

    def _show_today(self, given: list[TodaysInfusion]) -> None:
        table = self.query_one("#today", DataTable)
        table.clear()
        self.today = given
        for n, t in enumerate(given):
            note = ", ".join(
                word
                for word, flagged in (
                    ("REVERSED", t.reversed),
                    ("late entry", t.late),
                    ("over order", t.over_order),
                )
                if flagged
            )
            table.add_row(
                f"{t.at:%H:%M}",
                f"{t.patient} · {t.mrn}",
                mg_text(t.given_ug),
                mg_text(t.wasted_ug),
                t.vial,
                f"{t.nurse} / {t.witness}" if t.witness else t.nurse,
                note,
                key=str(n),
            )
        live = [t for t in given if not t.reversed]
        total = sum(t.given_ug for t in live)
        self.query_one("#today-title", Static).update(
            f"Today's infusions: {len(live)}, {mg_text(total)} mg given"
            if given
            else "Today's infusions: none yet"
        )

    @on(DataTable.RowSelected, "#today")
    def _open_infusion(self, event: DataTable.RowSelected) -> None:
        # The vial's proof of use lists the infusion with the balance it left.
        self.action_show_vials(at=self.today[int(str(event.row_key.value))].vial)

    def _show_alerts(self, found: list[Alert]) -> None:
        """The alerts query's list; Enter on one opens what it is about."""
        table = self.query_one("#alerts", DataTable)
        table.clear(columns=True)  # as wide as today's alerts
        # The sentence names the kind and the thing: at 80 columns it is all there is room for.
        table.add_columns("Due", "What needs doing")
        self.alerts = found
        for n, a in enumerate(found):
            due = a.due.isoformat() if a.due else ""
            table.add_row(due, a.message, key=str(n))

    @on(DataTable.RowSelected, "#alerts")
    def _open_alert(self, event: DataTable.RowSelected) -> None:
        from tui.app.alert_target import open_alert

        open_alert(self, self.alerts[int(str(event.row_key.value))])

    # -- a vial label scanned -------------------------------------------------------------

    def take_scan_key(self, key: events.Key) -> bool:
        """Called by the app before the bindings: True if `key` is part of a scan."""
        taken = self.scan.take(key, is_command=key.key in self.app.active_bindings)
        if isinstance(taken, str):
            self._look_up_scan(taken)
            return True
        return taken

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def _look_up_scan(self, scanned: str) -> None:
        try:
            vial = scanned_vial(self.app.db, self.actor, scanned)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._open_scanned, vial)

    def _open_scanned(self, vial: ScannedVial) -> None:
        """A vial on the shelf: the vials screen at its row, its proof of use under it. One
        used up or destroyed is on no shelf: the ledger browser, narrowed to its movements."""
        if self.app.screen is not self:
            return  # the user has gone on elsewhere since the scan
        if vial.on_hand:
            self.action_show_vials(at=vial.label)
        else:
            self.show_status(f"{vial.label} is {vial.state}: its movements are in the ledger")
            self.action_show_log(vial=vial.label)

    def action_run_check(self) -> None:
        self.query_one("#health", Static).update("Checking the ledger…")
        self._check()

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def _check(self) -> None:
        try:
            report = run_check(self.app.db, self.actor)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.app.call_from_thread(self.query_one("#health", Static).update, "")
            self.post_message(failure_message(exc))
            return
        text = (
            # The whole hash: it is the anchor a manager keeps, and `check --anchor` needs all 64.
            f"Ledger OK: {report.movements} movements, head {report.head}"
            if report.ok
            else f"LEDGER PROBLEMS: {len(report.problems)}; first: movement "
            f"{report.problems[0].movement_id}: {report.problems[0].rule}"
        )
        self.app.call_from_thread(self.query_one("#health", Static).update, text)

    def show_status(self, text: str, *, ok: bool = False) -> None:
        """A line under the tables: what was recorded (success colour) or what went wrong."""
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    def on_refused(self, message: Refused) -> None:
        self.show_status(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.show_status(message.text)

    def action_record_infusion(self) -> None:
        if not self.check_action("record_infusion", ()):
            return
        from tui.app.infusion_screen import InfusionScreen

        def recorded(summary: str | None) -> None:
            if summary:
                self.show_status(summary, ok=True)
                self.action_refresh()

        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(InfusionScreen(self.actor), recorded)

    def action_receive(self) -> None:
        if not self.check_action("receive", ()):
            return
        from tui.app.receive_screen import ReceiveScreen

        def received(summary: str | None) -> None:
            if summary:
                self.show_status(summary, ok=True)
                self.action_refresh()

        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(ReceiveScreen(self.actor), received)

    def action_show_vials(self, at: str | None = None) -> None:
        from tui.app.vials_screen import VialsScreen

        if self.info is not None and self.check_action("show_vials", ()):
            self.app.push_screen(
                VialsScreen(self.actor, may_quarantine=self.info.may("quarantine"), at=at)
            )

    def action_show_counts(self, count_id: int | None = None) -> None:
        from tui.app.count_screen import CountScreen

        if self.check_action("show_counts", ()):
            # No keys are held for the count: a reading typed before the list is there must
            # not land on whichever vial is highlighted when it comes.
            self.app.push_screen(CountScreen(self.actor, count_id))

    def action_show_discrepancies(self, at: int | None = None) -> None:
        from tui.app.discrepancy_screen import DiscrepancyScreen

        if self.check_action("show_discrepancies", ()):
            self.app.push_screen(DiscrepancyScreen(self.actor, at=at))

    def action_show_log(self, vial: str = "") -> None:
        from tui.app.log_screen import LogScreen

        may_reverse = self.info is not None and self.info.may("reverse")
        self.app.hold_keys()  # type: ignore[attr-defined]  # until its first page is shown
        self.app.push_screen(LogScreen(self.actor, may_reverse=may_reverse, vial=vial))

    def action_show_exports(self) -> None:
        from tui.app.exports_screen import ExportsScreen

        if self.info is not None and self.check_action("show_exports", ()):
            self.app.push_screen(ExportsScreen(self.actor))

    def action_show_admin(self) -> None:
        from tui.app.admin_screen import AdminScreen

        if self.info is not None and self.check_action("show_admin", ()):
            self.app.push_screen(AdminScreen(self.actor))

    def action_read_billing(self) -> None:
        self.action_show_billing()

    def action_show_billing(self) -> None:
        from tui.app.billing_account_screen import BillingAccountScreen

        if self.info is not None and self.info.may(BILLING_READ):
            self.app.push_screen(
                BillingAccountScreen(
                    self.actor,
                    may_write=self.info.may(BILLING_WRITE),
                    may_print=self.info.may(BILLING_EXPORT),
                )
            )
