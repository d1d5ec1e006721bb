"""Billing documents through `vialbook export`: invoice, credit-note, statement, superbill,
receipt, gfe, ar-aging, package-liability and billing-crosscheck, each with the options its
document needs (the logs' --from/--to/--registration do not fit an invoice)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
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
from tui.cli.export_commands import (
    ForceOption,
    FormatOption,
    OutOption,
    _format,
    export_app,
    progress_line,
)

PatientOption = Annotated[str, typer.Option("--patient", help="The patient's MRN.")]
DayOption = Annotated[str | None, typer.Option("--date", help="The day, YYYY-MM-DD.")]
FromOpt = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (default: today).")]


def _day(text: str | None, what: str, default: date) -> date:
    from ledger.units import parse_date

    return parse_date(text, what) if text else default


def _export(
    name: str,
    out: Path,
    fmt: str | None,
    force: bool,
    db: str | None,
    user: str | None,
    as_json: bool,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    month: bool = False,
    **document: Any,
) -> None:
    from ledger.clock import clinic_today
    from ledger.settings import clinic_timezone
    from reports.billing_scope import BillingRequest
    from reports.export import export_report

    chosen = _format(fmt, out)
    database = open_db(db)
    actor = acting_user(database, user)
    today = clinic_today(clinic_timezone(database))
    last = _day(date_to, "--to", today)
    request = BillingRequest(date_from=_day(date_from, "--from", last), date_to=last, **document)
    with progress_line(as_json) as tick:
        result = export_report(
            database, actor, report=name, request=request, fmt=chosen, out=out, force=force,
            progress=tick,
        )  # fmt: skip
    emit(
        as_json,
        result.as_json(),
        lambda: (
            f"wrote {result.path} ({result.bytes:,} bytes)\n  sha256 {result.sha256}\n"
            f"  {result.integrity.range_text()}; money chain head #{result.integrity.head_seq} "
            f"{result.integrity.head_hash}"
        ),
    )


@export_app.command("invoice")
@refusals_printed
def invoice(
    invoice: Annotated[str, typer.Option("--invoice", help="Draft id or issued number.")],
    out: OutOption,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """One invoice on the clinic's letterhead: lines, credit notes, payments, balance."""
    _export("invoice", out, fmt, force, db, user, as_json, invoice=invoice)


@export_app.command("credit-note")
@refusals_printed
def credit_note(
    credit_note: Annotated[str, typer.Option("--credit-note", help="Its number or id.")],
    out: OutOption,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """One credit note and the invoice it credits."""
    _export("credit-note", out, fmt, force, db, user, as_json, credit_note=credit_note)


@export_app.command("statement")
@refusals_printed
def statement(
    patient: PatientOption,
    out: OutOption,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """A patient's statement: opening balance, activity, closing balance (--from defaults to
    the first of --to's month, --to to today)."""
    _export(
        "statement", out, fmt, force, db, user, as_json,
        date_from=date_from, date_to=date_to, month=True, patient=patient,
    )  # fmt: skip


@export_app.command("superbill")
@refusals_printed
def superbill(
    patient: PatientOption,
    day: Annotated[str, typer.Option("--date", help="The date of service, YYYY-MM-DD.")],
    out: OutOption,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """A superbill for one date of service (only infusions actually recorded that day)."""
    _export(
        "superbill", out, fmt, force, db, user, as_json,
        date_from=day, date_to=day, patient=patient,
    )  # fmt: skip


@export_app.command("receipt")
@refusals_printed
def receipt(
    out: OutOption,
    payment: Annotated[int | None, typer.Option("--payment", help="One payment's id.")] = None,
    patient: Annotated[
        str | None, typer.Option("--patient", help="Or every payment of this MRN in a period.")
    ] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """An itemized HSA/FSA receipt: one payment, or a patient's payments over a period."""
    if (payment is None) == (patient is None):
        raise CommandFailed("ReceiptForWhat", "give --payment ID, or --patient MRN with --from")
    if patient is not None and date_from is None:
        raise CommandFailed("ReceiptForWhat", "a receipt for a period needs --from (and --to)")
    _export(
        "receipt", out, fmt, force, db, user, as_json,
        date_from=date_from, date_to=date_to, payment=payment, patient=patient,
    )  # fmt: skip


@export_app.command("gfe")
@refusals_printed
def gfe(
    estimate: Annotated[int, typer.Option("--estimate", help="The estimate's number.")],
    out: OutOption,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """A good faith estimate as it was given, with its disclaimers."""
    _export("gfe", out, fmt, force, db, user, as_json, estimate=estimate)


@export_app.command("ar-aging")
@refusals_printed
def ar_aging(
    out: OutOption,
    date_to: ToOpt = None,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accounts receivable by patient as of --to: current, 31-60, 61-90, over 90 days."""
    _export("ar-aging", out, fmt, force, db, user, as_json, date_to=date_to)


@export_app.command("package-liability")
@refusals_printed
def package_liability(
    out: OutOption,
    date_to: ToOpt = None,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Prepaid liability as of --to: unused, unexpired credits at their allocated price."""
    _export("package-liability", out, fmt, force, db, user, as_json, date_to=date_to)


@export_app.command("billing-crosscheck")
@refusals_printed
def billing_crosscheck(
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    out: OutOption,
    date_to: ToOpt = None,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Billing against dispensing: what was given and not billed, and billed and not given."""
    _export(
        "billing-crosscheck", out, fmt, force, db, user, as_json,
        date_from=date_from, date_to=date_to,
    )  # fmt: skip
