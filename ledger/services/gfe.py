"""Good faith estimates (No Surprises Act, 45 CFR 149.610): written for a self-pay patient who
schedules or asks, priced from the price list of the service's day, due by the business-day
rule, given (and recorded as given) when made, and checked against what was later billed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ledger.access import Actor
from ledger.audited import audited
from ledger.business_days import holidays_of
from ledger.clock import local_date
from ledger.database import Database
from ledger.errors import InvalidAmount, InvalidDate, InvalidText, UnknownRecord
from ledger.gfe_deadlines import due_on_request, due_on_scheduling, series_covers_until
from ledger.models.billing_records import EstimateLine, GoodFaithEstimate
from ledger.queries.billing_estimates import (
    EstimateCheck,
    EstimateView,
    estimate_checks,
    estimate_view,
)
from ledger.queries.billing_parties import (
    clinic_identity,
    diagnoses,
    patient_identity,
    rendering_provider,
)
from ledger.queries.billing_prices import package_on, price_on
from ledger.text import clean_text
from ledger.unit_of_work import UnitOfWork, act, look

#: A single (not recurring) service's estimate is compared with bills issued up to this
#: many days after its date: a bill commonly follows the visit by a few weeks.
SINGLE_SERVICE_BILLING_DAYS = 30
#: More of one item than this on one estimate is a typing error.
MOST_UNITS = 100


@dataclass(frozen=True)
class EstimateItem:
    code: str
    quantity: int = 1


def _lines(
    tx: UnitOfWork, items: Sequence[EstimateItem], packages: Sequence[str], day: date
) -> list[dict[str, Any]]:
    """The estimate's lines (as column values), priced on the service's day."""
    lines: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item.quantity, int) or not 1 <= item.quantity <= MOST_UNITS:
            raise InvalidAmount(f"quantity of {item.code} must be 1 to {MOST_UNITS}")
        price = price_on(tx.session, item.code, day)
        if price is None:
            raise UnknownRecord(
                f"no price for item {item.code!r} on {day} (price set --code ...)",
                subject=item.code,
            )
        lines.append(
            dict(
                item_code=price.code,
                description=price.description,
                cpt=price.cpt,
                hcpcs=price.hcpcs,
                quantity=item.quantity,
                unit_cents=price.unit_price_cents,
                line_cents=price.unit_price_cents * item.quantity,
            )
        )
    for code in packages:
        package = package_on(tx.session, code, day)
        if package is None:
            raise UnknownRecord(f"no package {code!r} on {day}", subject=code)
        covered = [price_on(tx.session, c, day) for c in package.covered_codes()]
        first = next((p for p in covered if p is not None), None)
        names = ", ".join(p.description for p in covered if p is not None) or package.covers
        lines.append(
            dict(
                package_code=package.code,
                description=f"{package.name}: {package.sessions} sessions ({names})",
                cpt=first.cpt if first else None,
                hcpcs=first.hcpcs if first else None,
                quantity=1,
                unit_cents=package.price_cents,
                line_cents=package.price_cents,
            )
        )
    return lines


@audited("billing.estimate")
def new_estimate(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    items: Sequence[EstimateItem] = (),
    packages: Sequence[str] = (),
    scheduled_for: date | None = None,
    requested: bool = False,
    note: str = "",
) -> EstimateView:
    """Write and give an estimate now. Its due date follows the rule for a service scheduled
    `scheduled_for` (booked today) or for a request made today."""
    if not items and not packages:
        raise InvalidText("an estimate lists at least one --item or --package")
    if scheduled_for is None and not requested:
        raise InvalidDate("give the service's --scheduled date, or say the patient --requested it")
    why = clean_text(note, "note", 2000, required=False) or None
    with act(db, actor, "billing.estimate") as tx:
        clinic = clinic_identity(tx.session)
        provider = rendering_provider(tx.session)
        patient = patient_identity(tx.session, mrn)
        today = local_date(clinic.timezone, tx.entered_at)
        if scheduled_for is not None and scheduled_for < today:
            raise InvalidDate(f"the service date {scheduled_for} has passed")
        holidays = holidays_of(tx.settings.holidays)
        due = (
            due_on_request(today, holidays)
            if requested
            else due_on_scheduling(today, scheduled_for or today, holidays)
        )
        first_day = scheduled_for or today
        recurring = bool(packages) or any(i.quantity > 1 for i in items)
        valid_until = (
            series_covers_until(first_day)
            if recurring
            else first_day + timedelta(days=SINGLE_SERVICE_BILLING_DAYS)
        )
        lines = _lines(tx, items, packages, first_day)
        estimate = GoodFaithEstimate(
            patient_id=patient.patient_id,
            scheduled_for=scheduled_for,
            requested=requested,
            requested_at=tx.entered_at if requested else None,
            due_on=due,
            given_at=tx.entered_at,
            valid_until=valid_until,
            total_cents=sum(int(ln["line_cents"]) for ln in lines),
            diagnoses=",".join(diagnoses(tx.session, patient.patient_id)),
            provider_id=provider.user_id,
            note=why,
            created_at=tx.entered_at,
            created_by_id=tx.user_id,
        )
        tx.session.add(estimate)
        tx.session.flush()
        assert estimate.id is not None
        for values in lines:
            tx.session.add(EstimateLine(estimate_id=estimate.id, **values))
        tx.session.flush()
        tx.audit(
            detail={
                "estimate": estimate.id,
                "patient": patient.mrn,
                "total_cents": estimate.total_cents,
                "due_on": due.isoformat() if due else None,
            }
        )
        return estimate_view(tx.session, estimate.id)


def show_estimate(db: Database, actor: Actor, estimate_id: int) -> EstimateView:
    with look(db, actor, "billing.read") as tx:
        return estimate_view(tx.session, estimate_id)


def estimate_flags(
    db: Database, actor: Actor, *, mrn: str | None = None, all_estimates: bool = False
) -> list[EstimateCheck]:
    """Estimates whose patient was billed $400 or more above them for their services (every
    estimate in force with `all_estimates`): what the dashboard shows billing staff."""
    with look(db, actor, "billing.read") as tx:
        patient_id = patient_identity(tx.session, mrn).patient_id if mrn else None
        checks = estimate_checks(tx.session, patient_id=patient_id)
    return checks if all_estimates else [c for c in checks if c.flagged]
