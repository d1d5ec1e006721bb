"""Commands for stock leaving the clinic other than into a patient: destroy, return, loss,
breakage."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.cli.common import (
    DbOption,
    JsonOption,
    UserOption,
    acting_user,
    open_db,
    refusals_printed,
    witness,
)
from tui.cli.ledger_options import AtOption, WitnessOption, clinic_time, print_posted, vial_amount


@refusals_printed
def destroy(
    vial: Annotated[list[str], typer.Option("--vial", help="Vial label; repeat for several.")],
    method: Annotated[str, typer.Option("--method", help="How it was made non-retrievable.")],
    reason: Annotated[str, typer.Option("--reason")],
    witness_name: WitnessOption = None,
    witness2: Annotated[
        str | None,
        typer.Option(
            "--witness2", help="Second witness; password from VIALBOOK_WITNESS2_PASSWORD."
        ),
    ] = None,
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Destroy stock on site, with two witnesses (DEA Form 41 data)."""
    from ledger.services.disposal import destroy as destroy_stock

    database = open_db(db)
    when = clinic_time(database, at)
    actor = acting_user(database, user)
    print_posted(
        destroy_stock(
            database,
            actor,
            vials=vial,
            method=method,
            reason=reason,
            witness=witness(witness_name),
            second_witness=witness(witness2, "VIALBOOK_WITNESS2_PASSWORD"),
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def return_(
    vial: Annotated[list[str], typer.Option("--vial", help="Vial label; repeat for several.")],
    distributor: Annotated[str, typer.Option("--distributor", help="Reverse distributor's name.")],
    distributor_address: Annotated[str, typer.Option("--distributor-address")],
    distributor_dea: Annotated[str, typer.Option("--distributor-dea")],
    invoice: Annotated[str, typer.Option("--invoice")],
    reason: Annotated[str, typer.Option("--reason")] = "expired stock returned for destruction",
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Return stock to a reverse distributor."""
    from ledger.services.disposal import return_to_reverse_distributor

    database = open_db(db)
    when = clinic_time(database, at)
    actor = acting_user(database, user)
    print_posted(
        return_to_reverse_distributor(
            database,
            actor,
            vials=vial,
            distributor_name=distributor,
            distributor_address=distributor_address,
            distributor_dea=distributor_dea,
            invoice_number=invoice,
            reason=reason,
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def loss(
    vial: Annotated[str, typer.Option("--vial")],
    reason: Annotated[str, typer.Option("--reason")],
    amount: Annotated[
        str | None, typer.Option("--amount", help="Default: all that is left.")
    ] = None,
    discovered_at: Annotated[str | None, typer.Option("--discovered-at")] = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a theft or loss as discovered; it opens a discrepancy to investigate it."""
    from ledger.services.disposal import record_loss

    database = open_db(db)
    ug = vial_amount(database, vial, amount, "amount") if amount else None
    when = clinic_time(database, discovered_at)
    actor = acting_user(database, user)
    posted = record_loss(
        database,
        actor,
        vial=vial,
        amount_ug=ug,
        reason=reason,
        discovered_at=when,
        late_reason=late_reason,
    )
    print_posted(posted, as_json, extra={"discrepancy": posted.discrepancy})


@refusals_printed
def breakage(
    vial: Annotated[str, typer.Option("--vial")],
    reason: Annotated[str, typer.Option("--reason")],
    amount: Annotated[
        str | None, typer.Option("--amount", help="Default: all that is left.")
    ] = None,
    method: Annotated[str | None, typer.Option("--method", help="How it was cleaned up.")] = None,
    witness_name: WitnessOption = None,
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a witnessed breakage or spill."""
    from ledger.services.disposal import record_breakage

    database = open_db(db)
    ug = vial_amount(database, vial, amount, "amount") if amount else None
    when = clinic_time(database, at)
    actor = acting_user(database, user)
    print_posted(
        record_breakage(
            database,
            actor,
            vial=vial,
            amount_ug=ug,
            reason=reason,
            method=method,
            witness=witness(witness_name),
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )
