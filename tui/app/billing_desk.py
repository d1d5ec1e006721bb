"""What the billing screens ask of the ledger, in the screens' own shapes.

Every call here runs in a worker thread and goes through the billing services (each one
unit of work, authorized there): the screens only show what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.access import Actor
from ledger.database import Database

#: The permissions (ledger/access.py) that open the billing area, let a user write in it,
#: and print its documents. A nurse has none of them: she never sees a price.
BILLING_READ = "billing.read"
BILLING_WRITE = "invoice.write"
BILLING_EXPORT = "export"


def money(cents: int) -> str:
    """Cents as the clinic writes them: 1,234.56 (negative with a minus sign)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}"


@dataclass(frozen=True)
class PatientFound:
    mrn: str
    name: str
    dob: date

    def line(self) -> str:
        return f"{self.name} · born {self.dob.isoformat()} · {self.mrn}"


@dataclass(frozen=True)
class CreditRow:
    package: str
    seq: int
    allocated_cents: int
    sold_on: date
    expires_on: date
    state: str


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: str
    status: str
    issued_on: date | None
    total_cents: int
    paid_cents: int
    balance_cents: int

    def name(self) -> str:
        return self.number or f"draft {self.id}"


@dataclass(frozen=True)
class PaymentRow:
    id: int
    invoice: str
    method: str
    reference: str
    amount_cents: int
    refunded_cents: int
    received_on: date


@dataclass(frozen=True)
class PendingRow:
    id: int
    infusion_id: int
    service_on: date
    code: str
    description: str
    unit_cents: int


@dataclass(frozen=True)
class Account:
    patient: PatientFound
    balance_cents: int
    patient_credit_cents: int
    credits: list[CreditRow]
    invoices: list[InvoiceRow]
    payments: list[PaymentRow]
    pending: list[PendingRow]


@dataclass(frozen=True)
class LineRow:
    kind: str
    code: str
    description: str
    quantity: int
    unit_cents: int
    line_cents: int
    reason: str


@dataclass(frozen=True)
class InvoiceView:
    id: int
    number: str
    status: str
    patient: PatientFound
    lines: list[LineRow]
    total_cents: int
    paid_cents: int
    balance_cents: int

    def name(self) -> str:
        return self.number or f"draft {self.id}"


def find_patients(db: Database, actor: Actor, text: str) -> list[PatientFound]:
    raise NotImplementedError


def patient_account(db: Database, actor: Actor, mrn: str) -> Account:
    raise NotImplementedError


def invoice_view(db: Database, actor: Actor, invoice_id: int) -> InvoiceView:
    raise NotImplementedError


def new_invoice(db: Database, actor: Actor, mrn: str, *, with_pending: bool) -> int:
    raise NotImplementedError


def add_pending(db: Database, actor: Actor, invoice_id: int) -> int:
    raise NotImplementedError


def add_line(db: Database, actor: Actor, invoice_id: int, kind: str, v: dict[str, str]) -> str:
    raise NotImplementedError


def issue(db: Database, actor: Actor, invoice_id: int) -> str:
    raise NotImplementedError


def pay(db: Database, actor: Actor, invoice_id: int, v: dict[str, str]) -> str:
    raise NotImplementedError


def void(db: Database, actor: Actor, invoice_id: int, reason: str) -> str:
    raise NotImplementedError


def credit_note(db: Database, actor: Actor, invoice_id: int, v: dict[str, str]) -> str:
    raise NotImplementedError


def refund(db: Database, actor: Actor, payment_id: int, v: dict[str, str]) -> str:
    raise NotImplementedError
