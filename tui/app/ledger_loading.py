"""The ledger, opened in a worker while the login screen takes the username.

SQLAlchemy, the models, the engine and argon2 take longer to load than Textual itself; the
login screen needs none of them. This runs in the app's worker thread: it opens the database
(the app's `db` waits for it), reads the clinic's name for the title, and then loads what
the login check and the dashboard will need, so the password's Enter finds them ready.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from textual.app import App

from ledger.database import Database
from ledger.settings import clinic_settings
from tui.app.messages import ClinicLoaded
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


def load(
    app: App[None],
    open_db: Callable[[], Database] | None,
    ready: Future[Database],
    read_hint: Callable[[Database], str] | None,
) -> None:
    if open_db is not None:
        try:
            ready.set_result(open_db())
        except BaseException as exc:
            # The login's check raises it again: the screen says why, the app stays up.
            ready.set_exception(exc)
            if isinstance(exc, LEDGER_FAILURES):
                _say(app, exc)
                app.post_message(ClinicLoaded(""))
                return
            raise
    db = ready.result()
    name = hint = ""
    try:
        with db.read() as session:
            name = clinic_settings(session).name
        if read_hint is not None:
            hint = read_hint(db)
    except LEDGER_FAILURES as exc:
        _say(app, exc)
    app.post_message(ClinicLoaded(name, hint))
    _load_what_comes_next()


def _say(app: App[None], exc: Exception) -> None:
    """Why the ledger cannot be used, once, where the user is looking: on the login screen's
    own line if it is up (the login's check says it there again, in place), else a toast."""
    app.call_from_thread(app.say_ledger_failure, failure_message(exc))  # type: ignore[attr-defined]


def _load_what_comes_next() -> None:
    """Import the password check (argon2) and the dashboard with its queries, and set up the
    ORM's mappers (done on a first query otherwise), now while the user is still typing,
    rather than after Enter."""
    from sqlalchemy.orm import configure_mappers

    import ledger.auth  # noqa: F401
    import tui.app.dashboard_screen  # noqa: F401

    configure_mappers()
