"""The demo clinic, and opening the app on it."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.cli.common import DbOption, JsonOption, emit, refusals_printed


def _logins_text(logins: list[tuple[str, str, str]]) -> str:
    return "\n".join(
        ["Demo logins (username / password / role):"]
        + [f"  {u:<8} {p:<18} {r}" for u, p, r in logins]
    )


@refusals_printed
def demo(
    seed: Annotated[int, typer.Option("--seed")] = 7,
    if_missing: Annotated[
        bool,
        typer.Option("--if-missing", help="Do nothing when the database already holds a clinic."),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build a realistic demo clinic (six months of activity) on an empty database."""
    from ledger import schema
    from ledger.database import open_database
    from ledger.demo import build_demo

    database = open_database(db)
    if if_missing and schema.current_revision(database) is not None:
        from ledger.models import ClinicSettings

        with database.read() as session:
            if session.get(ClinicSettings, 1) is not None:
                emit(as_json, {"created": False}, "demo clinic already present")
                return
    if not as_json:
        typer.echo("Building the demo clinic (six months of infusions)...")
    summary = build_demo(database, seed=seed)
    data = {
        "created": True,
        "clinic": summary.clinic,
        "infusions": summary.infusions,
        "receipts": summary.receipts,
        "movements": summary.movements,
        "logins": [{"username": u, "password": p, "role": r} for u, p, r in summary.logins],
        "notes": summary.notes,
        "db": database.url,
    }
    emit(
        as_json,
        data,
        lambda: (
            f"{summary.clinic}: {summary.receipts} receipts, "
            f"{summary.infusions} infusions, {summary.movements} movements\n"
            + _logins_text(summary.logins)
        ),
    )


@refusals_printed
def app_command(db: DbOption = None) -> None:
    """Open vialbook on the database (for now: the clinic's stock, check and demo logins)."""
    from ledger.check import run_check
    from ledger.demo import STAFF, password
    from ledger.queries.stock import stock_on_hand
    from ledger.units import mg_text
    from tui.cli.common import open_db

    database = open_db(db)
    from ledger.auth import login

    try:
        actor = login(database, "audrey", password("audrey"))
    except Exception:  # noqa: BLE001 - not the demo clinic: ask who is reading
        from tui.cli.common import acting_user

        actor = acting_user(database, None)
    result = stock_on_hand(database, actor)
    report = run_check(database, actor)
    typer.echo(f"vialbook - {database.url}")
    typer.echo(
        f"Ledger: {report.movements} movements, check {'OK' if report.ok else 'FAILED'}, "
        f"head {report.head[:16]}..."
    )
    typer.echo("\nStock on hand:")
    for p in result.products:
        typer.echo(
            f"  {p.name:<28} {mg_text(p.balance_ug):>9} mg  {p.sealed} sealed, {p.open} open"
        )
    flagged = [v for v in result.vials if v.expired or v.past_bud]
    for v in flagged:
        typer.echo(
            f"  ! {v.label} {'expired' if v.expired else 'past its beyond-use date'}, "
            f"{mg_text(v.balance_ug)} mg to waste or destroy"
        )
    typer.echo(
        "\n"
        + _logins_text(
            [("admin", password("admin"), "admin")]
            + [(u, password(u), ",".join(r)) for u, _, r in STAFF]
        )
    )
    typer.echo("\nTry: .venv/bin/vialbook stock --user nina   (VIALBOOK_PASSWORD=nina-demo-pass)")
