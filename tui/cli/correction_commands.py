"""Commands that answer history without editing it: transfer, adjust and reverse."""

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
def transfer(
    vial: Annotated[list[str], typer.Option("--vial", help="Vial label; repeat for several.")],
    to: Annotated[str, typer.Option("--to", help="Destination DEA registration number.")],
    reason: Annotated[str, typer.Option("--reason")],
    reference: Annotated[str | None, typer.Option("--reference", help="Transfer invoice.")] = None,
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move vials to another registration of the clinic."""
    from ledger.services.transfers import transfer as transfer_stock

    database = open_db(db)
    when = clinic_time(database, at)
    actor = acting_user(database, user)
    print_posted(
        transfer_stock(
            database,
            actor,
            vials=vial,
            to_registration=to,
            reason=reason,
            reference=reference,
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def adjust(
    vial: Annotated[str, typer.Option("--vial")],
    reason: Annotated[str, typer.Option("--reason")],
    up: Annotated[str | None, typer.Option("--up", help="Add this much to the book.")] = None,
    down: Annotated[str | None, typer.Option("--down", help="Take this much off the book.")] = None,
    witness_name: WitnessOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """A witnessed count adjustment (--up or --down)."""
    from ledger.services.corrections import adjust as adjust_book
    from tui.cli.common import CommandFailed

    if (up is None) == (down is None):
        raise CommandFailed("InvalidAmount", "give exactly one of --up or --down")
    database = open_db(db)
    ug = vial_amount(database, vial, up or down or "", "adjustment")
    actor = acting_user(database, user)
    print_posted(
        adjust_book(
            database,
            actor,
            vial=vial,
            amount_ug=ug if up else -ug,
            reason=reason,
            witness=witness(witness_name),
        ),
        as_json,
    )


@refusals_printed
def reverse(
    movement_id: Annotated[int, typer.Argument(help="The movement to reverse.")],
    reason: Annotated[str, typer.Option("--reason")],
    witness_name: WitnessOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reverse a movement with a new, witnessed, linked entry."""
    from ledger.services.corrections import reverse as reverse_movement

    database = open_db(db)
    actor = acting_user(database, user)
    print_posted(
        reverse_movement(
            database, actor, movement_id=movement_id, reason=reason, witness=witness(witness_name)
        ),
        as_json,
    )
