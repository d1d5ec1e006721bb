"""The demo clinic, and opening the app on it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tui.cli.common import DbOption, JsonOption, emit, refusals_printed


def _logins_text(logins: list[tuple[str, str, str]]) -> str:
    return "\n".join(
        ["Demo logins (username / password / role):"]
        + [f"  {u:<8} {p:<18} {r}" for u, p, r in logins]
    )


def demo_logins_hint(database) -> str:  # type: ignore[no-untyped-def]
    """The demo's logins for the login screen, only on a database `vialbook demo` built.

    A real clinic may share the demo's name; its login screen must never show a password.
    """
    from ledger.demo import STAFF, is_demo, password

    if not is_demo(database):
        return ""
    return _logins_text(
        [("admin", password("admin"), "admin")]
        + [(u, password(u), ",".join(r)) for u, _, r in STAFF]
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
def app_command(
    db: DbOption = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            "-u",
            help="Log in as this user "
            "(password from VIALBOOK_PASSWORD); default: the login screen.",
        ),
    ] = None,
) -> None:
    """Open the vialbook app (login, dashboard, movement log, infusion entry)."""
    import os

    from tui.app.vialbook_app import VialbookApp
    from tui.cli.common import acting_user, open_db

    if user or os.environ.get("VIALBOOK_USER"):
        database = open_db(db)
        actor = acting_user(database, user)
        VialbookApp(database, actor=actor, hint=demo_logins_hint(database)).run()
        return
    # The login screen comes up at once; the ledger opens behind it while the user types.
    # Which ledger is fixed now, as resolve_url reads it (--db, else VIALBOOK_DB; a path from
    # here): the worker must not read an environment or a directory changed since.
    named = db or os.environ.get("VIALBOOK_DB")
    if named and "://" not in named:
        named = str(Path(named).expanduser().resolve())
    VialbookApp(open_db=lambda: open_db(named), hint=demo_logins_hint).run()
