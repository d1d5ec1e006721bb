"""Alerts: what the clinic must act on now, from one query (the command line and dashboard).

Each alert has a kind, the thing it is about, a due date where there is one, and a sentence.
Kinds: bud_soon, past_bud, expiring, expired_on_hand, count_overdue, count_open,
discrepancy_open, form106_notice_due, form106_due, inventory_due, registration_expiring,
late_entry, and for those who read billing (never a nurse: it names amounts) gfe_over_estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from ledger import clock
from ledger.access import PERMISSIONS, Actor, roles_of
from ledger.clock import local_date
from ledger.database import Database
from ledger.models import (
    ClinicSettings,
    Count,
    Discrepancy,
    DiscrepancyStatus,
    GoodFaithEstimate,
    LateReview,
    Movement,
    Registration,
    Vial,
    VialBalance,
    VialState,
)
from ledger.queries.inventories import next_inventory_due
from ledger.unit_of_work import look

#: An open vial this close to its beyond-use date is flagged.
BUD_SOON = timedelta(days=3)
#: A lot is flagged this many days before it expires (the alert says which window).
EXPIRY_WINDOWS = (30, 60, 90)
#: A count left open this long is flagged.
COUNT_OPEN_FOR = timedelta(days=1)
#: A discrepancy unresolved this long is flagged.
DISCREPANCY_OPEN_FOR = timedelta(days=7)
REGISTRATION_WITHIN = timedelta(days=60)
#: The biennial inventory is flagged this long before it is due.
INVENTORY_WITHIN = timedelta(days=30)
ON_HAND = (VialState.SEALED, VialState.OPEN, VialState.QUARANTINED)


@dataclass(frozen=True)
class Alert:
    kind: str
    subject: str
    due: date | None
    message: str

    def as_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "due": self.due.isoformat() if self.due else None,
            "message": self.message,
        }


def _vials(session: Session, settings: ClinicSettings, today: date) -> list[Alert]:
    now = clock.now()
    out: list[Alert] = []
    rows = session.exec(
        select(Vial, VialBalance.balance_ug)
        .join(VialBalance, col(VialBalance.vial_id) == Vial.id)
        .where(col(Vial.state).in_(ON_HAND), VialBalance.balance_ug > 0)
        .order_by(col(Vial.label))
    ).all()
    lots: dict[tuple[str, date], int] = {}
    for vial, _balance in rows:
        if vial.state == VialState.OPEN and vial.bud is not None:
            bud_day = local_date(settings.timezone, vial.bud)
            if vial.bud < now:
                out.append(
                    Alert(
                        "past_bud",
                        vial.label,
                        bud_day,
                        f"vial {vial.label} passed its beyond-use date; waste it",
                    )
                )
            elif vial.bud - now <= BUD_SOON:
                out.append(
                    Alert(
                        "bud_soon",
                        vial.label,
                        bud_day,
                        f"vial {vial.label} reaches its beyond-use date on {bud_day}",
                    )
                )
        lots[(vial.lot, vial.expires)] = lots.get((vial.lot, vial.expires), 0) + 1
    for (lot, expires), n in sorted(lots.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if expires < today:
            out.append(
                Alert(
                    "expired_on_hand",
                    lot,
                    expires,
                    f"lot {lot} expired on {expires}; {n} vial(s) await disposal",
                )
            )
            continue
        days = (expires - today).days
        window = next((w for w in EXPIRY_WINDOWS if days <= w), None)
        if window is not None:
            out.append(
                Alert(
                    "expiring",
                    lot,
                    expires,
                    f"lot {lot} expires within {window} days ({expires}); {n} vial(s)",
                )
            )
    return out


def _counts(session: Session, settings: ClinicSettings, today: date) -> list[Alert]:
    now = clock.now()
    out: list[Alert] = []
    last = session.exec(
        select(Count.submitted_at)
        .where(col(Count.submitted_at).is_not(None))
        .order_by(col(Count.submitted_at).desc())
    ).first()
    interval = timedelta(days=settings.count_interval_days)
    if last is None:
        out.append(
            Alert("count_overdue", "shelf", today, "no count of the shelf was ever submitted")
        )
    elif now - last > interval:
        due = local_date(settings.timezone, last + interval)
        out.append(Alert("count_overdue", "shelf", due, f"a count of the shelf was due on {due}"))
    for count in session.exec(
        select(Count).where(col(Count.submitted_at).is_(None)).order_by(col(Count.id))
    ).all():
        if now - count.started_at > COUNT_OPEN_FOR:
            started = local_date(settings.timezone, count.started_at)
            out.append(
                Alert(
                    "count_open",
                    f"count {count.id}",
                    None,
                    f"count {count.id} was started on {started} and not submitted",
                )
            )
    return out


def _discrepancies(session: Session, today: date) -> list[Alert]:
    now = clock.now()
    out: list[Alert] = []
    for d in session.exec(select(Discrepancy).order_by(col(Discrepancy.id))).all():
        subject = f"discrepancy {d.id}"
        if d.status in (DiscrepancyStatus.OPEN, DiscrepancyStatus.INVESTIGATING):
            if now - d.opened_at > DISCREPANCY_OPEN_FOR:
                out.append(
                    Alert(
                        "discrepancy_open",
                        subject,
                        None,
                        f"{subject} has been unresolved since {d.discovered_on}",
                    )
                )
        elif d.status == DiscrepancyStatus.ESCALATED and d.form_confirmed_at is None:
            # Until the registrant confirms the draft, both DEA deadlines stand.
            out.append(
                Alert(
                    "form106_notice_due",
                    subject,
                    d.notice_due,
                    f"written notice of {subject} to the DEA is due {d.notice_due}",
                )
            )
            out.append(
                Alert(
                    "form106_due",
                    subject,
                    d.form_due,
                    f"Form 106 for {subject} is due {d.form_due}",
                )
            )
    return out


def _registrations(session: Session, today: date) -> list[Alert]:
    out = []
    for reg in session.exec(select(Registration).order_by(col(Registration.id))).all():
        if reg.expires - today <= REGISTRATION_WITHIN:
            out.append(
                Alert(
                    "registration_expiring",
                    reg.dea_number,
                    reg.expires,
                    f"DEA registration {reg.dea_number} expires on {reg.expires}",
                )
            )
    return out


def _inventories(session: Session, settings: ClinicSettings, today: date) -> list[Alert]:
    """Per registration: no initial inventory yet, or the next one within 30 days or late."""
    out = []
    for reg in session.exec(select(Registration).order_by(col(Registration.id))).all():
        due = next_inventory_due(session, settings, reg.id)
        if due is None:
            out.append(
                Alert(
                    "inventory_due",
                    reg.dea_number,
                    today,
                    f"no signed initial inventory for {reg.dea_number}; take one and sign it",
                )
            )
        elif due - today <= INVENTORY_WITHIN:
            late = " and is overdue" if due < today else ""
            out.append(
                Alert(
                    "inventory_due",
                    reg.dea_number,
                    due,
                    f"the biennial inventory of {reg.dea_number} is due on {due}{late}",
                )
            )
    return out


def _late_entries(session: Session, settings: ClinicSettings) -> list[Alert]:
    """Entries made after the fact that the registrant has not yet reviewed."""
    rows = session.exec(
        select(Movement.id, Movement.kind, Movement.event_at)
        .outerjoin(LateReview, col(LateReview.movement_id) == Movement.id)
        .where(col(Movement.late).is_(True), col(LateReview.id).is_(None))
        .order_by(col(Movement.id))
    ).all()
    return [
        Alert(
            "late_entry",
            f"movement {mid}",
            None,
            f"{kind} of {local_date(settings.timezone, event_at)} was entered late; "
            f"the registrant reviews it (vialbook review-late {mid})",
        )
        for mid, kind, event_at in rows
    ]


def _estimates_exceeded(session: Session) -> list[Alert]:
    """Patients billed $400 or more above their good faith estimate: that opens the
    patient-provider dispute process (45 CFR 149.620), so billing staff must see it."""
    if session.exec(select(GoodFaithEstimate.id).limit(1)).first() is None:
        return []  # a clinic that gives no estimates pays for no estimate check
    from ledger.money import cents_text
    from ledger.queries.billing_estimates import estimate_checks

    return [
        Alert(
            "gfe_over_estimate",
            c.patient,
            None,
            f"{c.patient_name} ({c.patient}) was billed {cents_text(c.billed_cents)} for the "
            f"services of estimate {c.estimate_id} ({cents_text(c.estimated_cents)}), "
            f"{cents_text(c.over_cents)} above it: $400 or more opens the patient-provider "
            "dispute process (vialbook billing gfe-check)",
        )
        for c in estimate_checks(session)
        if c.flagged
    ]


def alerts(db: Database, actor: Actor) -> list[Alert]:
    """Every alert now, on the clinic's calendar."""
    with look(db, actor) as tx:
        session, settings = tx.session, tx.settings
        reads_billing = bool(roles_of(tx.user.roles) & PERMISSIONS["billing.read"])
        today = local_date(settings.timezone, clock.now())
        return [
            *_vials(session, settings, today),
            *_counts(session, settings, today),
            *_discrepancies(session, today),
            *_inventories(session, settings, today),
            *_registrations(session, today),
            *_late_entries(session, settings),
            *(_estimates_exceeded(session) if reads_billing else []),
        ]
