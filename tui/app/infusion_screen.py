"""Recording an infusion at the chair: one form, one transaction, refusals shown as they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ledger import clock
from ledger.access import Actor
from ledger.auth import Credentials
from ledger.queries.vials import vial_strength
from ledger.services.infusions import record_infusion
from ledger.settings import clinic_settings, clinic_timezone
from ledger.units import mg_text, parse_amount_ug, parse_datetime
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.patient_card import PatientCard, patient_card
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

FIELDS = [
    ("patient", "Patient MRN", False),
    ("vial", "Vial label", False),
    ("drawn", "Drawn (mg or mL)", False),
    ("given", "Given", False),
    ("wasted", "Wasted", False),
    ("protocol", "Protocol (optional)", False),
    ("started", "Started", False),
    ("ended", "Ended", False),
    ("reason", "Why late", False),
    ("witness", "Witness username", False),
    ("witness_password", "Witness password", True),
]

#: How the form shows and reads times: the clinic's wall clock, to the minute.
TIME_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class ClinicClock:
    zone: str
    late_minutes: int


class InfusionScreen(FormKeys, ModalScreen[str | None]):
    """Dismisses with a one-line summary naming the patient, or None when cancelled."""

    # Enter and Tab move the focus on the app's own task (priority bindings), before the next
    # key is handed on: at a scanner's pace a character never lands in the field just left.
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        *form_bindings("infusion", "Next / record"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.clinic: ClinicClock | None = None
        self.patient: PatientCard | None = None
        #: The start time filled in when the form opened: left as it is, the entry is stamped
        #: when it is saved; changed, it is the time the dose was drawn (and may be late).
        self.default_start = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="infusion-box"):
            yield Label("Record an infusion", id="infusion-title")
            # The patient's card sits under the MRN, outside the grid, in two lines always
            # held for it: the form never jumps when the name arrives.
            for fields in (FIELDS[:1], FIELDS[1:]):
                with Grid(classes="infusion-form"):
                    for key, label, secret in fields:
                        yield Label(label, id=f"{key}-label")
                        yield Input(id=key, password=secret, compact=True)
                if fields[0][0] == "patient":
                    yield Static("", id="patient-card", classes="card")
            yield Static("", id="infusion-error", classes="error")
            with Horizontal(id="infusion-buttons"):
                yield Button("Record", variant="primary", id="record", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._show_reason(False)
        self.set_focus(self.query_one(f"#{FIELDS[0][0]}", Input))
        self._read_clock()

    @work(thread=True, exclusive=True, group="clock", exit_on_error=False)
    def _read_clock(self) -> None:
        try:
            with self.app.db.read() as session:  # type: ignore[attr-defined]
                s = clinic_settings(session)
                found: ClinicClock | None = ClinicClock(s.timezone, s.late_entry_minutes)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            found = None
        self.app.call_from_thread(self._clock_read, found)

    def _clock_read(self, found: ClinicClock | None) -> None:
        self.clinic = found
        if found is not None:
            now = f"{clock.now().astimezone(ZoneInfo(found.zone)):{TIME_FORMAT}}"
            self.default_start = now
            for key in ("started", "ended"):
                field = self.query_one(f"#{key}", Input)
                if not field.value:
                    field.value = now
        # Keys typed while the form came up go on now, into the fields they were meant for.
        self.app.post_message(KeysReady())

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{key}", Input).value.strip() for key, _, _ in FIELDS}

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def form_fields(self) -> list[str]:
        """Enter moves down the shown fields, as on paper; on the last one it records."""
        return [key for key, _, _ in FIELDS if self.query_one(f"#{key}", Input).display]

    def submit_form(self) -> None:
        self._record()

    # -- the patient, shown as soon as the MRN is typed ------------------------------------

    @on(Input.Changed, "#patient")
    def _patient_typed(self, event: Input.Changed) -> None:
        self.patient = None
        card = self.query_one("#patient-card", Static)
        card.update("")
        card.set_classes("card")
        if event.value.strip():
            self._look_up(event.value.strip())

    @work(thread=True, group="patient", exit_on_error=False)
    def _look_up(self, mrn: str) -> None:
        try:
            found: PatientCard | str = patient_card(self.app.db, mrn)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            found = str(exc)
        self.app.call_from_thread(self._show_patient, mrn, found)

    def _show_patient(self, mrn: str, found: PatientCard | str) -> None:
        if self.query_one("#patient", Input).value.strip() != mrn:
            return  # typed on since: a newer lookup answers for the MRN on screen
        card = self.query_one("#patient-card", Static)
        if isinstance(found, str):
            card.update(found)
            card.set_classes("card error")
        elif not found.address:
            self.patient = found
            card.update(
                f"{found.line()}\nNo address on file: an infusion will be refused "
                "(21 CFR 1304.22(c))"
            )
            card.set_classes("card error")
        else:
            self.patient = found
            card.update(f"{found.line()}\n{found.address}")
            card.set_classes("card")

    # -- times and the late-entry reason ---------------------------------------------------

    @on(Input.Changed, "#started")
    def _start_typed(self, event: Input.Changed) -> None:
        self._show_reason(self._late(event.value.strip()) or bool(self.values()["reason"]))

    def _late(self, text: str) -> bool:
        if self.clinic is None or not text or text == self.default_start:
            return False
        try:
            start = parse_datetime(text, self.clinic.zone, "start")
        except LEDGER_FAILURES:
            return False
        return clock.now() - start > timedelta(minutes=self.clinic.late_minutes)

    def _show_reason(self, show: bool) -> None:
        self.query_one("#reason", Input).display = show
        self.query_one("#reason-label", Label).display = show

    # -- recording -------------------------------------------------------------------------

    @on(Button.Pressed, "#record")
    def _record(self) -> None:
        self.query_one("#infusion-error", Static).update("Recording…")
        self.query_one("#infusion-error", Static).set_classes("error")
        after_typing(self, lambda: self._save(self.values(), self.default_start))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _save(self, v: dict[str, str], default_start: str) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            strength = vial_strength(db, v["vial"])
            amounts = {k: parse_amount_ug(v[k], strength, k) for k in ("drawn", "given", "wasted")}
            zone = self.clinic.zone if self.clinic else clinic_timezone(db)
            times: dict[str, datetime | None] = {
                k: parse_datetime(v[k], zone, k.replace("ed", "")) if v[k] else None
                for k in ("started", "ended")
            }
            # A start left as filled in means "now": the entry is stamped when it is saved.
            # A start typed in is when the dose was drawn, and is judged late on that.
            drawn_at = times["started"] if v["started"] != default_start else None
            # The witness types their own password here, every time: never one from the
            # environment, which would let anyone at the workstation sign as them.
            witness = Credentials(v["witness"], v["witness_password"]) if v["witness"] else None
            result = record_infusion(
                db,
                self.actor,
                patient=v["patient"],
                vial=v["vial"],
                drawn_ug=amounts["drawn"],
                given_ug=amounts["given"],
                wasted_ug=amounts["wasted"],
                witness=witness,
                protocol=v["protocol"] or None,
                started_at=times["started"],
                ended_at=times["ended"],
                drawn_at=drawn_at,
                reason=v["reason"] or None,
            )
            who = patient_card(db, v["patient"])
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        summary = (
            f"Infusion {result.infusion_id} recorded for {who.name} ({who.mrn}, born "
            f"{who.dob.isoformat()}): gave {mg_text(result.given_ug)} mg, wasted "
            f"{mg_text(result.wasted_ug)} mg; {result.vial} has "
            f"{mg_text(result.balance_after_ug)} mg left" + ("; late entry" if result.late else "")
        )
        self.app.call_from_thread(self.dismiss, summary)

    def on_refused(self, message: Refused) -> None:
        # The witness signs again for the next attempt; everything else typed stays.
        self.query_one("#infusion-error", Static).update(message.text)
        self.query_one("#witness_password", Input).value = ""
        if message.text.startswith("LateEntryNeedsReason"):
            self._show_reason(True)
            self.set_focus(self.query_one("#reason", Input))

    def on_database_failed(self, message: DatabaseFailed) -> None:
        # Nothing was recorded and nothing typed is lost: Record again once the database is back.
        self.query_one("#infusion-error", Static).update(message.text)
