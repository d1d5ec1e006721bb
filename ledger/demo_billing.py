"""The demo clinic's billing: a price list and packages from the first morning, series sold
on issued invoices (after a good faith estimate) and consumed by the infusions, boosters
(a patient's visits after their sixth) and the rest billed singly at the list price on a
monthly invoice per patient, payments in full and in part, an overpayment applied later, a
void, a credit note, a refund of unused credits, one item billed on a day nobody was infused
(the cross-check's seeded finding), and in the demo's last ten days a series and a booster
pack sold that are still mostly unused on its last day (the prepaid liability an accountant
asks for at month end is not zero).

`open_day` runs each business morning of the demo, before its infusions; everything goes
through the public services, with the demo's pinned clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ledger.models.billing import Invoice
from ledger.services import users
from ledger.services.billing import corrections, invoices, lines, packages, payments, prices
from ledger.services.billing.pending import pending_rows
from ledger.services.billing.refunds import refund_package
from ledger.services.diagnoses import diagnose
from ledger.services.gfe import EstimateItem, new_estimate
from ledger.services.settings import update_settings

#: Dr. Kim's NPI (a valid check digit), printed on superbills and estimates.
DIRECTOR_NPI = "1245319599"
#: Patients (by their place in the demo's list) who buy the initial series on day one.
SERIES_BUYERS = 8
#: A patient's visits after this many are boosters.
SERIES_SESSIONS = 6
#: The late sales (a series and a booster pack) happen this close to the demo's last day.
LATE_SALES_DAYS = 10
DIAGNOSES = ("F33.1", "F33.2", "F43.10", "F32.2")
PRICE_LIST = (
    # code, description, cpt, hcpcs, cents
    ("MOOD", "Ketamine infusion for depression (40 minutes)", "96365", "J3490", 45_000),
    ("PAIN", "Ketamine infusion for chronic pain, per hour", "96365", "J3490", 35_000),
    ("BOOSTER", "Booster infusion (40 minutes)", "96365", "J3490", 40_000),
    ("CONSULT", "New patient consultation", "99204", None, 25_000),
    ("ONDANSETRON", "Ondansetron 4 mg IV (anti-nausea add-on)", None, "J2405", 3_500),
)


@dataclass
class _Billing:
    """What the demo's billing remembers from one morning to the next."""

    series_invoices: dict[str, int] = field(default_factory=dict)
    partly_paid: list[int] = field(default_factory=list)
    overpaid: str | None = None
    refunded: bool = False
    seeded: bool = False
    closed: bool = False
    late_sales: bool = False
    #: The clinic days each patient was infused on, to tell a booster from a series visit.
    visits: dict[str, set[date]] = field(default_factory=dict)


def service_for(c: Any, mrn: str, day: date) -> str | None:
    """The item the nurse names for this infusion: BOOSTER for a patient's first infusion of
    the day once they have had their series' six visits; otherwise None (billed by protocol,
    the mood infusion). A second infusion the same day names nothing: one chair visit is
    one session."""
    state: _Billing | None = getattr(c, "billing_state", None)
    if state is None:
        return None
    days = state.visits.setdefault(mrn, set())
    if day in days:
        return None
    booster = len(days) >= SERIES_SESSIONS
    days.add(day)
    return "BOOSTER" if booster else None


def open_day(c: Any, day: date, first_day: date, last_day: date, mrns: list[str]) -> None:
    """The billing office's morning on `day` (a business day of the demo)."""
    state: _Billing | None = getattr(c, "billing_state", None)
    if state is None:
        state = _Billing()
        c.billing_state = state
        _c_act(c, day, 7, 5)
        _set_up(c, day, mrns, state)
        return
    if not state.refunded:
        state.refunded = True
        _c_act(c, day, 7, 20)
        # A buyer changed their mind: the unused sessions come back by the package rule.
        buyer = mrns[SERIES_BUYERS - 1]
        refund_package(
            c.db, c.actor("bella"), state.series_invoices[buyer], reason="changed their mind"
        )
    if not state.late_sales and day >= last_day - timedelta(days=LATE_SALES_DAYS):
        state.late_sales = True
        _c_act(c, day, 7, 15)
        _late_sales(c, day, mrns)
    if not state.seeded and day.weekday() == 0 and day >= last_day - timedelta(days=6):
        state.seeded = True
        # Catching up on the Saturday, a clerk billed a mood infusion nobody was given: the
        # cross-check's seeded finding (no infusions happen at the weekend).
        saturday = day - timedelta(days=2)
        _c_act(c, saturday, 10, 0)
        bella = c.actor("bella")
        inv = invoices.new_invoice(c.db, bella, patient=mrns[SERIES_BUYERS])
        lines.add_item_line(c.db, bella, inv, code="MOOD")
        invoices.issue_invoice(c.db, bella, inv)
    if not state.closed and _last_business_day(day, last_day):
        state.closed = True
        _c_act(c, day, 7, 10)
        _month_end(c, day, state)


def _last_business_day(day: date, last_day: date) -> bool:
    nxt = day + timedelta(days=1)
    while nxt.weekday() >= 5:
        nxt += timedelta(days=1)
    return nxt > last_day


def _c_act(c: Any, day: date, hour: int, minute: int) -> None:
    when: datetime = c.at(day, hour, minute)
    c.act(when)


def _set_up(c: Any, day: date, mrns: list[str], state: _Billing) -> None:
    admin, bella = c.actor("admin"), c.actor("bella")
    users.set_npi(c.db, admin, "drkim", DIRECTOR_NPI)
    update_settings(c.db, admin, medical_director="drkim")
    for code, text, cpt, hcpcs, cents in PRICE_LIST:
        prices.set_price(
            c.db, bella, code=code, description=text, cpt=cpt, hcpcs=hcpcs, price_cents=cents,
            effective_from=day,
        )  # fmt: skip
    packages.define_package(
        c.db, bella, code="SERIES6", name="Initial series of six infusions", sessions=6,
        price_cents=240_000, valid_days=90, covers=["MOOD"], effective_from=day,
    )  # fmt: skip
    packages.define_package(
        c.db, bella, code="BOOST3", name="Three-booster pack", sessions=3, price_cents=110_000,
        valid_days=180, covers=["BOOSTER", "MOOD"], effective_from=day,
    )  # fmt: skip
    for i, mrn in enumerate(mrns[:SERIES_BUYERS]):
        diagnose(c.db, c.actor("drkim"), mrn, DIAGNOSES[i % len(DIAGNOSES)])
        # The estimate for the series, then the series sold on an issued invoice.
        new_estimate(
            c.db, bella, mrn=mrn, packages=["SERIES6"], items=[EstimateItem("CONSULT")],
            scheduled_for=day + timedelta(days=7),
        )  # fmt: skip
        inv = invoices.new_invoice(c.db, bella, patient=mrn)
        lines.add_package_line(c.db, bella, inv, code="SERIES6")
        lines.add_item_line(c.db, bella, inv, code="CONSULT")
        if i == 2:
            lines.add_discount_line(c.db, bella, inv, percent_bp=1000, reason="veteran discount")
        issued = invoices.issue_invoice(c.db, bella, inv)
        state.series_invoices[mrn] = inv
        if i == 3:
            continue  # not paid yet: it ages
        if i == 4:
            payments.pay_invoice(c.db, bella, inv, amount_cents=120_000, method="card",
                                 reference="auth 4004")  # fmt: skip
            state.partly_paid.append(inv)
        elif i == 5:
            # Paid 100.00 too much: kept as credit and applied to the next invoice.
            payments.pay_invoice(c.db, bella, inv, amount_cents=issued.total_cents + 10_000,
                                 method="check", reference="check 1043")  # fmt: skip
            state.overpaid = mrn
        else:
            payments.pay_invoice(c.db, bella, inv, amount_cents=issued.total_cents,
                                 method="hsa" if i % 2 else "card",
                                 reference=f"auth {4000 + i}")  # fmt: skip


def _late_sales(c: Any, day: date, mrns: list[str]) -> None:
    """Near the end of the demo: a new patient buys the series after their estimate, and the
    first series buyer a three-booster pack; both paid in full. Their unused credits are the
    prepaid liability on the demo's last day."""
    bella = c.actor("bella")
    newcomer, regular = mrns[SERIES_BUYERS + 1], mrns[0]
    diagnose(c.db, c.actor("drkim"), newcomer, DIAGNOSES[0])
    new_estimate(
        c.db, bella, mrn=newcomer, packages=["SERIES6"], items=[EstimateItem("CONSULT")],
        scheduled_for=day + timedelta(days=7),
    )  # fmt: skip
    for mrn, package, extra in ((newcomer, "SERIES6", "CONSULT"), (regular, "BOOST3", None)):
        inv = invoices.new_invoice(c.db, bella, patient=mrn)
        lines.add_package_line(c.db, bella, inv, code=package)
        if extra:
            lines.add_item_line(c.db, bella, inv, code=extra)
        issued = invoices.issue_invoice(c.db, bella, inv)
        payments.pay_invoice(c.db, bella, inv, amount_cents=issued.total_cents, method="card",
                             reference=f"auth {package}")  # fmt: skip


def _month_end(c: Any, day: date, state: _Billing) -> None:
    """The billing office's month end: the rest of a partly paid series, the infusions no
    credit paid for billed singly at the list price of their day (one invoice per patient,
    all their waiting infusions in one step), one voided (its infusions wait again), one left
    owing, one half paid, one credited, the overpayment applied."""
    bella = c.actor("bella")
    for inv in state.partly_paid:
        payments.pay_invoice(c.db, bella, inv, amount_cents=_owed(c, inv), method="card",
                             reference="second instalment")  # fmt: skip
    with c.db.read() as session:
        # Patients with infusions waiting, in the order they first came.
        waiting = list(dict.fromkeys(p.mrn for p in pending_rows(session)))
    for n, mrn in enumerate(waiting):
        inv = invoices.new_invoice(c.db, bella, patient=mrn)
        lines.add_pending_lines(c.db, bella, inv)
        if n == 1:
            lines.add_item_line(c.db, bella, inv, code="ONDANSETRON")
        invoices.issue_invoice(c.db, bella, inv)
        if n == 0:
            corrections.void_invoice(c.db, bella, inv, reason="billed before the chart was final")
            continue  # its infusions are pending again
        if n == 2:
            continue  # left owing: the aging report has something to show
        owed = _owed(c, inv)
        payments.pay_invoice(c.db, bella, inv, amount_cents=owed // 2 if n == 3 else owed,
                             method="hsa" if n % 2 else "card")  # fmt: skip
    if state.overpaid:
        # The overpayment pays for the follow-up consultation.
        inv = invoices.new_invoice(c.db, bella, patient=state.overpaid)
        lines.add_item_line(c.db, bella, inv, code="CONSULT")
        invoices.issue_invoice(c.db, bella, inv)
        held = payments.patient_credit(c.db, bella, patient=state.overpaid)
        payments.pay_invoice(c.db, bella, inv, amount_cents=held, method="credit")
    first = next(iter(state.series_invoices.values()))
    corrections.credit_note(c.db, bella, first, amount_cents=10_000,
                            reason="goodwill: the first session started late")  # fmt: skip


def _owed(c: Any, invoice_id: int) -> int:
    from ledger.services.billing.common import figures

    with c.db.read() as session:
        inv = session.get(Invoice, invoice_id)
        assert inv is not None
        return figures(session, inv).balance_cents
