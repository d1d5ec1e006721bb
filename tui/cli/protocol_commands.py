"""`vialbook protocol add|list|retire`: the clinic's list of dosing protocols."""

from __future__ import annotations

from typing import Annotated

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

protocol_app = typer.Typer(
    help="Dosing protocols (admin or registrant changes the list).", no_args_is_help=True
)


@protocol_app.command("add")
@refusals_printed
def protocol_add(
    name: Annotated[str, typer.Option("--name", help="e.g. ptsd.")],
    dose: Annotated[
        str, typer.Option("--dose", help="The whole ordered dose per kg, e.g. 0.75mg/kg.")
    ],
    minutes: Annotated[int, typer.Option("--minutes", help="How long it runs.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a protocol: its name, the whole dose per kg and how long it runs."""
    from ledger.services.protocols import add_protocol
    from ledger.units import parse_mg_per_kg

    ug_per_kg = parse_mg_per_kg(dose)
    if ug_per_kg is None:
        raise CommandFailed("InvalidAmount", f"--dose {dose!r} must be written like 0.5mg/kg")
    database = open_db(db)
    entry = add_protocol(
        database, acting_user(database, user), name=name, ug_per_kg=ug_per_kg, minutes=minutes
    )
    emit(as_json, entry.as_json(), f"protocol {entry.name}: {entry.dose_text()}")


@protocol_app.command("list")
@refusals_printed
def protocol_list(
    retired: Annotated[bool, typer.Option("--retired", help="Show retired ones too.")] = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """The clinic's protocols, as an infusion may name them."""
    from ledger.services.protocols import list_protocols

    database = open_db(db)
    entries = list_protocols(database, acting_user(database, user), retired=retired)
    emit(
        as_json,
        [e.as_json() for e in entries],
        lambda: (
            "\n".join(
                f"{e.name:<20} {e.dose_text()}{'' if e.active else '  (retired)'}" for e in entries
            )
            or "no protocols"
        ),
    )


@protocol_app.command("retire")
@refusals_printed
def protocol_retire(
    name: Annotated[str, typer.Argument(help="The protocol's name.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a protocol off the list for new infusions; old records keep its name."""
    from ledger.services.protocols import retire_protocol

    database = open_db(db)
    entry = retire_protocol(database, acting_user(database, user), name)
    emit(as_json, entry.as_json(), f"protocol {entry.name} retired")
