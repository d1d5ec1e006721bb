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
#: Why an entry is made after the event: the same word on every command; `--reason` is always
#: why the thing itself was done.
LateReasonOption = Annotated[
    str | None,
    typer.Option("--late-reason", help="Why it is entered late (required when late)."),
]
#: The old spelling of --late-reason on `receive` and `infusion`, kept for one release.
OldLateReasonOption = Annotated[str | None, typer.Option("--reason", hidden=True)]


def late_reason_given(late_reason: str | None, old: str | None) -> str | None:
    if old is not None:
        typer.echo(
            "note: --reason here is now --late-reason; the old name goes next release", err=True
        )
    return late_reason if late_reason is not None else old


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


def print_posted(result, as_json: bool, extra: dict[str, object] | None = None) -> None:  # type: ignore[no-untyped-def]
    from ledger.units import mg_text

    more = {k: v for k, v in (extra or {}).items() if v is not None}
    emit(
        as_json,
        {
            "movement_ids": result.movement_ids,
            "balances_ug": result.balances_ug,
            "balances_mg": {k: mg_text(v) for k, v in result.balances_ug.items()},
            **more,
        },
        lambda: "\n".join(
            [f"recorded movements {', '.join(map(str, result.movement_ids))}"]
            + [f"  {k}: {mg_text(v)} mg left" for k, v in result.balances_ug.items()]
            + [f"  {k} {v} opened to investigate it" for k, v in more.items()]
        ),
    )
