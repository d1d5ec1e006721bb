"""What the billing screens ask of the ledger, in the screens' own shapes.

Every call here runs in a worker thread and goes through the billing services (each one
unit of work, authorized there): the screens only show what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from ledger.access import Actor
from ledger.clock import local_date
from ledger.database import Database
from ledger.models import GoodFaithEstimate, Invoice, InvoiceStatus, Patient, Payment
from ledger.money import parse_cents, parse_percent
from ledger.queries import patient_search
from ledger.services.billing import corrections, invoices, lines, payments, refunds
from ledger.services.billing.credits import patient_credits
from ledger.services.billing.invoices import invoice_view as ledger_invoice_view
from ledger.services.billing.payments import patient_credit_balance, refunded_cents
from ledger.services.billing.pending import pending_rows
from ledger.services.patients import patient_by_mrn
from ledger.unit_of_work import look
from ledger.units import parse_count

#: The permissions (ledger/access.py) that open the billing area, let a user write in it,
#: and print its documents. A nurse has none of them: she never sees a price.
BILLING_READ = "billing.read"
BILLING_WRITE = "billing.invoice"
BILLING_EXPORT = "billing.export"


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
    #: The draft invoice it is already on, if any.
    draft_id: int | None


@dataclass(frozen=True)
class Account:
    patient: PatientFound
    #: What the patient owes on issued invoices (each invoice's unpaid part).
    balance_cents: int
    #: What the clinic owes the patient back on issued invoices: a credit note larger than
    #: what was still unpaid (a goodwill credit on a paid invoice), to refund or apply.
    owed_back_cents: int
    patient_credit_cents: int
    credits: list[CreditRow]
    invoices: list[InvoiceRow]
    payments: list[PaymentRow]
    pending: list[PendingRow]
    #: Good faith estimates given: (id, total cents), newest first; printed by id.
    estimates: list[tuple[int, int]]


@dataclass(frozen=True)
class LineRow:
    id: int
    kind: str
    code: str
    description: str
    quantity: int
    unit_cents: int
    line_cents: int
    reason: str
    #: A draft's line billing an infusion reversed since it was added: it must come off.
    withdrawn: bool = False


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


def _found(p: Patient) -> PatientFound:
    return PatientFound(p.mrn, p.name, p.dob)


def find_patients(db: Database, actor: Actor, text: str) -> list[PatientFound]:
    """The patient with this MRN, or those whose name holds the text."""
    with look(db, actor, BILLING_READ) as tx:
        return [_found(p) for p in patient_search.find_patients(tx.session, text)]


def patient_account(db: Database, actor: Actor, mrn: str) -> Account:
    """Everything the desk shows of one patient, read in one transaction."""
    with look(db, actor, BILLING_READ) as tx:
        session = tx.session
        person = patient_by_mrn(session, mrn)
        assert person.id is not None
        views = [
            ledger_invoice_view(session, i)
            for i in session.exec(
                select(Invoice)
                .where(Invoice.patient_id == person.id)
                .order_by(col(Invoice.id).desc())
            )
        ]
        numbers = {v.id: v.number or f"draft {v.id}" for v in views}
        payments = [
            PaymentRow(
                id=p.id or 0,
                invoice=numbers.get(p.invoice_id, str(p.invoice_id)),
                method=p.method,
                reference=p.reference or "",
                amount_cents=p.amount_cents,
                refunded_cents=refunded_cents(session, p.id or 0),
                received_on=p.received_on,
            )
            for p in session.exec(
                select(Payment)
                .where(Payment.patient_id == person.id)
                .order_by(col(Payment.id).desc())
            )
        ]
        today = local_date(tx.settings.timezone, tx.entered_at)
        return Account(
            patient=_found(person),
            balance_cents=sum(
                max(v.balance_cents, 0) for v in views if v.status == InvoiceStatus.ISSUED
            ),
            owed_back_cents=sum(
                -min(v.balance_cents, 0) for v in views if v.status == InvoiceStatus.ISSUED
            ),
            patient_credit_cents=patient_credit_balance(session, person.id),
            credits=[
                CreditRow(
                    c.package_code, c.seq, c.allocated_cents, c.sold_on, c.expires_on, c.state
                )
                for c in patient_credits(session, person.id, today)
            ],
            invoices=[
                InvoiceRow(
                    v.id,
                    v.number or "",
                    v.status,
                    v.issued_on,
                    v.total_cents,
                    v.paid_cents,
                    v.balance_cents,
                )
                for v in views
            ],
            payments=payments,
            pending=[
                PendingRow(
                    c.id,
                    c.infusion_id,
                    c.service_on,
                    c.code,
                    c.description,
                    c.unit_cents,
                    c.draft_invoice_id,
                )
                for c in pending_rows(session, person.id)
            ],
            estimates=[
                (e.id or 0, e.total_cents)
                for e in session.exec(
                    select(GoodFaithEstimate)
                    .where(GoodFaithEstimate.patient_id == person.id)
                    .order_by(col(GoodFaithEstimate.id).desc())
                )
            ],
        )


def invoice_view(db: Database, actor: Actor, invoice_id: int) -> InvoiceView:
    v = invoices.show_invoice(db, actor, invoice_id)
    with db.read() as session:
        person = patient_by_mrn(session, v.mrn)
        withdrawn = (
            {line for line, _ in invoices.reversed_lines(session, v.id)}
            if v.status == "draft"
            else set()
        )
    return InvoiceView(
        id=v.id,
        number=v.number or "",
        status=v.status,
        patient=_found(person),
        lines=[
            LineRow(
                line.id,
                line.kind,
                line.code or "",
                line.description,
                line.quantity,
                line.unit_cents,
                line.line_cents,
                line.reason or "",
                line.id in withdrawn,
            )
            for line in v.lines
        ],
        total_cents=v.total_cents,
        paid_cents=v.paid_cents,
        balance_cents=v.balance_cents,
    )


def new_invoice(db: Database, actor: Actor, mrn: str, *, with_pending: bool) -> int:
    """A draft for the patient; with the infusions waiting to be billed on it, when asked."""
    invoice_id = invoices.new_invoice(db, actor, patient=mrn)
    if with_pending:
        add_pending(db, actor, invoice_id)
    return invoice_id


def add_pending(db: Database, actor: Actor, invoice_id: int) -> str:
    """Every pending charge of the invoice's patient not yet on an invoice, one line each."""
    added = lines.add_pending_lines(db, actor, invoice_id)  # all of them, or none
    return f"Added {len(added)} pending charges" if added else "No pending charges to add"


def add_line(db: Database, actor: Actor, invoice_id: int, kind: str, v: dict[str, str]) -> str:
    """One line of the kind chosen, from what was typed."""
    if kind == "item":
        qty = parse_count(v["qty"] or "1", "quantity", 1000)
        line = lines.add_item_line(db, actor, invoice_id, code=v["code"], quantity=qty)
    elif kind == "package":
        line = lines.add_package_line(db, actor, invoice_id, code=v["code"])
    elif kind == "discount":
        typed = v["discount"]
        if typed.endswith("%"):
            line = lines.add_discount_line(
                db, actor, invoice_id, reason=v["reason"], percent_bp=parse_percent(typed)
            )
        else:
            line = lines.add_discount_line(
                db,
                actor,
                invoice_id,
                reason=v["reason"],
                amount_cents=parse_cents(typed, "discount (10% or 50.00)"),
            )
    else:
        text = v["text"] + (f" ({v['reason']})" if v.get("reason") else "")
        line = lines.add_manual_line(
            db, actor, invoice_id, description=text, amount_cents=parse_cents(v["amount"])
        )
    return f"Added {line.description}: {money(line.line_cents)}"


def remove_line(db: Database, actor: Actor, invoice_id: int, line: LineRow) -> str:
    """Take a line off a draft."""
    lines.remove_line(db, actor, invoice_id, line_id=line.id)
    return f"Removed {line.description}: {money(line.line_cents)}"


def issue(db: Database, actor: Actor, invoice_id: int) -> str:
    done = invoices.issue_invoice(db, actor, invoice_id)
    return f"Issued {done.number} for {money(done.total_cents)}"


def pay(db: Database, actor: Actor, invoice_id: int, v: dict[str, str]) -> str:
    taken = payments.pay_invoice(
        db,
        actor,
        invoice_id,
        amount_cents=parse_cents(v["amount"], "payment"),
        method=v["method"].lower(),
        reference=v["reference"] or None,
    )
    extra = f"; {money(taken.credit_cents)} kept as patient credit" if taken.credit_cents else ""
    return (
        f"Payment {taken.payment_id} of {money(taken.amount_cents)} by {taken.method} taken; "
        f"balance {money(taken.balance_cents)}{extra}"
    )


def void(db: Database, actor: Actor, invoice_id: int, reason: str) -> str:
    corrections.void_invoice(db, actor, invoice_id, reason=reason)
    number = invoices.show_invoice(db, actor, invoice_id).number or f"draft {invoice_id}"
    return f"{number} voided: {reason}"


def credit_note(db: Database, actor: Actor, invoice_id: int, v: dict[str, str]) -> str:
    note = corrections.credit_note(
        db, actor, invoice_id, amount_cents=parse_cents(v["amount"], "credit"), reason=v["reason"]
    )
    return f"Credit note {note.number} of {money(note.amount_cents)} given"


def refund(db: Database, actor: Actor, payment_id: int, v: dict[str, str]) -> str:
    refund_id = payments.refund_payment(
        db, actor, payment_id, amount_cents=parse_cents(v["amount"], "refund"), reason=v["reason"]
    )
    return f"Refund {refund_id} of {money(parse_cents(v['amount']))} from payment {payment_id}"


def refund_package(db: Database, actor: Actor, invoice_id: int, v: dict[str, str]) -> str:
    done = refunds.refund_package(
        db, actor, invoice_id, reason=v["reason"], package=v["package"] or None
    )
    return (
        f"Refunded {money(done.amount_cents)} for {done.credits_closed} unused sessions "
        f"(paid {money(done.paid_cents)}, {done.sessions_used} used at "
        f"{money(done.single_price_cents)}, fee {money(done.admin_fee_cents)})"
    )
