"""The vialbook Textual app: a login, then the dashboard. All ledger work runs in workers.

The login screen is up before the ledger's code is loaded: SQLAlchemy, the models, the
engine and argon2 load in a worker (ledger_loading.py) while the user types, so nothing here
imports them at module level.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from tui.app.messages import ClinicLoaded, DatabaseFailed, KeysReady, Refused

if TYPE_CHECKING:
    from ledger.access import Actor
    from ledger.database import Database
    from tui.app.dashboard_opening import Opening, SignedIn
    from tui.app.lock_screen import Unlocked
    from tui.app.session_info import SessionInfo


class VialbookApp(App[None]):
    CSS_PATH = Path(__file__).with_name("vialbook.tcss")
    TITLE = "vialbook"

    def __init__(
        self,
        db: Database | None = None,
        *,
        open_db: Callable[[], Database] | None = None,
        actor: Actor | None = None,
        hint: str | Callable[[Database], str] = "",
        idle_after: timedelta | None = None,
        idle_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`db` is an open ledger; or `open_db` opens one in a worker behind the login screen.

        `hint` is a line for the login screen, or how to read it from the ledger once open.
        """
        super().__init__()
        if (db is None) == (open_db is None):
            raise TypeError("VialbookApp needs either db or open_db")
        self._open_db = open_db
        self._db: Future[Database] = Future()
        if db is not None:
            self._db.set_result(db)
        self.actor = actor
        self.hint = hint if isinstance(hint, str) else ""
        self._read_hint = hint if callable(hint) else None
        self._open_when_loaded = False
        self._loading = False
        #: How long without a key or a click before the screen locks: the clinic's setting
        #: (read at each login) unless given here (tests, a kiosk).
        self.idle_after = idle_after
        self._idle_fixed = idle_after is not None
        #: Seconds on a clock that only moves forward; a test passes its own.
        self.idle_clock = idle_clock
        self._last_input = idle_clock()
        self._idle_timer: Timer | None = None
        self.workstation_locked = False
        self.clinic_name = ""
        self.session: SessionInfo | None = None
        self._clock_timer: Timer | None = None
        #: Keys typed while the screen meant for them is still coming up (a nurse typing her
        #: username before the login screen shows, a scanner right after "i"). They are kept
        #: in order and handed on once that screen has its first field focused (KeysReady).
        self._held_keys: list[events.Key] | None = []

    def hold_keys(self) -> None:
        """Keep keys from now on until the next screen posts KeysReady."""
        if self._held_keys is None:
            self._held_keys = []

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown):
            self._last_input = self.idle_clock()
        if isinstance(event, events.Key) and not event.is_forwarded and self._held_keys is not None:
            self._held_keys.append(event)
            return
        if isinstance(event, events.Key) and not event.is_forwarded and self._scanned(event):
            return
        await super().on_event(event)

    def _scanned(self, key: events.Key) -> bool:
        """Whether the screen took `key` as part of a barcode scan, before any binding sees
        it (the dashboard: tui/app/scan_keys.py)."""
        take = getattr(self.screen, "take_scan_key", None)
        return take is not None and bool(take(key))

    async def on_keys_ready(self, _: KeysReady) -> None:
        held, self._held_keys = self._held_keys or [], None
        while held:
            # Through the app's own key handling, one by one on this task: a key that moves
            # the focus (Enter, Tab) has moved it before the next key is handed on.
            await super().on_event(held.pop(0))
            if self._held_keys is not None:
                # That key holds keys again (a form moving on, tui/app/form_keys.py): the rest
                # wait first in line, until the form is ready for them.
                self._held_keys[:0] = held
                break
        # Only now: loading in a thread takes the interpreter from the screen coming up.
        self._start_loading()

    @property
    def db(self) -> Database:
        """The ledger. In a worker, waits until it is open (the user may type faster than the
        ledger's code loads); raises what opening it raised."""
        return self._db.result()

    def on_mount(self) -> None:
        if self.actor is None:
            # At once, with no ledger code loaded; the ledger opens once it takes keys.
            self._push_login()
        else:
            self._open_when_loaded = True
            self._start_loading()
        # A few times a minute is enough to lock within seconds of the idle time.
        self._idle_timer = self.set_interval(10, self.check_idle_lock)

    def _push_login(self) -> None:
        from tui.app.login_screen import LoginScreen

        self.push_screen(LoginScreen(self.clinic_name, self.hint), self._signed_in)

    def _signed_in(self, signed: SignedIn | None) -> None:
        if signed is None:
            self._open(None)
        else:
            self._open(signed.actor, signed.opening)

    def _start_loading(self) -> None:
        if not self._loading:
            self._loading = True
            self._load_ledger()

    @work(thread=True, group="ledger", exit_on_error=False)
    def _load_ledger(self) -> None:
        from tui.app import ledger_loading

        ledger_loading.load(self, self._open_db, self._db, self._read_hint)

    # -- the idle lock ---------------------------------------------------------------------

    def check_idle_lock(self) -> None:
        """Lock when nobody has typed or clicked for the idle time (the timer calls this)."""
        if self.actor is None or self.workstation_locked or self.idle_after is None:
            return
        if self.idle_clock() - self._last_input >= self.idle_after.total_seconds():
            minutes = max(1, int(self.idle_after.total_seconds() // 60))
            self.lock_workstation(idle_minutes=minutes)

    def lock_workstation(self, idle_minutes: int | None = None) -> None:
        """Cover the current screen; what lies under it stays exactly as it was.

        `idle_minutes` says how long nobody typed; None is a user locking by hand.
        """
        if self.actor is None or self.workstation_locked:
            return
        self.workstation_locked = True
        minutes = idle_minutes
        self._audit_lock(self.actor, minutes)
        from tui.app.lock_screen import LockScreen

        self.push_screen(LockScreen(self.actor, minutes), self._unlocked)

    @work(thread=True, group="lock", exit_on_error=False)
    def _audit_lock(self, actor: Actor, minutes: int | None) -> None:
        from ledger.services.session_lock import lock_session
        from tui.app.worker_failures import LEDGER_FAILURES, failure_message

        try:
            lock_session(self.db, actor, idle_minutes=minutes)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))

    def _unlocked(self, outcome: Unlocked | None) -> None:
        self.workstation_locked = False
        self._last_input = self.idle_clock()
        if outcome is None or outcome.same_user:
            return  # the same nurse, back at the form she left
        locked, self.actor = self.actor, outcome.actor
        if locked is not None:
            self._audit_hand_over(locked, outcome.actor)
        # Someone else: every screen of the locked user goes, unsaved, and they start fresh.
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.session = None
        self._open(outcome.actor)

    @work(thread=True, group="lock", exit_on_error=False)
    def _audit_hand_over(self, locked: Actor, new: Actor) -> None:
        from ledger.services.session_lock import hand_over
        from tui.app.worker_failures import LEDGER_FAILURES, failure_message

        try:
            hand_over(self.db, locked, new)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))

    @work(thread=True, exclusive=True, group="idle", exit_on_error=False)
    def _read_idle_time(self) -> None:
        from ledger.settings import clinic_settings
        from tui.app.worker_failures import LEDGER_FAILURES, failure_message

        try:
            with self.db.read() as session:
                minutes = clinic_settings(session).idle_lock_minutes
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            minutes = 5  # the default: a workstation never stays open for want of a setting
        self.call_from_thread(setattr, self, "idle_after", timedelta(minutes=minutes))

    def on_clinic_loaded(self, message: ClinicLoaded) -> None:
        self.clinic_name = message.name
        if message.hint:
            self.hint = message.hint
        if self._open_when_loaded:
            # Started for a user already logged in (--user): the dashboard, once the ledger is.
            self._open_when_loaded = False
            self.sub_title = message.name
            self._open(self.actor)
            return
        if self.actor is None:
            self.sub_title = message.name
        for screen in self.screen_stack:
            show = getattr(screen, "show_clinic", None)
            if show is not None:
                show(self.clinic_name, self.hint)

    def show_session(self, info: SessionInfo) -> None:
        """The title bar: who is logged in, their roles, the registration, the clinic's time."""
        self.session = info
        self.sub_title = f"{info.username} ({info.roles_text()}) · {info.registration}"
        self._tick()
        if self._clock_timer is None:
            self._clock_timer = self.set_interval(20, self._tick)

    def _tick(self) -> None:
        if self.session is None:
            self.title = "vialbook"
            return
        from zoneinfo import ZoneInfo

        from ledger import clock

        now = clock.now().astimezone(ZoneInfo(self.session.timezone))
        self.title = f"vialbook · {now:%a %d %b %H:%M}"

    def action_log_out(self) -> None:
        """Back to the login: nothing on screen stays for the next person."""
        self.actor = None
        self.session = None
        self.workstation_locked = False
        self.sub_title = self.clinic_name
        self._tick()
        self.hold_keys()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._push_login()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action of the screen in the command palette (ctrl+p), as the user may."""
        yield from super().get_system_commands(screen)
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action = binding.action
            if action.startswith("app.") or screen.check_action(action, ()) is False:
                continue
            yield SystemCommand(
                # The footer may say it in a word; the tooltip, if any, says it in full.
                binding.tooltip or binding.description,
                f"Key {binding.key.split(',')[0]}",
                partial(screen.run_action, action),
            )
        if self.actor is not None:
            yield SystemCommand("Log out", "Back to the login screen", self.action_log_out)
            if not self.workstation_locked:
                yield SystemCommand(
                    "Lock the screen",
                    "Walking away: your password brings you back",
                    self.lock_workstation,
                )

    def _open(self, actor: Actor | None, opening: Opening | None = None) -> None:
        from tui.app.dashboard_screen import DashboardScreen

        if actor is None:
            self.exit()
            return
        self.actor = actor
        self._last_input = self.idle_clock()
        if not self._idle_fixed:
            self._read_idle_time()
        # Keys typed on the way in belong to the dashboard (it takes no typing).
        held: list[events.Key] = self._held_keys or []
        self._held_keys = None
        self.push_screen(DashboardScreen(actor, opening))
        for key in held:
            self.post_message(key)

    def say_ledger_failure(self, message: Refused | DatabaseFailed) -> None:
        """The ledger could not be opened or read (ledger_loading.py): on the screen's own
        line if it has one for this (the login), else as a toast."""
        say = getattr(self.screen, "show_failure", None)
        if say is not None:
            say(message.text)
        else:
            self._show_failure(message)

    @on(Refused)
    @on(DatabaseFailed)
    def _show_failure(self, message: Refused | DatabaseFailed) -> None:
        """The one place errors are shown: a refusal names its rule, a failure is a sentence."""
        self.notify(message.text, severity="error", timeout=10, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch refusals and database errors themselves; this is for anything else.
        # Only the error's type is shown: its text or a traceback could carry what was typed.
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"Something went wrong ({type(error).__name__}); "
                "look at the movement log before trying again.",
                severity="error",
                timeout=10,
            )
