"""Recording an infusion at the chair: one form, one transaction, refusals shown as they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
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
from ledger.clock import local_date
from ledger.queries.chair import VialChoice, vials_to_draw
from ledger.queries.protocols import ProtocolEntry, protocol_entries
from ledger.queries.vials import vial_strength
from ledger.services.infusions import record_infusion
from ledger.settings import clinic_settings, clinic_timezone
from ledger.units import mg_text, parse_amount_ug, parse_datetime, parse_weight_g
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.infusion_hints import (
    Order,
    amount,
    balance_line,
    is_over,
    order_on_form,
    protocol_meant,
    residue,
    vial_line,
)
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.patient_card import PatientCard, card_text, patient_card, patient_for
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

FIELDS = [
    ("patient", "Patient MRN or name", False),
    ("vial", "Vial label", False),
    ("drawn", "Drawn (mg or mL)", False),
    ("given", "Given", False),
    # Shown only when the dose is more than 10% above the order: typing why confirms it.
    ("over_reason", "Over the order: why", False),
    ("wasted", "Wasted", False),
    ("protocol", "Protocol (optional)", False),
    # Reached with Tab from the protocol; Enter passes it by (the weight on file is used).
    ("weight", "Weight today", False),
    # Reached with Tab too, passed by Enter: blank is the medical director, and the service
    # the protocol is billed as (the ledger's rule). A username, and a price-list code; the
    # form shows no price.
    ("provider", "Provider (optional)", False),
    ("service", "Service (optional)", False),
    ("started", "Started", False),
    ("ended", "Ended", False),
    ("reason", "Why late", False),
    ("witness", "Witness username", False),
    ("witness_password", "Witness password", True),
]

#: Fields Enter never stops at: the weight on file, the medical director and the protocol's
#: service serve unless the nurse tabs to them.
ENTER_PASSES = {"weight", "provider", "service"}

#: Lines the form works out, each under the group of fields it is about.
HINT_AFTER = {
    "patient": "patient-card",
    "vial": "vial-hint",
    "wasted": "balance-hint",
    "weight": "order-hint",
}

#: How the form shows and reads times: the clinic's wall clock, to the minute.
TIME_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class ClinicClock:
    zone: str
    late_minutes: int


class InfusionScreen(KeptUnderTheLock, FormKeys, ModalScreen[str | None]):
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
        #: The clinic's active protocols and the vials to draw from, read when the form opens.
        self.protocols: list[ProtocolEntry] = []
        self.vials: list[VialChoice] = []
        #: µg/mL of the vial on the form, once known (for amounts typed in mL).
        self.strength: int | None = None
        #: The dose the ledger refused as over the order (it may know a weight on file the form
        #: has not read yet): the reason field stays shown for it until the dose changes.
        self.ledger_found_over: tuple[str, ...] | None = None
        #: The start time filled in when the form opened: left as it is, the entry is stamped
        #: when it is saved; changed, it is the time the dose was drawn (and may be late).
        self.default_start = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="infusion-box"):
            yield PlainLabel("Record an infusion", id="infusion-title")
            # What the form works out sits under its fields, outside the grids, in lines always
            # held for it: the form never jumps when the name or the order arrives.
            group: list[tuple[str, str, bool]] = []
            for field in FIELDS:
                group.append(field)
                hint = HINT_AFTER.get(field[0])
                if hint is None and field is not FIELDS[-1]:
                    continue
                with Grid(classes="infusion-form"):
                    for key, label, secret in group:
                        yield PlainLabel(label, id=f"{key}-label")
                        yield Input(id=key, password=secret, compact=True)
                group = []
                if hint is not None:
                    yield Plain("", id=hint, classes="card" if hint == "patient-card" else "hint")
            yield Plain("", id="infusion-error", classes="error")
            with Horizontal(id="infusion-buttons"):
                yield Button("Record", variant="primary", id="record", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._show_reason(False)
        self._show_over(False)
        self.set_focus(self.query_one(f"#{FIELDS[0][0]}", Input))
        self._read_clock()

    @work(thread=True, exclusive=True, group="clock", exit_on_error=False)
    def _read_clock(self) -> None:
        try:
            with self.app.db.read() as session:  # type: ignore[attr-defined]
                s = clinic_settings(session)
                found: ClinicClock | None = ClinicClock(s.timezone, s.late_entry_minutes)
                # The lists the form suggests from, in the same read: ready before any key.
                now = clock.now()
                protocols = protocol_entries(session)
                vials = vials_to_draw(session, now=now, today=local_date(s.timezone, now))
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            found, protocols, vials = None, [], []
        self.app.call_from_thread(self._clock_read, found, protocols, vials)

    def _clock_read(
        self, found: ClinicClock | None, protocols: list[ProtocolEntry], vials: list[VialChoice]
    ) -> None:
        self.protocols, self.vials = protocols, vials
        names = ", ".join(p.name for p in protocols)
        self.query_one("#protocol", Input).placeholder = f"{names} or 0.5mg/kg".lstrip(", ")
        self.query_one("#provider", Input).placeholder = "the medical director"
        self.query_one("#service", Input).placeholder = "by the protocol, or an item code (BOOSTER)"
        if vials:
            self.query_one("#vial", Input).placeholder = f"{vials[0].label} (Enter takes it)"
        self.clinic = found
        if found is not None:
            self.query_one("#vial-hint", Static).update(vial_line(vials, found.zone))
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
        """Enter moves down the shown fields, as on paper; on the last one it records.

        A field Enter passes counts only while the nurse is in it (reached with Tab): Enter
        there moves on to the next field Enter stops at, rather than recording the form."""
        focused = self.focused.id if self.focused is not None else None
        return [
            key
            for key, _, _ in FIELDS
            if (key not in ENTER_PASSES or key == focused)
            and self.query_one(f"#{key}", Input).display
        ]

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
    def _look_up(self, typed: str) -> None:
        try:
            found: PatientCard | list[PatientCard] | str = patient_for(
                self.app.db,  # type: ignore[attr-defined]
                typed,
            )
        except LEDGER_FAILURES as exc:
            found = str(exc)
        self.app.call_from_thread(self._show_patient, typed, found)

    def _show_patient(self, typed: str, found: PatientCard | list[PatientCard] | str) -> None:
        if self.query_one("#patient", Input).value.strip() != typed:
            return  # typed on since: a newer lookup answers for what is on screen
        card = self.query_one("#patient-card", Static)
        text, fine = card_text(found)
        card.update(text)
        card.set_classes("card" if fine else "card error")
        self.patient = found if isinstance(found, PatientCard) else None
        self._work_out()

    # -- the vial, the amounts and the order, worked out as they are typed -----------------

    @on(Input.Changed, "#vial")
    def _vial_typed(self, event: Input.Changed) -> None:
        label = event.value.strip().upper() or (self.vials[0].label if self.vials else "")
        known = {v.label: v.strength_ug_per_ml for v in self.vials}
        self.strength = known.get(label)
        if self.strength is None and label:
            self._read_strength(label)
        self._work_out()

    @work(thread=True, group="strength", exit_on_error=False)
    def _read_strength(self, label: str) -> None:
        try:
            strength: int | None = vial_strength(self.app.db, label)  # type: ignore[attr-defined]
        except LEDGER_FAILURES:
            strength = None
        self.app.call_from_thread(self._strength_read, label, strength)

    def _strength_read(self, label: str, strength: int | None) -> None:
        if self.query_one("#vial", Input).value.strip().upper() == label:
            self.strength = strength
            self._work_out()

    @on(Input.Changed, "#drawn, #given, #wasted, #protocol, #weight")
    def _amounts_typed(self, _: Input.Changed) -> None:
        self._work_out()

    def _work_out(self) -> None:
        """The residue, the mass balance and the order, from what the form holds now."""
        v = self.values()
        drawn, given = amount(v["drawn"], self.strength), amount(v["given"], self.strength)
        left = residue(drawn, given)
        wasted_field = self.query_one("#wasted", Input)
        wasted_field.placeholder = f"{mg_text(left)}mg (drawn − given)" if left is not None else ""
        wasted = amount(v["wasted"], self.strength) if v["wasted"] else left
        self.query_one("#balance-hint", Static).update(balance_line(drawn, given, wasted))
        weight_on_file = self.patient.weight_g if self.patient else None
        if weight_on_file:
            self.query_one("#weight", Input).placeholder = f"{mg_text(weight_on_file)}kg on file"
        order = order_on_form(v["protocol"], v["weight"], weight_on_file, self.protocols)
        over = is_over(given, order)
        line = order.text() if isinstance(order, Order) else order
        if over:
            line += "\nThe dose is more than 10% above the order: say why to confirm it"
        hint = self.query_one("#order-hint", Static)
        hint.update(line)
        hint.set_classes("hint error" if over else "hint")
        # Asked for only while the dose is over (as the form or the ledger works it out): a
        # dose brought back to the order hides it, and what was typed there is not recorded.
        self._show_over(over or self.ledger_found_over == self._dose_on_form(v))

    def _dose_on_form(self, v: dict[str, str]) -> tuple[str, ...]:
        """What the order check depends on: a change to any of it asks again."""
        return tuple(v[key] for key in ("patient", "vial", "given", "protocol", "weight"))

    def _show_over(self, show: bool) -> None:
        self.query_one("#over_reason", Input).display = show
        self.query_one("#over_reason-label", Label).display = show

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
        # Should the lock come meanwhile, the save starts only when the same nurse is back.
        after_typing(self, lambda: self.when_seen(self._save_or_ask_witness))

    def to_record(self) -> dict[str, str]:
        """The form's values, without a reason for a dose that is no longer over the order."""
        self._work_out()  # the reason field shown or not for the values as they are now
        v = self.values()
        if not self.query_one("#over_reason", Input).display:
            v["over_reason"] = ""
        return v

    def _save_or_ask_witness(self) -> None:
        """Residue wasted and no witness on the form: the witness signs in their own box."""
        v = self.to_record()
        drawn, given = amount(v["drawn"], self.strength), amount(v["given"], self.strength)
        wasted = amount(v["wasted"], self.strength) if v["wasted"] else residue(drawn, given)
        if v["witness"] or not wasted:
            self._save(v, self.default_start)
            return
        from tui.app.witness_screen import WitnessScreen

        self.query_one("#infusion-error", Static).update("Waiting for the witness to sign…")

        def signed(creds: Credentials | None) -> None:
            if creds is None:
                self.query_one("#infusion-error", Static).update("Not recorded: no witness signed")
                return
            self._save(
                {**v, "witness": creds.username, "witness_password": creds.password},
                self.default_start,
            )

        self.app.push_screen(
            WitnessScreen(f"{mg_text(wasted)} mg wasted from the dose, by {self.actor.username}"),
            signed,
        )

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _save(self, v: dict[str, str], default_start: str) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            # An empty vial field takes the vial suggested first; a name, its one patient.
            vial = v["vial"] or (self.vials[0].label if self.vials else "")
            found = patient_for(db, v["patient"]) if v["patient"] else None
            patient = found.mrn if isinstance(found, PatientCard) else v["patient"]
            strength = vial_strength(db, vial)
            amounts = {k: parse_amount_ug(v[k], strength, k) for k in ("drawn", "given")}
            # An empty wasted field is the residue: drawn − given.
            amounts["wasted"] = (
                parse_amount_ug(v["wasted"], strength, "wasted")
                if v["wasted"]
                else amounts["drawn"] - amounts["given"]
            )
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
                patient=patient,
                vial=vial,
                drawn_ug=amounts["drawn"],
                given_ug=amounts["given"],
                wasted_ug=amounts["wasted"],
                witness=witness,
                protocol=protocol_meant(v["protocol"], self.protocols) or None,
                weight_g=parse_weight_g(v["weight"]) if v["weight"] else None,
                started_at=times["started"],
                ended_at=times["ended"],
                drawn_at=drawn_at,
                reason=v["reason"] or None,
                # Typing why, in the field shown for it, is the confirmation.
                confirm_over_order=bool(v["over_reason"]),
                over_order_reason=v["over_reason"] or None,
                # Blank: the medical director renders it, and the protocol says the service.
                rendering_provider=v["provider"] or None,
                service=v["service"] or None,
            )
            who = patient_card(db, patient)
        except LEDGER_FAILURES as exc:
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        summary = (
            f"Infusion {result.infusion_id} recorded for {who.name} ({who.mrn}, born "
            f"{who.dob.isoformat()}): gave {mg_text(result.given_ug)} mg, wasted "
            f"{mg_text(result.wasted_ug)} mg; {result.vial} has "
            f"{mg_text(result.balance_after_ug)} mg left"
            + ("; late entry" if result.late else "")
            + ("; over the order, confirmed" if result.over_order else "")
        )
        # Shown to the nurse who recorded it, when the form is hers on screen again.
        self.app.call_from_thread(self.when_seen, partial(self.dismiss, summary))

    def on_refused(self, message: Refused) -> None:
        # The witness signs again for the next attempt; everything else typed stays.
        self.query_one("#infusion-error", Static).update(message.text)
        self.query_one("#witness_password", Input).value = ""
        if message.text.startswith("LateEntryNeedsReason"):
            self._show_reason(True)
            self.set_focus(self.query_one("#reason", Input))
        elif message.text.startswith(("OverOrderNotConfirmed", "OverOrderNeedsReason")):
            self.ledger_found_over = self._dose_on_form(self.values())
            self._show_over(True)
            self.set_focus(self.query_one("#over_reason", Input))
        elif self._about_provider(message.text):
            self.set_focus(self.query_one("#provider", Input))

    def _about_provider(self, refusal: str) -> bool:
        """The ledger refused the provider named (not the witness): the nurse fixes it there."""
        if refusal.startswith("RenderingProviderNotEligible"):
            return True
        v = self.values()
        name = v["provider"].lower()
        return (
            bool(name)
            and name != v["witness"].lower()
            and refusal.startswith(("UnknownUser", "AccountDisabled"))
            and f"'{name}'" in refusal
        )

    def on_database_failed(self, message: DatabaseFailed) -> None:
        # Nothing was recorded and nothing typed is lost: Record again once the database is back.
        self.query_one("#infusion-error", Static).update(message.text)
