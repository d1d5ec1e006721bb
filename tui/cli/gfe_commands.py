"""Good faith estimates (No Surprises Act): `gfe new` writes and gives one, `gfe show` prints it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tui.cli.common import (
    CommandFailed,
    DbOption,
    JsonOption,
    UserOption,
    acting_user,
    emit,
    open_db,
    refusals_printed,
)

gfe_app = typer.Typer(help="Good faith estimates for self-pay patients.", no_args_is_help=True)


def dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def estimate_text(view: Any) -> str:
    from ledger.queries.billing_estimates import DISCLAIMERS

    v = view
    out = [
        f"GOOD FAITH ESTIMATE {v.estimate_id}",
        f"Patient: {v.patient.name} (MRN {v.patient.mrn}), born {v.patient.dob}",
        f"Clinic: {v.clinic.name}, {v.clinic.address or '-'}; NPI {v.clinic.npi or '-'}; "
        f"tax ID {v.clinic.tax_id or '-'}",
    ]
    if v.provider:
        out.append(f"Rendering provider: {v.provider.name}, NPI {v.provider.npi}")
    out.append(f"Diagnosis codes: {', '.join(v.diagnoses) or 'none recorded'}")
    if v.scheduled_for:
        out.append(f"Service scheduled for {v.scheduled_for}")
    if v.requested:
        out.append("Requested by the patient")
    out.append(
        f"Due by {v.due_on or '-'}; given {v.given_at:%Y-%m-%d %H:%M %Z}; "
        f"covers services up to {v.valid_until}"
    )
    out.append("")
    for ln in v.lines:
        codes = " ".join(c for c in (ln.cpt, ln.hcpcs) if c) or "-"
        out.append(
            f"  {ln.code:<10} {ln.description:<48} {codes:<14} {ln.quantity:>3} x "
            f"{dollars(ln.unit_cents):>10} = {dollars(ln.line_cents):>11}"
        )
    out.append(f"  {'Total expected charges':<81} {dollars(v.total_cents):>11}")
    out.append("")
    out += [f"- {d}" for d in DISCLAIMERS]
    return "\n".join(out)


@gfe_app.command("new")
@refusals_printed
def gfe_new(
    patient: Annotated[str, typer.Option("--patient", help="The patient's MRN.")],
    item: Annotated[
        list[str] | None, typer.Option("--item", help="A price list code; repeat for several.")
    ] = None,
    qty: Annotated[
        list[int] | None,
        typer.Option("--qty", help="How many of each --item, in the same order (default 1)."),
    ] = None,
    package: Annotated[
        list[str] | None, typer.Option("--package", help="A package code (a series).")
    ] = None,
    scheduled: Annotated[
        str | None, typer.Option("--scheduled", help="The service's date, YYYY-MM-DD.")
    ] = None,
    requested: Annotated[
        bool, typer.Option("--requested", help="The patient asked for an estimate.")
    ] = False,
    note: Annotated[str, typer.Option("--note", help="Anything the estimate should say.")] = "",
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write and give a good faith estimate, priced from the list of the service's day."""
    from ledger.services.gfe import EstimateItem, new_estimate
    from ledger.units import parse_date

    items = list(item or [])
    counts = list(qty or [])
    if counts and len(counts) != len(items):
        raise CommandFailed("QuantityMismatch", "give one --qty per --item, in the same order")
    wanted = [EstimateItem(code, counts[i] if counts else 1) for i, code in enumerate(items)]
    database = open_db(db)
    view = new_estimate(
        database,
        acting_user(database, user),
        mrn=patient,
        items=wanted,
        packages=list(package or []),
        scheduled_for=parse_date(scheduled, "--scheduled") if scheduled else None,
        requested=requested,
        note=note,
    )
    emit(as_json, view.as_json(), lambda: estimate_text(view))


@gfe_app.command("show")
@refusals_printed
def gfe_show(
    estimate: Annotated[int, typer.Argument(help="The estimate's number.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print an estimate as it was given."""
    from ledger.services.gfe import show_estimate

    database = open_db(db)
    view = show_estimate(database, acting_user(database, user), estimate)
    emit(as_json, view.as_json(), lambda: estimate_text(view))
