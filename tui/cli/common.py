"""What every command shares: --db/--json/--user, logging in, printing, and clean refusals."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database: a SQLAlchemy URL or a SQLite file path (env VIALBOOK_DB)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print exact JSON instead of text.")]
UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        "-u",
        help="Acting user (env VIALBOOK_USER); password from VIALBOOK_PASSWORD or a hidden prompt.",
    ),
]


class CommandFailed(Exception):
    """A refusal outside the ledger (bad option text). Printed like any refusal."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


#: A word longer than this in a refusal (a pasted label, a whole file) is shortened to
#: its start and its length: the message must stay one readable line. Paths and
#: sha256 digests are shorter, so they are always shown whole.
_LONGEST_WORD = 200
_LONGEST_MESSAGE = 2000


def _brief(message: str) -> str:
    """One line, with any run of text too long to read cut to its start and its length."""

    def cut(m: re.Match[str]) -> str:
        word = m.group(0)
        return f"{word[:60]}… ({len(word)} characters)"

    too_long = re.compile(r"\S{" + str(_LONGEST_WORD + 1) + ",}")
    text = too_long.sub(cut, " ".join(message.splitlines()))
    if len(text) > _LONGEST_MESSAGE:
        text = f"{text[:_LONGEST_MESSAGE]}… ({len(message)} characters)"
    return text


def _fail(message: str, code: int = 1, *, as_json: bool = False) -> None:
    """One `error: Rule: message` line on stderr; with --json, the same refusal on stdout too,
    as `{"error": {"rule": ..., "message": ...}}`, so a script need not parse text."""
    if as_json:
        rule, _, text = message.partition(": ")
        typer.echo(json.dumps({"error": {"rule": rule, "message": text}}, ensure_ascii=False))
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def fail(message: str, code: int = 1) -> None:
    _fail(message, code)


def refusals_printed(fn: F) -> F:
    """Every refusal becomes one `error: Rule: message` line on stderr and a non-zero exit."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        from ledger.errors import Refusal

        # Only commands with a --json option have `as_json`; it is always passed by name.
        as_json = bool(kwargs.get("as_json"))

        def fail(message: str, code: int = 1) -> None:
            _fail(message, code, as_json=as_json)

        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Refusal as exc:
            fail(_brief(str(exc)))
        except CommandFailed as exc:
            fail(_brief(f"{exc.rule}: {exc.message}"))
        except Exception as exc:  # noqa: BLE001 - no traceback may reach a nurse
            import sqlalchemy as sa

            from ledger.database import why_unavailable

            if os.environ.get("VIALBOOK_DEBUG"):
                raise

            if isinstance(exc, sa.exc.IntegrityError):
                fail(_brief(f"DatabaseRefused: the database refused the change ({exc.orig})"), 1)
            if isinstance(exc, OverflowError | sa.exc.DataError):
                fail(
                    "ValueOutOfRange: a number or date is larger than the ledger can store; "
                    "check what was typed",
                    1,
                )
            if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
                fail(_brief(f"DatabaseUnavailable: {why_unavailable(exc)}"), 3)
            if isinstance(exc, sa.exc.DatabaseError):
                fail(_brief(f"DatabaseUnavailable: {why_unavailable(exc)}"), 3)
            fail(_brief(f"InternalError: {type(exc).__name__}: {exc}"), 70)
        finally:
            _close_databases()

    return run  # type: ignore[return-value]


#: Databases a command opened: closed when it ends, so no connection outlives the command
#: (a restore waits for every connection to its target to close).
_opened: list[Any] = []


def _close_databases() -> None:
    while _opened:
        _opened.pop().dispose()


def open_db(db: str | None):  # type: ignore[no-untyped-def]
    from ledger.database import open_database
    from ledger.schema_version import require_current

    database = open_database(db)
    _opened.append(database)
    require_current(database)
    return database


def password_for(username: str, env: str, prompt: str, *, new: bool = False) -> str:
    """From the environment, else a hidden prompt (typed twice when it sets a new password)."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        # Say whose password and which variable: init and `user add` read different ones.
        raise CommandFailed(
            "PasswordRequired",
            f"{prompt.lower()} for {username} is read from {env}; set it, or run on a "
            "terminal to be asked",
        )
    return str(typer.prompt(f"{prompt} ({username})", hide_input=True, confirmation_prompt=new))


def acting_user(database, user: str | None):  # type: ignore[no-untyped-def]
    from ledger.auth import login

    username = user or os.environ.get("VIALBOOK_USER")
    if not username:
        raise CommandFailed("UserRequired", "name the acting user with --user or VIALBOOK_USER")
    return login(database, username, password_for(username, "VIALBOOK_PASSWORD", "Password"))


def witness(username: str | None, env: str = "VIALBOOK_WITNESS_PASSWORD"):  # type: ignore[no-untyped-def]
    from ledger.auth import Credentials

    if not username:
        return None
    return Credentials(username, password_for(username, env, "Witness password"))


def emit(as_json: bool, data: Any, text: str | Callable[[], str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        typer.echo(text() if callable(text) else text)
