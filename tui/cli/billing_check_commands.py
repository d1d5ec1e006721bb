"""`patient diagnose`, `billing crosscheck` and `billing gfe-check`: the diagnosis codes a
superbill prints, and the two checks billing staff run over the bills."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.cli.common import (
    DbOption,
    JsonOption,
    UserOption,
    acting_user,
    emit,
    open_db,
    refusals_printed,
)
from tui.cli.gfe_commands import dollars


def register(group: typer.Typer) -> None:
    """Put `crosscheck` and `gfe-check` in the `billing` command group."""
    group.command("crosscheck")(billing_crosscheck)
    group.command("gfe-check")(billing_gfe_check)


@refusals_printed
def patient_diagnose(
    mrn: Annotated[str, typer.Argument(help="The patient's MRN.")],
    icd10: Annotated[str, typer.Option("--icd10", help="An ICD-10-CM code, e.g. F33.1.")],
    retire: Annotated[
        bool, typer.Option("--retire", help="Take the code off the patient's record.")
    ] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why (for a retirement).")] = "",
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a diagnosis code to a patient's record (kept, never edited; --retire ends one)."""
    from ledger.services.diagnoses import diagnose

    database = open_db(db)
    done = diagnose(database, acting_user(database, user), mrn, icd10, retire=retire, reason=reason)
    emit(
        as_json,
        {
            "diagnosis": done.diagnosis_id,
            "patient": done.mrn,
            "icd10": done.icd10,
            "status": done.status,
            "codes": done.codes,
        },
        f"{done.mrn}: {done.icd10} {done.status}; on record: {', '.join(done.codes) or 'none'}",
    )


@refusals_printed
def billing_crosscheck(
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Infusions not billed, billing with no administration, time and drug units that
    disagree with the chart; exit 1 when anything is found."""
    from ledger.services.superbill import billing_crosscheck as run
    from ledger.units import parse_date

    database = open_db(db)
    found = run(
        database,
        acting_user(database, user),
        parse_date(date_from, "--from"),
        parse_date(date_to, "--to"),
    )
    emit(
        as_json,
        [f.as_json() for f in found],
        lambda: (
            "\n".join(f"{f.day} {f.patient:<10} {f.kind:<30} {f.message}" for f in found)
            or "billing and dispensing agree"
        ),
    )
    if found:
        raise typer.Exit(1)


@refusals_printed
def billing_gfe_check(
    patient: Annotated[str | None, typer.Option("--patient", help="Only this MRN.")] = None,
    all_estimates: Annotated[
        bool, typer.Option("--all", help="Every estimate in force, not only the flagged.")
    ] = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Patients billed $400 or more above their good faith estimate (the dispute threshold);
    exit 1 when one is flagged."""
    from ledger.services.gfe import estimate_flags

    database = open_db(db)
    checks = estimate_flags(
        database, acting_user(database, user), mrn=patient, all_estimates=all_estimates
    )
    emit(
        as_json,
        [c.as_json() for c in checks],
        lambda: (
            "\n".join(
                f"estimate {c.estimate_id:<5} {c.patient:<10} {c.patient_name:<24} "
                f"estimated {dollars(c.estimated_cents):>11} billed {dollars(c.billed_cents):>11} "
                f"{'OVER BY ' + dollars(c.over_cents) if c.flagged else ''}"
                for c in checks
            )
            or "no bill is $400 or more above its estimate"
        ),
    )
    if any(c.flagged for c in checks):
        raise typer.Exit(1)
