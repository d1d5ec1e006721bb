"""Billing documents through `vialbook export`: invoice, credit-note, statement, superbill,
receipt, gfe, ar-aging, package-liability and billing-crosscheck, each with the options its
document needs (the logs' --from/--to/--registration do not fit an invoice).

Each document below declares only its own options and says what its request holds;
`document` adds the options every billing export shares (--out, --format, --force, --db,
--user, --json) and writes the file, so those are written once, not nine times."""

from __future__ import annotations

import inspect
from collections.abc import Callable
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
FromOpt = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (default: today).")]

#: What a document function returns: the BillingRequest's fields as typed (date_from and
#: date_to as text; month=True makes --from default to the first of --to's month).
Request = dict[str, Any]


def _shared(
    out: OutOption,
    fmt: FormatOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """The options every billing export takes (only its signature is used)."""


SHARED = tuple(inspect.signature(_shared).parameters)


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
    first = _day(date_from, "--from", last.replace(day=1) if month else last)
    request = BillingRequest(date_from=first, date_to=last, **document)
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


def document(name: str) -> Callable[[Callable[..., Request]], Callable[..., None]]:
    """Register `vialbook export NAME` from a function taking the document's own options and
    returning its request; the shared options follow them on the command line."""

    def register(own: Callable[..., Request]) -> Callable[..., None]:
        @refusals_printed
        def command(**typed: Any) -> None:
            shared = [typed.pop(option) for option in SHARED]
            _export(name, *shared, **own(**typed))

        params = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for f in (own, _shared)
            for p in inspect.signature(f, eval_str=True).parameters.values()
        ]
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__name__ = own.__name__
        command.__doc__ = own.__doc__
        export_app.command(name)(command)
        return command

    return register


@document("invoice")
def invoice(
    invoice: Annotated[str, typer.Option("--invoice", help="Draft id or issued number.")],
) -> Request:
    """One invoice on the clinic's letterhead: lines, credit notes, payments, balance."""
    return {"invoice": invoice}


@document("credit-note")
def credit_note(
    credit_note: Annotated[str, typer.Option("--credit-note", help="Its number or id.")],
) -> Request:
    """One credit note and the invoice it credits."""
    return {"credit_note": credit_note}


@document("statement")
def statement(patient: PatientOption, date_from: FromOpt = None, date_to: ToOpt = None) -> Request:
    """A patient's statement: opening balance, activity, closing balance (--from defaults to
    the first of --to's month, --to to today)."""
    return {"date_from": date_from, "date_to": date_to, "month": True, "patient": patient}


@document("superbill")
def superbill(
    patient: PatientOption,
    day: Annotated[str, typer.Option("--date", help="The date of service, YYYY-MM-DD.")],
) -> Request:
    """A superbill for one date of service (only infusions actually recorded that day)."""
    return {"date_from": day, "date_to": day, "patient": patient}


@document("receipt")
def receipt(
    payment: Annotated[int | None, typer.Option("--payment", help="One payment's id.")] = None,
    patient: Annotated[
        str | None, typer.Option("--patient", help="Or every payment of this MRN in a period.")
    ] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
) -> Request:
    """An itemized HSA/FSA receipt: one payment, or a patient's payments over a period."""
    if (payment is None) == (patient is None):
        raise CommandFailed("ReceiptForWhat", "give --payment ID, or --patient MRN with --from")
    if patient is not None and date_from is None:
        raise CommandFailed("ReceiptForWhat", "a receipt for a period needs --from (and --to)")
    return {"date_from": date_from, "date_to": date_to, "payment": payment, "patient": patient}


@document("gfe")
def gfe(
    estimate: Annotated[int, typer.Option("--estimate", help="The estimate's number.")],
) -> Request:
    """A good faith estimate as it was given, with its disclaimers."""
    return {"estimate": estimate}


@document("ar-aging")
def ar_aging(date_to: ToOpt = None) -> Request:
    """Accounts receivable by patient as of --to: current, 31-60, 61-90, over 90 days."""
    return {"date_to": date_to}


@document("package-liability")
def package_liability(date_to: ToOpt = None) -> Request:
    """Prepaid liability as of --to: unused, unexpired credits at their allocated price."""
    return {"date_to": date_to}


@document("billing-crosscheck")
def billing_crosscheck(
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    date_to: ToOpt = None,
) -> Request:
    """Billing against dispensing: what was given and not billed, and billed and not given."""
    return {"date_from": date_from, "date_to": date_to}
