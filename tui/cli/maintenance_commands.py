"""Keeping the ledger safe: `vialbook backup` and `vialbook restore`."""

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
def backup(
    path: Annotated[Path, typer.Argument(help="A new file to write the backup to (made 0600).")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a consistent copy of the ledger while others keep working, and verify it."""
    from ledger.backup import backup as take_backup

    database = open_db(db)
    copy = take_backup(database, acting_user(database, user), path)
    emit(
        as_json,
        {"path": str(path), "movements": copy.movements, "head": copy.head},
        f"backup {path}: {copy.movements} movements, head {copy.head}",
    )


@refusals_printed
def restore(
    path: Annotated[Path, typer.Argument(help="A backup written by `vialbook backup`.")],
    db: DbOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a ledger holding entries the backup lacks.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup onto --db: verified first, refused if it would lose entries."""
    from ledger.database import resolve_url
    from ledger.restore import restore as restore_backup

    copy = restore_backup(path, resolve_url(db), force=force)
    kept = (
        f"\n  the replaced ledger is kept as database {copy.kept_as}; drop it once satisfied"
        if copy.kept_as
        else ""
    )
    emit(
        as_json,
        {
            "restored": str(path),
            "movements": copy.movements,
            "head": copy.head,
            "kept_as": copy.kept_as,
        },
        f"restored {path}: {copy.movements} movements, head {copy.head}; check passes{kept}",
    )
