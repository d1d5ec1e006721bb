"""What a worker posts when ledger work does not happen: a refusal, or the database failing.

Workers run with `exit_on_error=False` and turn these exceptions into messages, so a
database error never ends the app and never prints a traceback (whose locals would hold
what was typed, a witness's password among them).
"""

from __future__ import annotations

import sqlalchemy as sa
from textual.message import Message

from ledger.errors import Refusal
from tui.app.messages import DatabaseFailed, Refused

#: What a worker catches; anything else reaches the app's worker-error handler.
LEDGER_FAILURES = (Refusal, sa.exc.SQLAlchemyError)


def failure_message(error: Exception) -> Message:
    """The message that tells the person at the screen what happened, in one sentence."""
    if isinstance(error, Refusal):
        return Refused(str(error))
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return DatabaseFailed(f"The database could not be reached: {_reason(error)}")
    return DatabaseFailed(f"The database could not do that: {_reason(error)}")


def _reason(error: Exception) -> str:
    # The driver's own first line ("database is locked", "connection refused"); SQLAlchemy's
    # wrapper would add the SQL and its parameters, which are no business of the screen.
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
