"""The variance review of a submitted count: per vial the book, the counted amount, the
variance (mg and mL) and the outcome. From here the registrant signs off a variance that
needs it, a discrepancy is opened, the vials to count again start a recount, and the
registrant signs an initial, biennial or ad-hoc count as the inventory record.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.auth import login
from ledger.models import Outcome
from ledger.queries.counting import CountHead, count_approvals, count_head
from ledger.queries.inventories import INVENTORY_KINDS
from ledger.services.counts import ResultLine, approve, count_results
from ledger.services.inventories import sign_count
from ledger.units import mg_text
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain
from tui.app.signoff_modal import Signature
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

#: Short headings: the review fits 80 columns.
COLUMNS = ("Vial", "Book mg", "Counted", "Var mg", "Var mL", "Outcome", "Follow-up")

#: Outcomes a recount looks at again (a discrepancy is counted again before it is escalated).
TO_RECOUNT = (Outcome.RECOUNT, Outcome.NOT_COUNTED, Outcome.DISCREPANCY)

OUTCOME_WORDS: dict[str, str] = {
    Outcome.ACCEPTED: "accepted",
    Outcome.NEEDS_SIGNOFF: "needs sign-off",
    Outcome.DISCREPANCY: "DISCREPANCY",
    Outcome.RECOUNT: "recount (moved)",
    Outcome.NOT_COUNTED: "not counted",
}


def _mg(ug: int | None) -> str:
    return "" if ug is None else mg_text(ug)


class CountReviewScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="review_back"),
        Binding("a", "approve", "Sign off", id="review_approve"),
        Binding("r", "recount", "Recount", id="review_recount"),
        Binding("i", "sign_inventory", "Sign inventory", id="review_sign_inventory"),
        Binding("d", "discrepancy", "Discrepancy", id="review_discrepancy"),
        Binding("f5", "reload", "Reload", id="review_reload", show=False),
    ]

    def __init__(self, actor: Actor, count_id: int) -> None:
        super().__init__()
        self.actor = actor
        self.count_id = count_id
        self.lines: list[ResultLine] = []
        self.approved: dict[str, int] = {}
        #: The count's heading: its kind, its witness (a recount is usually witnessed by the
        #: same colleague) and whether the registrant signed it as an inventory.
        self.head: CountHead | None = None

    @property
    def witness(self) -> str:
        return (self.head.witness or "") if self.head is not None else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_inventory":
            # Offered on an inventory count not yet signed; the service judges the rest.
            head = self.head
            return (
                head is not None
                and head.kind in {str(k) for k in INVENTORY_KINDS}
                and head.signed_at is None
            )
        return True

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain(f"Count {self.count_id}: variance review", id="review-title", classes="section")
        yield Plain("", id="review-summary")
        yield Table(id="review-lines", cursor_type="row", zebra_stripes=True)
        yield Plain(
            "a: the registrant signs off the highlighted variance · d: its discrepancy · "
            "r: recount",
            id="review-help",
        )
        yield Plain("", id="review-status")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#review-lines", DataTable))
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _load(self) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            lines = count_results(db, self.actor, self.count_id)
            approved = count_approvals(db, self.actor, self.count_id)
            head = count_head(db, self.actor, self.count_id)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            self.app.post_message(KeysReady())
            return
        self.app.call_from_thread(self._loaded, lines, approved, head)

    def _loaded(self, lines: list[ResultLine], approved: dict[str, int], head: CountHead) -> None:
        self.lines, self.approved, self.head = lines, approved, head
        self.refresh_bindings()
        self.query_one("#review-title", Static).update(self._title(head))
        table = self.query_one("#review-lines", DataTable)
        keep = self._current()
        # Columns afresh: each is as wide as what it holds now ("signed off: movement 7").
        table.clear(columns=True)
        table.add_columns(*COLUMNS)
        for r in lines:
            table.add_row(
                r.vial,
                _mg(r.book_ug),
                _mg(r.counted_ug),
                _mg(r.variance_ug),
                r.variance_ml or "",
                OUTCOME_WORDS.get(r.outcome, r.outcome),
                self._follow_up(r),
                key=r.vial,
            )
        if keep is not None and keep in {r.vial for r in lines}:
            table.move_cursor(row=table.get_row_index(keep))
        tally: dict[str, int] = {}
        for r in lines:
            tally[r.outcome] = tally.get(r.outcome, 0) + 1
        waiting = sum(
            1 for r in lines if r.outcome == Outcome.NEEDS_SIGNOFF and r.vial not in approved
        )
        self.query_one("#review-summary", Static).update(
            " · ".join(f"{OUTCOME_WORDS.get(k, k)}: {n}" for k, n in sorted(tally.items()))
            + (f" · {waiting} sign-off(s) waiting" if waiting else "")
        )
        # Keys typed while the review was coming (after "s", or a sign-off) are for it.
        self.app.post_message(KeysReady())

    def _title(self, head: CountHead) -> str:
        title = f"Count {self.count_id} ({head.kind}): variance review"
        if head.signed_at is not None:
            return f"{title} · inventory signed by {head.signed_by}"
        if head.kind in {str(k) for k in INVENTORY_KINDS}:
            return f"{title} · i: the registrant signs it as the inventory"
        return title

    def _follow_up(self, r: ResultLine) -> str:
        if r.vial in self.approved:
            return f"signed: #{self.approved[r.vial]}"
        if r.outcome == Outcome.NEEDS_SIGNOFF:
            return "a: sign off"
        if r.discrepancy:
            return f"discrepancy {r.discrepancy}"
        if r.outcome in TO_RECOUNT:
            return "r: recount"
        return ""

    def _current(self) -> str | None:
        table = self.query_one("#review-lines", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _line(self) -> ResultLine | None:
        label = self._current()
        return next((r for r in self.lines if r.vial == label), None)

    # -- sign-off -----------------------------------------------------------------------------
    def action_approve(self) -> None:
        from tui.app.signoff_modal import SignoffModal

        line = self._line()
        if line is None:
            return
        if line.outcome != Outcome.NEEDS_SIGNOFF or line.vial in self.approved:
            self._status(f"{line.vial} has no variance waiting for sign-off")
            return
        count_id, vial = self.count_id, line.vial
        db = self.app.db  # type: ignore[attr-defined]

        def sign(s: Signature) -> str:
            # The registrant proves who they are here and now; the logged-in user stays.
            registrant = login(db, s.registrant.username, s.registrant.password, action="signoff")
            movement = approve(
                db, registrant, count_id, vial=vial, reason=s.values["reason"], witness=s.witness
            )
            return f"{vial} signed off by {registrant.username}: adjustment is movement {movement}"

        def signed(summary: str | None) -> None:
            if summary:
                self._status(summary, ok=True)
                self.action_reload()

        variance = f"{_mg(line.variance_ug)} mg ({line.variance_ml} mL)"
        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(
            SignoffModal(
                f"Sign off {vial} in count {count_id}: variance {variance}",
                sign,
                fields=[("reason", "Reason")],
                witness=True,
            ),
            signed,
        )

    def action_sign_inventory(self) -> None:
        from tui.app.signoff_modal import SignoffModal

        count_id = self.count_id
        db = self.app.db  # type: ignore[attr-defined]

        def sign(s: Signature) -> str:
            registrant = login(db, s.registrant.username, s.registrant.password, action="signoff")
            signed = sign_count(db, registrant, count_id)
            due = signed["next_inventory_due"]
            return f"Inventory count {count_id} signed by {signed['signed_by']}" + (
                f"; next biennial inventory due {due}" if due else ""
            )

        def signed(summary: str | None) -> None:
            if summary:
                self._status(summary, ok=True)
                self.action_reload()

        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(
            SignoffModal(f"Sign count {count_id} as the inventory record (21 CFR 1304.11)", sign),
            signed,
        )

    # -- elsewhere ----------------------------------------------------------------------------
    def action_discrepancy(self) -> None:
        from tui.app.discrepancy_screen import DiscrepancyScreen

        line = self._line()
        at = line.discrepancy if line is not None else None
        self.app.push_screen(DiscrepancyScreen(self.actor, at=at))

    def action_recount(self) -> None:
        """A new count, with the vials that moved or were left out listed first."""
        from tui.app.count_screen import CountScreen
        from tui.app.count_start_modal import CountStartModal

        again = frozenset(r.vial for r in self.lines if r.outcome in TO_RECOUNT)

        def started(count_id: int | None) -> None:
            if count_id is not None:
                self.app.switch_screen(CountScreen(self.actor, count_id, recount=again))

        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(CountStartModal(self.actor, witness=self.witness), started)

    def _status(self, text: str, *, ok: bool = False) -> None:
        status = self.query_one("#review-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._status(message.text)

    @on(DatabaseFailed)
    def _failed(self, message: DatabaseFailed) -> None:
        self._status(message.text)
