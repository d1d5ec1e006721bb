"""Getting back into an account: unlock, enable, reset a forgotten password, change one's own."""

from __future__ import annotations

import os
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
    password_for,
    refusals_printed,
)
from tui.cli.setup_commands import user_app


@user_app.command("unlock")
@refusals_printed
def user_unlock(
    username: str, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Lift the lock left by five wrong passwords now (admin only)."""
    from ledger.services.users import normalize_username, unlock_user

    database = open_db(db)
    uid = unlock_user(database, acting_user(database, user), username)
    name = normalize_username(username)
    emit(as_json, {"user_id": uid, "username": name, "locked": False}, f"user {name} unlocked")


@user_app.command("enable")
@refusals_printed
def user_enable(
    username: str, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Let a disabled account log in, act and witness again (admin only)."""
    from ledger.services.users import enable_user, normalize_username

    database = open_db(db)
    uid = enable_user(database, acting_user(database, user), username)
    name = normalize_username(username)
    emit(as_json, {"user_id": uid, "username": name, "active": True}, f"user {name} enabled")


@user_app.command("reset-password")
@refusals_printed
def user_reset_password(
    username: str, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Set a new password for a user who forgot theirs (admin only); it also lifts a lock.

    The new password comes from VIALBOOK_NEW_PASSWORD, or is typed twice at a prompt.
    """
    from ledger.services.users import normalize_username, reset_password

    database = open_db(db)
    actor = acting_user(database, user)
    name = normalize_username(username)
    new = password_for(name, "VIALBOOK_NEW_PASSWORD", "New password", new=True)
    uid = reset_password(database, actor, name, new)
    emit(as_json, {"user_id": uid, "username": name}, f"password of {name} reset")


@user_app.command("password")
@refusals_printed
def user_password(
    db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Change your own password (the current one is required).

    The current one comes from VIALBOOK_PASSWORD or a prompt; the new one from
    VIALBOOK_NEW_PASSWORD, or typed twice at a prompt.
    """
    from ledger.auth import login
    from ledger.services.users import change_password

    username = user or os.environ.get("VIALBOOK_USER")
    if not username:
        raise CommandFailed("UserRequired", "name yourself with --user or VIALBOOK_USER")
    database = open_db(db)
    old = password_for(username, "VIALBOOK_PASSWORD", "Current password")
    actor = login(database, username, old)
    new = password_for(actor.username, "VIALBOOK_NEW_PASSWORD", "New password", new=True)
    uid = change_password(database, actor, old, new)
    emit(
        as_json,
        {"user_id": uid, "username": actor.username},
        f"password of {actor.username} changed",
    )


@user_app.command("update")
@refusals_printed
def user_update(
    username: str,
    npi: Annotated[
        str | None,
        typer.Option("--npi", help="The provider's 10-digit NPI (check digit verified)."),
    ] = None,
    clear_npi: Annotated[bool, typer.Option("--clear-npi", help="Remove the NPI.")] = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a staff account's provider details (admin only): its NPI."""
    from ledger.services.users import normalize_username, set_npi

    if npi is None and not clear_npi:
        raise CommandFailed("NothingToChange", "give --npi NPI (or --clear-npi)")
    database = open_db(db)
    uid = set_npi(database, acting_user(database, user), username, None if clear_npi else npi)
    name = normalize_username(username)
    emit(
        as_json,
        {"user_id": uid, "username": name, "npi": None if clear_npi else npi},
        f"user {name}: NPI {'cleared' if clear_npi else 'recorded'}",
    )
