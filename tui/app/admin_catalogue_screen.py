"""The catalogue (admin): DEA registrations, suppliers and products, each listed and added."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.database import Database
from ledger.identifiers import validate_schedule
from ledger.models import Product, Registration, Supplier
from ledger.services.catalogue import add_product, add_registration, add_supplier
from ledger.unit_of_work import look
from ledger.units import parse_date, parse_strength, parse_volume_ul, strength_text, volume_text
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain
from tui.app.record_form import FormField, RecordForm
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


@dataclass(frozen=True)
class Catalogue:
    registrations: list[tuple[str, ...]]
    suppliers: list[tuple[str, ...]]
    products: list[tuple[str, ...]]


def read_catalogue(db: Database, actor: Actor) -> Catalogue:
    """The clinic's registrations, suppliers and products, as rows to show (a few dozen)."""
    with look(db, actor) as tx:
        s = tx.session
        regs = s.exec(select(Registration).order_by(col(Registration.id))).all()
        sups = s.exec(select(Supplier).order_by(col(Supplier.name))).all()
        prods = s.exec(select(Product).order_by(col(Product.name))).all()
        return Catalogue(
            [(r.dea_number, r.registrant, r.schedules, r.expires.isoformat()) for r in regs],
            [(x.name, x.dea_number, x.address.replace("\n", ", ")) for x in sups],
            [
                (
                    p.name,
                    p.ndc,
                    str(p.schedule),
                    strength_text(p.strength_ug_per_ml),
                    volume_text(p.volume_ul) + " mL",
                    "multi-dose" if p.multi_dose else "single-dose",
                )
                for p in prods
            ],
        )


def _yes(text: str) -> bool:
    return text.strip().lower() in ("", "yes", "y", "multi", "multi-dose")


class AdminCatalogueScreen(Screen[None]):
    BINDINGS = [
        Binding("g", "add_registration", "Add registration", id="catalogue_registration"),
        Binding("s", "add_supplier", "Add supplier", id="catalogue_supplier"),
        Binding("d", "add_product", "Add product", id="catalogue_product"),
        Binding("escape", "app.pop_screen", "Back", id="catalogue_back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Registrations · g add", classes="section")
        yield Table(id="registrations", cursor_type="row")
        yield Plain("Suppliers · s add", classes="section")
        yield Table(id="suppliers", cursor_type="row")
        yield Plain("Products · d add", classes="section")
        yield Table(id="products", cursor_type="row")
        yield Plain("", id="catalogue-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#registrations", DataTable).add_columns(
            "DEA number", "Registrant", "Schedules", "Expires"
        )
        self.query_one("#suppliers", DataTable).add_columns("Supplier", "DEA number", "Address")
        self.query_one("#products", DataTable).add_columns(
            "Product", "NDC", "Schedule", "Strength", "Volume", "Vials"
        )
        self._load()

    @work(thread=True, exclusive=True, group="catalogue", exit_on_error=False)
    def _load(self) -> None:
        try:
            found = read_catalogue(self.app.db, self.actor)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show, found)

    def _show(self, found: Catalogue) -> None:
        for table_id, rows in (
            ("#registrations", found.registrations),
            ("#suppliers", found.suppliers),
            ("#products", found.products),
        ):
            table = self.query_one(table_id, DataTable)
            table.clear()
            for row in rows:
                table.add_row(*row)

    def _done(self, summary: str | None) -> None:
        if summary:
            self._status(summary, ok=True)
            self._load()

    def action_add_registration(self) -> None:
        db, actor = self.app.db, self.actor  # type: ignore[attr-defined]

        def save(v: dict[str, str]) -> str:
            add_registration(
                db,
                actor,
                dea_number=v["dea_number"],
                registrant=v["registrant"],
                address=v["address"],
                schedules=[validate_schedule(s.strip()) for s in v["schedules"].split(",")],
                expires=parse_date(v["expires"], "expiry"),
            )
            return f"Registration {v['dea_number']} added"

        fields = [
            FormField("dea_number", "DEA number"),
            FormField("registrant", "Registrant"),
            FormField("address", "Address"),
            FormField("schedules", "Schedules (3,4,5)"),
            FormField("expires", "Expires (YYYY-MM-DD)"),
        ]
        self.app.push_screen(RecordForm("Add a DEA registration", fields, save), self._done)

    def action_add_supplier(self) -> None:
        db, actor = self.app.db, self.actor  # type: ignore[attr-defined]

        def save(v: dict[str, str]) -> str:
            add_supplier(db, actor, name=v["name"], address=v["address"], dea_number=v["dea"])
            return f"Supplier {v['name']} added"

        fields = [
            FormField("name", "Name"),
            FormField("address", "Address"),
            FormField("dea", "DEA number"),
        ]
        self.app.push_screen(RecordForm("Add a supplier", fields, save), self._done)

    def action_add_product(self) -> None:
        db, actor = self.app.db, self.actor  # type: ignore[attr-defined]

        def save(v: dict[str, str]) -> str:
            add_product(
                db,
                actor,
                name=v["name"],
                ndc=v["ndc"],
                schedule=v["schedule"],
                strength_ug_per_ml=parse_strength(v["strength"]),
                volume_ul=parse_volume_ul(v["volume"]),
                multi_dose=_yes(v["multi_dose"]),
                label_prefix=v["prefix"] or None,
            )
            return f"Product {v['name']} ({v['ndc']}) added"

        fields = [
            FormField("name", "Name"),
            FormField("ndc", "NDC (5-4-2)"),
            FormField("schedule", "Schedule (3, 4, 5)"),
            FormField("strength", "Strength (50mg/mL)"),
            FormField("volume", "Volume (10mL)"),
            FormField("multi_dose", "Multi-dose (yes/no)", value="yes"),
            FormField("prefix", "Label prefix (optional)"),
        ]
        self.app.push_screen(RecordForm("Add a product", fields, save), self._done)

    def _status(self, text: str, *, ok: bool = False) -> None:
        status = self.query_one("#catalogue-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    def on_refused(self, message: Refused) -> None:
        self._status(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text)
