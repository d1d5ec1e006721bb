"""Discrepancies: the list, the highlighted one's notes and outcome, and once escalated its
Form 106 draft with the two DEA deadlines counting down on the clinic's calendar.

n adds an investigation note, v resolves with an explanation (and the correcting entry, if
one explains it), e escalates (the registrant signs, with the type of loss) and c confirms the
loss (the registrant signs again).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger import clock
from ledger.access import Actor
from ledger.auth import login
from ledger.clock import local_date
from ledger.services.discrepancies import (
    LOSS_TYPES,
    add_note,
    confirm_loss,
    escalate,
    list_discrepancies,
    show_discrepancy,
)
from ledger.settings import clinic_timezone
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain
from tui.app.session_info import SessionInfo, session_info
from tui.app.signoff_modal import Signature
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

COLUMNS = ("#", "Status", "Vial", "Short mg", "Found", "Loss", "Notice due", "Form 106 due")


def days_left(due: str | None, today: date) -> str:
    """A deadline as the clinic reads it: in N days, today, or overdue."""
    if not due:
        return ""
    left = (date.fromisoformat(due) - today).days
    if left > 1:
        return f"{due} (in {left} days)"
    if left == 1:
        return f"{due} (tomorrow)"
    if left == 0:
        return f"{due} (TODAY)"
    return f"{due} (OVERDUE by {-left} day{'s' if left < -1 else ''})"


class DiscrepancyScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="discrepancy_back"),
        Binding("n", "note", "Note", id="discrepancy_note"),
        Binding("v", "resolve", "Resolve", id="discrepancy_resolve"),
        Binding("e", "escalate", "Escalate", id="discrepancy_escalate"),
        Binding("c", "confirm_loss", "Confirm loss", id="discrepancy_confirm"),
        Binding("f5", "reload", "Reload", id="discrepancy_reload", show=False),
    ]

    def __init__(self, actor: Actor, *, at: int | None = None) -> None:
        super().__init__()
        self.actor = actor
        #: The discrepancy to put the cursor on when the list arrives (from an alert).
        self.at = at
        self.info: SessionInfo | None = None
        self.zone = "UTC"
        self.found: list[dict[str, Any]] = []
        self.shown: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Discrepancies", classes="section")
        yield Table(id="discrepancies", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="discrepancy-title", classes="section")
        with VerticalScroll(id="discrepancy-detail-box"):
            yield Plain("", id="discrepancy-detail")
        yield Plain("", id="discrepancy-status")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("note", "resolve", "escalate", "confirm_loss"):
            # The manager investigates; escalation is signed by the registrant, typed in.
            may = self.info is not None and (
                self.info.may("discrepancy.investigate") or self.info.may("discrepancy.escalate")
            )
            # Only what the highlighted one's status allows is offered.
            status = self.shown["status"] if self.shown else None
            if action == "confirm_loss":
                # A loss `vialbook loss` wrote is in the book already, but its draft still
                # waits for the registrant's confirmation: offered until it is confirmed.
                return may and status == "escalated" and not self.shown["form_confirmed_at"]  # type: ignore[index]
            return may and status in ("open", "investigating")
        return True

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#discrepancies", DataTable))
        self.action_reload()
        # The deadlines count down while the screen stays open (past midnight, say).
        self.set_interval(60, self._show_detail)

    def _today(self) -> date:
        return local_date(self.zone, clock.now())

    # -- loading ------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="discrepancies", exit_on_error=False)
    def _load(self) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            info = session_info(db, self.actor)
            zone = clinic_timezone(db)
            found = list_discrepancies(db, self.actor)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            self.app.post_message(KeysReady())
            return
        self.app.call_from_thread(self._loaded, info, zone, found)

    def _loaded(self, info: SessionInfo, zone: str, found: list[dict[str, Any]]) -> None:
        self.info, self.zone, self.found = info, zone, found
        self.refresh_bindings()
        table = self.query_one("#discrepancies", DataTable)
        keep = self.at if self.at is not None else self._current()
        self.at = None
        # Columns afresh: each is as wide as what it holds now ("escalated", "in-transit-loss").
        table.clear(columns=True)
        table.add_columns(*COLUMNS)
        for d in found:
            table.add_row(
                str(d["id"]),
                d["status"],
                d["vial"],
                d["short_mg"],
                d["discovered_on"],
                d["loss_type"] or "",
                d["notice_due"] or "",
                d["form_due"] or "",
                key=str(d["id"]),
            )
        if not found:
            self.query_one("#discrepancy-title", Static).update("No discrepancies")
        if keep is not None and any(d["id"] == keep for d in found):
            table.move_cursor(row=table.get_row_index(str(keep)))
            self._detail(keep)
        # Keys typed while the list was coming (after a sign-off) are for it.
        self.app.post_message(KeysReady())

    def _current(self) -> int | None:
        table = self.query_one("#discrepancies", DataTable)
        if table.row_count == 0:
            return None
        return int(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))

    @on(DataTable.RowHighlighted, "#discrepancies")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(int(str(event.row_key.value)))

    @work(thread=True, exclusive=True, group="discrepancy", exit_on_error=False)
    def _detail(self, discrepancy_id: int) -> None:
        try:
            d = show_discrepancy(self.app.db, self.actor, discrepancy_id)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._detailed, d)

    def _detailed(self, d: dict[str, Any]) -> None:
        if self._current() != d["id"]:
            return  # the cursor moved on
        self.shown = d
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        d = self.shown
        if d is None:
            return
        today = self._today()
        self.query_one("#discrepancy-title", Static).update(
            f"Discrepancy {d['id']} · {d['status']} · vial {d['vial']} · short {d['short_mg']} mg"
            f" · found {d['discovered_on']}"
        )
        rows: list[str] = []
        form = d.get("form_106")
        if form:
            product = form["products"][0]
            rows += [
                "FORM 106 DRAFT" + (" (loss recorded)" if d["loss_movement"] else ""),
                f"  Registrant {form['registrant']}, {form['address']}, DEA {form['dea_number']}",
                f"  {product['name']} (NDC {product['ndc']}), lot {product['lot']}, vial "
                f"{product['vial']}: {product['quantity_lost_mg']} mg lost, "
                f"{product['containers_lost']} container(s)",
                f"  Type of loss {form['loss_type']}, discovered {form['discovered_on']}",
            ]
            if d["loss_movement"]:
                rows.append(f"  Loss recorded as movement {d['loss_movement']}")
            confirmed = d["form_confirmed_at"]
            if confirmed:
                # Confirmed: the deadlines are history now, not a countdown.
                rows += [
                    "  Draft confirmed by the registrant on "
                    f"{local_date(self.zone, datetime.fromisoformat(confirmed))}",
                    f"  Written notice to the DEA Field Division was due {form['notice_due']}",
                    f"  Form 106 was due {form['form_due']}",
                ]
            else:
                rows += [
                    f"  Written notice to the DEA Field Division due "
                    f"{days_left(form['notice_due'], today)}",
                    f"  Form 106 due {days_left(form['form_due'], today)}",
                ]
        if d["explanation"]:
            link = f" (movement {d['resolving_movement']})" if d["resolving_movement"] else ""
            rows.append(f"Resolved: {d['explanation']}{link}")
        rows += [f"{n['at'][:16].replace('T', ' ')} {n['by']}: {n['text']}" for n in d["notes"]]
        if not rows:
            rows.append("No notes yet: n adds what the investigation finds.")
        self.query_one("#discrepancy-detail", Static).update("\n".join(rows))

    # -- acting -------------------------------------------------------------------------------
    def action_note(self) -> None:
        from tui.app.reason_screen import ReasonScreen

        found = self._current()
        if found is None:
            return
        db = self.app.db  # type: ignore[attr-defined]

        def save(text: str) -> str:
            add_note(db, self.actor, found, text=text)
            return f"Note added to discrepancy {found}"

        def saved(summary: str | None) -> None:
            if summary:
                self._done(summary)

        # The note is saved from the modal, so a refusal keeps what was typed.
        self.app.push_screen(
            ReasonScreen(f"Note on discrepancy {found}: what was found?", save), saved
        )

    def action_resolve(self) -> None:
        from tui.app.resolve_modal import ResolveModal

        found = self._current()
        if found is None:
            return

        def resolved(summary: str | None) -> None:
            if summary:
                self._done(summary)

        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(ResolveModal(self.actor, found), resolved)

    def action_escalate(self) -> None:
        from tui.app.signoff_modal import SignoffModal

        found = self._current()
        if found is None:
            return
        db = self.app.db  # type: ignore[attr-defined]

        def sign(s: Signature) -> str:
            registrant = login(db, s.registrant.username, s.registrant.password, action="signoff")
            draft = escalate(db, registrant, found, loss_type=s.values["loss_type"].lower())
            return (
                f"Discrepancy {found} escalated by {registrant.username}: notice due "
                f"{draft['notice_due']}, Form 106 due {draft['form_due']}"
            )

        self._sign(
            SignoffModal(
                f"Escalate discrepancy {found} to the DEA (Form 106 draft). The type of loss is "
                f"{', '.join(LOSS_TYPES[:-1])} or {LOSS_TYPES[-1]}.",
                sign,
                fields=[("loss_type", "Type of loss")],
            )
        )

    def action_confirm_loss(self) -> None:
        from tui.app.signoff_modal import SignoffModal

        found = self._current()
        if found is None:
            return
        db = self.app.db  # type: ignore[attr-defined]

        def sign(s: Signature) -> str:
            registrant = login(db, s.registrant.username, s.registrant.password, action="signoff")
            movement = confirm_loss(db, registrant, found)
            return f"Loss of discrepancy {found} recorded as movement {movement}"

        self._sign(SignoffModal(f"Confirm the loss of discrepancy {found}", sign))

    def _sign(self, modal: Any) -> None:
        def signed(summary: str | None) -> None:
            if summary:
                self._done(summary)

        self.app.hold_keys()  # type: ignore[attr-defined]
        self.app.push_screen(modal, signed)

    def _done(self, summary: str) -> None:
        self._status(summary, ok=True)
        self.action_reload()

    def _status(self, text: str, *, ok: bool = False) -> None:
        status = self.query_one("#discrepancy-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    def on_refused(self, message: Refused) -> None:
        self._status(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text)
