"""The superbill for one patient's date of service: only infusions actually recorded that
day (never a prepaid session not yet given), each as its CPT/HCPCS lines with units from the
recorded start and end, its charge and what was paid of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from ledger.errors import NoServiceThatDay
from ledger.infusion_units import ADDITIONAL_HOUR, FIRST_HOUR, time_units
from ledger.queries.billing_parties import (
    ClinicIdentity,
    PatientIdentity,
    Provider,
    clinic_identity,
    diagnoses,
    patient_identity,
    rendering_provider,
)
from ledger.queries.billing_services import Charge, Delivered, charges_for, delivered
from ledger.units import mg_text

TIME_CODES = (FIRST_HOUR, ADDITIONAL_HOUR)


@dataclass(frozen=True)
class SuperbillLine:
    infusion_id: int
    code: str
    description: str
    units: int
    charge_cents: int
    paid_cents: int
    #: Where the charge was billed: the invoice, the package sold, or "not yet invoiced".
    billed_on: str
    #: Who rendered it: the clinician the infusion names, else the medical director.
    provider: Provider | None = None


@dataclass(frozen=True)
class Superbill:
    clinic: ClinicIdentity
    #: The rendering providers of the day's infusions, in the order first seen: usually one,
    #: the medical director, unless an infusion named another clinician.
    providers: tuple[Provider, ...]
    patient: PatientIdentity
    service_on: date
    diagnoses: tuple[str, ...]
    lines: tuple[SuperbillLine, ...]

    @property
    def provider(self) -> Provider:
        """The rendering provider as the letterhead names them; several are joined by "; "."""
        if len(self.providers) == 1:
            return self.providers[0]
        return Provider(
            self.providers[0].user_id,
            "; ".join(p.name for p in self.providers),
            "; ".join(p.npi for p in self.providers),
        )

    @property
    def charges_cents(self) -> int:
        return sum(ln.charge_cents for ln in self.lines)

    @property
    def paid_cents(self) -> int:
        return sum(ln.paid_cents for ln in self.lines)


def _split(amount: int, parts: list[int]) -> list[int]:
    """`amount` shared over lines of `parts` units each, in proportion; the remainder cents
    on the first line, so the lines add up to the amount exactly."""
    total = sum(parts)
    if total == 0:
        return [amount] + [0] * (len(parts) - 1)
    shares = [amount * p // total for p in parts]
    shares[0] += amount - sum(shares)
    return shares


def _lines_of(d: Delivered, charge: Charge, provider: Provider) -> list[SuperbillLine]:
    units = time_units(d.started_at, d.ended_at)
    out: list[SuperbillLine] = []
    how = {"invoice": f"invoice {charge.document}", "credit": f"package ({charge.document})"}
    billed_on = how.get(charge.source, charge.document)
    if charge.cpt in TIME_CODES and units is not None and units.first_hour:
        # One billed infusion is 96365 for its first hour and 96366 for each further hour
        # its recorded times support; the charge is shared over the units.
        codes = [(FIRST_HOUR, units.first_hour)]
        if units.additional_hours:
            codes.append((ADDITIONAL_HOUR, units.additional_hours))
        shares = _split(charge.charge_cents, [n for _, n in codes])
        paid = _split(charge.paid_cents, [n for _, n in codes])
        for (code, n), cents, paid_cents in zip(codes, shares, paid, strict=True):
            label = "first hour" if code == FIRST_HOUR else "each additional hour"
            out.append(
                SuperbillLine(
                    d.infusion_id,
                    code,
                    f"IV infusion, {label} ({units.minutes_text()} recorded): {charge.description}",
                    n,
                    cents,
                    paid_cents,
                    billed_on,
                    provider,
                )
            )
    else:
        out.append(
            SuperbillLine(
                d.infusion_id,
                charge.cpt or charge.hcpcs or charge.code or "",
                charge.description,
                charge.quantity,
                charge.charge_cents,
                charge.paid_cents,
                billed_on,
                provider,
            )
        )
    if charge.hcpcs and charge.cpt:
        # The drug is priced into the infusion: listed with its amount, no separate charge.
        out.append(
            SuperbillLine(
                d.infusion_id,
                charge.hcpcs,
                f"{d.product}, {mg_text(d.given_ug)} mg given (included in the infusion charge)",
                1,
                0,
                0,
                billed_on,
                provider,
            )
        )
    return out


def superbill(session: Session, mrn: str, day: date) -> Superbill:
    """Refused with NoServiceThatDay when no infusion was recorded for the patient that day."""
    clinic = clinic_identity(session)
    patient = patient_identity(session, mrn)
    given = delivered(session, clinic.timezone, day, day, patient_id=patient.patient_id)
    if not given:
        raise NoServiceThatDay(
            f"no infusion was recorded for {patient.mrn} on {day}: a superbill lists services "
            "delivered, never prepaid sessions not yet given",
            subject=patient.mrn,
        )
    charges = charges_for(session, given)
    # Each infusion's rendering provider: the clinician it names, else the medical director
    # (both refused without an NPI: an insurer returns a superbill without one).
    providers = {
        who: rendering_provider(session, who)
        for who in dict.fromkeys(d.rendering_provider_id for d in given)
    }
    lines: list[SuperbillLine] = []
    for d in given:
        provider = providers[d.rendering_provider_id]
        for charge in charges[d.infusion_id]:
            lines.extend(_lines_of(d, charge, provider))
        if not charges[d.infusion_id]:
            lines.append(
                SuperbillLine(
                    d.infusion_id,
                    "",
                    f"Infusion {d.infusion_id}: no charge recorded yet",
                    1,
                    0,
                    0,
                    "not billed",
                    provider,
                )
            )
    return Superbill(
        clinic=clinic,
        providers=tuple(dict.fromkeys(providers.values())),
        patient=patient,
        service_on=day,
        diagnoses=tuple(diagnoses(session, patient.patient_id)),
        lines=tuple(lines),
    )
