"""The billing <-> dispensing cross-check: where the drug ledger and the bills disagree.

- `unbilled_infusion`: an infusion given with no invoice line, no package credit and no
  pending charge either (recording an infusion always leaves one of the last two, so this is
  an infusion billing never saw: recorded before billing began, or its billing failed). A
  pending charge is billing's queue (`billing pending`), not a disagreement; a patient's
  later infusion on a day whose session is billed is part of that session
  (ledger/services/billing/infusion_billing.py), not unbilled;
- `billed_without_administration`: an infusion service billed for a patient on a day with no
  administration movement for them (reversed administrations do not count);
- `time_units`: infusion time units billed (96365 + 96366) that the recorded start and end
  do not support;
- `drug_units`: a separately billed drug line (HCPCS, 1 unit per mg) against the mg given.

Diversion (a dose charted and not billed, or billed and not charted) and billing errors show
up together here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from ledger.clock import end_of_day, local_date
from ledger.infusion_units import ADDITIONAL_HOUR, FIRST_HOUR, time_units
from ledger.models import Infusion, Patient
from ledger.models.base import table_of
from ledger.models.billing import Invoice, InvoiceLine, InvoiceStatus, LineKind, PriceItem
from ledger.models.billing_money import CreditMovement, CreditMovementKind, PackageCredit
from ledger.queries.billing_services import administered_days, charges_for, delivered
from ledger.units import mg_text

KINDS = ("unbilled_infusion", "billed_without_administration", "time_units", "drug_units")
UG_PER_DRUG_UNIT = 1000  # one billed drug unit per mg
#: HCPCS J3490, the unclassified drug: how ketamine is billed.
DRUG_HCPCS = "J3490"


@dataclass(frozen=True)
class Finding:
    kind: str
    infusion: int | None
    patient: str
    message: str
    day: date

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "infusion": self.infusion,
            "patient": self.patient,
            "message": self.message,
        }


def _infusion_codes(session: Session) -> set[str]:
    """Price item codes that bill the infusion of the controlled drug: an infusion time CPT
    code, or the drug's own HCPCS code (an add-on such as ondansetron is neither)."""
    p = table_of(PriceItem)
    return {
        code
        for code, cpt, hcpcs in session.execute(sa.select(p.c.code, p.c.cpt, p.c.hcpcs))
        if cpt in (FIRST_HOUR, ADDITIONAL_HOUR) or (hcpcs == DRUG_HCPCS and not cpt)
    }


def crosscheck(session: Session, tz: str, first: date, last: date) -> list[Finding]:
    given = delivered(session, tz, first, last)
    charges = charges_for(session, given)
    out: list[Finding] = []
    # One session a day: any billed infusion bills the patient's day.
    sessions = {(d.patient_id, d.day) for d in given if charges[d.infusion_id]}
    for d in given:
        mine = charges[d.infusion_id]
        if not mine and (d.patient_id, d.day) not in sessions:
            out.append(
                Finding(
                    "unbilled_infusion",
                    d.infusion_id,
                    d.mrn,
                    f"infusion {d.infusion_id} on {d.day} ({mg_text(d.given_ug)} mg given) has "
                    "no invoice line, no package credit and no pending charge",
                    d.day,
                )
            )
        units = time_units(d.started_at, d.ended_at)
        billed_time = sum(
            c.quantity
            for c in mine
            if c.source == "invoice" and c.cpt in (FIRST_HOUR, ADDITIONAL_HOUR)
        )
        if units is not None and billed_time:
            supported = units.first_hour + units.additional_hours
            if billed_time != supported:
                out.append(
                    Finding(
                        "time_units",
                        d.infusion_id,
                        d.mrn,
                        f"infusion {d.infusion_id} billed {billed_time} time unit(s); its "
                        f"recorded {units.minutes_text()} support {supported} "
                        f"({FIRST_HOUR} x{units.first_hour}, "
                        f"{ADDITIONAL_HOUR} x{units.additional_hours})",
                        d.day,
                    )
                )
        drug_units = sum(
            c.quantity for c in mine if c.source == "invoice" and c.hcpcs and not c.cpt
        )
        if drug_units:
            expected = -(-d.given_ug // UG_PER_DRUG_UNIT)
            if drug_units != expected:
                out.append(
                    Finding(
                        "drug_units",
                        d.infusion_id,
                        d.mrn,
                        f"infusion {d.infusion_id} billed {drug_units} drug unit(s) (1 per mg) "
                        f"for {mg_text(d.given_ug)} mg given ({expected} units)",
                        d.day,
                    )
                )
    out.extend(_billed_without_administration(session, tz, first, last))
    return sorted(out, key=lambda f: (f.day, f.patient, f.infusion or 0, f.kind))


def _billed_without_administration(
    session: Session, tz: str, first: date, last: date
) -> list[Finding]:
    """Issued lines for infusion services: an infusion line on the infusion's day, an item line
    on its invoice's day; each needs an administration for that patient that day."""
    services = _infusion_codes(session)
    inv, ln, i, p = table_of(Invoice), table_of(InvoiceLine), table_of(Infusion), table_of(Patient)
    given = administered_days(session, tz, first, last)
    after, until = end_of_day(tz, first - timedelta(days=1)), end_of_day(tz, last)
    out: list[Finding] = []
    # A prepaid session used by an infusion whose administration was then reversed was
    # billed (the credit is gone) for a dose nobody was given, unless the reversal gave the
    # credit back (every reversal since credits could be given back does).
    cm, pc = table_of(CreditMovement), table_of(PackageCredit)
    back = cm.alias("given_back")
    used = session.execute(
        sa.select(cm.c.infusion_id, cm.c.service_code, pc.c.patient_id, p.c.mrn, i.c.event_at)
        .join(pc, pc.c.id == cm.c.credit_id)
        .join(p, p.c.id == pc.c.patient_id)
        .join(i, i.c.id == cm.c.infusion_id)
        .where(
            cm.c.kind == CreditMovementKind.CONSUME,
            ~sa.exists(
                sa.select(back.c.id).where(
                    back.c.infusion_id == cm.c.infusion_id,
                    back.c.kind == CreditMovementKind.RETURN,
                )
            ),
            i.c.event_at > after,
            i.c.event_at <= until,
        )
        .order_by(cm.c.id)
    )
    for row in used:
        day = local_date(tz, row.event_at)
        if (row.patient_id, day) not in given:
            out.append(
                Finding(
                    "billed_without_administration",
                    row.infusion_id,
                    row.mrn,
                    f"a prepaid {row.service_code or 'session'} was used by infusion "
                    f"{row.infusion_id} for {row.mrn} on {day}, and its administration "
                    "was reversed",
                    day,
                )
            )
    rows = session.execute(
        sa.select(
            ln.c.kind,
            ln.c.code,
            ln.c.description,
            ln.c.infusion_id,
            inv.c.number,
            inv.c.issued_on,
            inv.c.patient_id,
            p.c.mrn,
            i.c.event_at,
        )
        .join(inv, inv.c.id == ln.c.invoice_id)
        .join(p, p.c.id == inv.c.patient_id)
        .outerjoin(i, i.c.id == ln.c.infusion_id)
        .where(
            inv.c.status == InvoiceStatus.ISSUED,
            sa.or_(
                sa.and_(ln.c.infusion_id.is_not(None), i.c.event_at > after, i.c.event_at <= until),
                sa.and_(
                    ln.c.kind == LineKind.ITEM,
                    ln.c.code.in_(sorted(services) or [""]),
                    inv.c.issued_on >= first,
                    inv.c.issued_on <= last,
                ),
            ),
        )
        .order_by(ln.c.id)
    )
    for row in rows:
        day = local_date(tz, row.event_at) if row.event_at is not None else row.issued_on
        if day is None or not first <= day <= last:
            continue
        if (row.patient_id, day) in given:
            continue
        out.append(
            Finding(
                "billed_without_administration",
                row.infusion_id,
                row.mrn,
                f"{row.number} bills {row.code or row.description} for {row.mrn} on {day}, "
                "and no administration was recorded for them that day",
                day,
            )
        )
    return out
