"""Patients (admin): the newest patients, one added by hand, or a CSV imported (a bad line is
named, and nothing of the file is written)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.database import Database
from ledger.errors import InvalidText
from ledger.models import Patient
from ledger.services.patients import NewPatient, add_patient, import_patients
from ledger.unit_of_work import look
from ledger.units import parse_date, parse_weight_g
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain
from tui.app.record_form import FormField, RecordForm
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

#: The list shows the newest patients only; a patient is found by MRN on the other screens.
SHOWN = 40


def newest_patients(db: Database, actor: Actor) -> list[tuple[str, str, str, str]]:
    with look(db, actor) as tx:
        rows = tx.session.exec(select(Patient).order_by(col(Patient.id).desc()).limit(SHOWN))
        return [(p.mrn, p.name, p.dob.isoformat(), p.address.replace("\n", ", ")) for p in rows]


class AdminPatientsScreen(Screen[None]):
    BINDINGS = [
        Binding("a", "add", "Add patient", id="patients_add"),
        Binding("m", "import_csv", "Import CSV", id="patients_import"),
        Binding("escape", "app.pop_screen", "Back", id="patients_back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain(
            f"Patients, newest {SHOWN} · a add · m import a CSV · esc back", classes="section"
        )
        yield Table(id="patients", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="patients-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#patients", DataTable).add_columns("MRN", "Name", "Born", "Address")
        self.set_focus(self.query_one("#patients", DataTable))
        self._load()

    @work(thread=True, exclusive=True, group="patients", exit_on_error=False)
    def _load(self) -> None:
        try:
            rows = newest_patients(self.app.db, self.actor)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[tuple[str, str, str, str]]) -> None:
        table = self.query_one("#patients", DataTable)
        table.clear()
        for row in rows:
            table.add_row(*row)

    def _done(self, summary: str | None) -> None:
        if summary:
            self._status(summary, ok=True)
            self._load()

    def action_add(self) -> None:
        db, actor = self.app.db, self.actor  # type: ignore[attr-defined]

        def save(v: dict[str, str]) -> str:
            added = add_patient(
                db,
                actor,
                NewPatient(
                    name=v["name"],
                    address=v["address"],
                    dob=parse_date(v["dob"], "date of birth"),
                    mrn=v["mrn"] or None,
                    weight_g=parse_weight_g(v["weight"]) if v["weight"] else None,
                ),
            )
            return f"Patient {added.name} added as {added.mrn}"

        fields = [
            FormField("name", "Name"),
            FormField("address", "Address"),
            FormField("dob", "Born (YYYY-MM-DD)"),
            FormField("mrn", "MRN (blank: next)"),
            FormField("weight", "Weight (optional)"),
        ]
        self.app.push_screen(RecordForm("Add a patient", fields, save), self._done)

    def action_import_csv(self) -> None:
        db, actor = self.app.db, self.actor  # type: ignore[attr-defined]

        def save(v: dict[str, str]) -> str:
            path = Path(v["path"]).expanduser()
            try:
                with open(path, "rb") as f:
                    ids = import_patients(db, actor, f)
            except OSError as exc:
                raise InvalidText(
                    f"cannot read {path}: {exc.strerror}", subject=str(path)
                ) from None
            return f"{len(ids)} patients imported from {path.name}"

        self.app.push_screen(
            RecordForm(
                "Import patients from a CSV",
                [FormField("path", "CSV file")],
                save,
                note="Columns: name, address, dob; optional mrn, weight. "
                "A bad line is named and nothing is imported.",
            ),
            self._done,
        )

    def _status(self, text: str, *, ok: bool = False) -> None:
        status = self.query_one("#patients-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    def on_refused(self, message: Refused) -> None:
        self._status(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text)
