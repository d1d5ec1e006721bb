"""Read-only commands: stock on hand, the movement log, and the ledger check."""

from __future__ import annotations

from pathlib import Path
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


@refusals_printed
def stock(
    registration: Annotated[str | None, typer.Option("--registration", help="DEA number.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stock on hand per vial and per product, in mg and mL."""
    from ledger.queries.stock import stock_on_hand

    database = open_db(db)
    result = stock_on_hand(database, acting_user(database, user), registration)

    def text() -> str:
        from ledger.units import mg_text, syringe_ml_text

        lines = ["PRODUCT                          NDC            ON HAND mg     mL  SEALED OPEN"]
        for p in result.products:
            lines.append(
                f"{p.name[:32]:<32} {p.ndc:<13} {mg_text(p.balance_ug):>11} "
                f"{syringe_ml_text(p.balance_ug, p.strength_ug_per_ml):>7} "
                f"{p.sealed:>6} {p.open:>4}"
            )
        lines += ["", "VIAL        LOT       EXPIRES     STATE   mg        mL     FLAGS"]
        for v in result.vials:
            flags = " ".join(
                f for f, on in (("EXPIRED", v.expired), ("PAST-BUD", v.past_bud)) if on
            )
            lines.append(
                f"{v.label:<11} {v.lot:<9} {v.expires.isoformat():<11} {v.state:<7} "
                f"{mg_text(v.balance_ug):>8} "
                f"{syringe_ml_text(v.balance_ug, v.strength_ug_per_ml):>7}  {flags}"
            )
        return "\n".join(lines)

    emit(as_json, result.as_json(), text)


@refusals_printed
def log(
    vial: Annotated[str | None, typer.Option("--vial")] = None,
    patient: Annotated[str | None, typer.Option("--patient", help="MRN.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Only the newest N movements.")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Movement history with each vial's running balance."""
    from itertools import chain, islice

    from ledger.queries.history import movement_log
    from ledger.units import mg_text, parse_date

    start = parse_date(date_from, "--from") if date_from else None
    end = parse_date(date_to, "--to") if date_to else None
    database = open_db(db)
    actor = acting_user(database, user)
    lines = movement_log(
        database,
        actor,
        vial=vial,
        patient=patient,
        date_from=start,
        date_to=end,
        newest_first=limit is not None,
        limit=limit,
    )
    if limit is not None:
        # The newest N, as the app's log opens, printed in ledger order like the whole log.
        lines = reversed(list(lines))
    # The first line is read before anything is printed: an unknown vial or patient is
    # refused with nothing on stdout (the log streams, so its lookups run on the first read).
    first = list(islice(lines, 1))
    lines = chain(first, lines)
    if as_json:
        emit(True, {"movements": [line.as_json() for line in lines]}, "")
        return
    from zoneinfo import ZoneInfo

    from ledger.settings import clinic_timezone

    zone = ZoneInfo(clinic_timezone(database))
    typer.echo(f"Times on the clinic's clock ({zone.key})")
    typer.echo(
        f"{'#':>6} {'WHEN':<16} {'KIND':<12} {'VIAL':<10} {'mg':>9} {'LEFT mg':>9} "
        f"{'BY':<8} {'WITNESS':<8} PATIENT"
    )
    for line in lines:
        late = " LATE" if line.late else ""
        typer.echo(
            f"{line.id:>6} {line.event_at.astimezone(zone):%Y-%m-%d %H:%M} {line.kind:<12} "
            f"{line.vial:<10} "
            f"{mg_text(line.amount_ug):>9} {mg_text(line.balance_ug):>9} "
            f"{line.actor:<8} {line.witness or '':<8} {line.patient or ''}{late}"
        )


@refusals_printed
def check(
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            help="A head hash printed earlier (export, manifest); it must still be in the chain.",
        ),
    ] = None,
    anchor_file: Annotated[
        Path | None,
        typer.Option(
            "--anchor-file", help="An anchor file (VIALBOOK_ANCHOR_FILE); check each line."
        ),
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-derive every hash and balance; exit 1 on any problem."""
    from ledger.anchors import provable_heads, read_anchors
    from ledger.check import run_check

    heads = list(anchor or [])
    if anchor_file is not None:
        heads += provable_heads(read_anchors(anchor_file))
    database = open_db(db)
    report = run_check(database, acting_user(database, user), anchors=heads)

    def text() -> str:
        head = (
            f"{'OK' if report.ok else 'PROBLEMS FOUND'}: {report.movements} movements, "
            f"head {report.head}"
        )
        return "\n".join(
            [head] + [f"  movement {p.movement_id}: {p.rule}: {p.message}" for p in report.problems]
        )

    emit(as_json, report.as_json(), text)
    if not report.ok:
        raise typer.Exit(1)
