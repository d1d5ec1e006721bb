"""What the stock-moving commands share: witness and time options, amount and time parsing."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.cli.common import emit

WitnessOption = Annotated[
    str | None,
    typer.Option(
        "--witness", help="Witness username; password from VIALBOOK_WITNESS_PASSWORD or a prompt."
    ),
]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why (required when late).")]
AtOption = Annotated[str | None, typer.Option("--at", help="When it happened (ISO); default now.")]


def clinic_time(database, text: str | None):  # type: ignore[no-untyped-def]
    if not text:
        return None
    from ledger.settings import clinic_settings
    from ledger.units import parse_datetime

    with database.read() as session:
        tz = clinic_settings(session).timezone
    return parse_datetime(text, tz)


def vial_amount(database, vial: str, text: str, what: str) -> int:  # type: ignore[no-untyped-def]
    from ledger.queries.vials import vial_strength
    from ledger.units import parse_amount_ug

    return parse_amount_ug(text, vial_strength(database, vial), what)


def print_posted(result, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from ledger.units import mg_text

    emit(
        as_json,
        {
            "movement_ids": result.movement_ids,
            "balances_ug": result.balances_ug,
            "balances_mg": {k: mg_text(v) for k, v in result.balances_ug.items()},
        },
        lambda: "\n".join(
            [f"recorded movements {', '.join(map(str, result.movement_ids))}"]
            + [f"  {k}: {mg_text(v)} mg left" for k, v in result.balances_ug.items()]
        ),
    )
