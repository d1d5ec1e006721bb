"""A hypothesis state machine that runs a clinic through the service layer at random.

Every action a user can take is a rule, fed valid and invalid input alike: negative, zero
and absurd amounts, unknown vials, users and patients, self-witnessing, wrong passwords,
wrong roles, disabled and locked users, random unicode, and a clock that moves past
beyond-use and expiry dates. After every step: a refused action changed nothing and was
audited, an accepted one was allowed to its actor, and the whole ledger still verifies.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlmodel import select

from ledger import clock
from ledger.access import PERMISSIONS, Actor
from ledger.auth import Credentials, login
from ledger.database import Database, open_database
from ledger.errors import AccountLocked, PermissionDenied, Refusal
from ledger.models import Role, User
from ledger.services import catalogue, corrections, disposal, receiving, transfers, users
from ledger.services.infusions import record_infusion
from ledger.services.patients import NewPatient, add_patient, import_patients
from tests.reliability.soundness import assert_ledger_sound
from tests.support import DEA, KETAMINE, KETAMINE_100, MIDAZOLAM, SECOND_DEA, dump, pw

USERS = ["admin", "drkim", "nina", "omar", "maria", "bella", "audrey"]
#: Someone who is not on staff, and a forged identity (nina's id, omar's name).
GHOST = Actor(user_id=9_999, username="ghost")
FORGED = "forged"


def mostly(valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]) -> Any:
    """Valid nine times in ten: a run of all-invalid input would never reach the ledger."""
    return st.integers(0, 9).flatmap(lambda n: invalid if n == 0 else valid)


staff = st.sampled_from(USERS)
usernames = mostly(staff, st.sampled_from(["ghost", FORGED]))
CLINICAL = ("nina", "omar", "drkim")
clinical = st.sampled_from(CLINICAL)
ROLES = {
    "admin": "admin",
    "drkim": "registrant",
    "nina": "nurse",
    "omar": "nurse",
    "maria": "manager",
    "bella": "billing",
    "audrey": "auditor",
}


def allowed_to(permission: str) -> Any:
    """Mostly someone whose role allows it; sometimes anyone at all."""
    fit = sorted(u for u, r in ROLES.items() if Role(r) in PERMISSIONS[permission])
    return mostly(st.sampled_from(fit), usernames)


vials = mostly(
    st.sampled_from([f"K-00000{i}" for i in range(1, 9)] + ["M-000001", "M-000002", "M-000003"]),
    st.sampled_from(["KH-000001", "k-000002 ", "K-999999", ""]) | st.text(max_size=12),
)
patients = mostly(
    st.sampled_from(["MRN1", "MRN2"]),
    st.sampled_from(["MRN3", "NOBODY", "1", "999", " mrn1"]) | st.text(max_size=20),
)
doses = st.integers(1, 120).map(lambda mg: mg * 1_000)
residues = st.integers(0, 5).map(lambda mg: mg * 1_000)
bad_amounts = st.sampled_from([0, -1, -5_000, 10_000_001, 10**12]) | st.integers(-(10**6), 10**6)
amounts = mostly(doses, bad_amounts | st.none())
printable = st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn"))
texts = mostly(
    st.sampled_from(["residue", "dropped on the floor", "count variance"])
    | st.text(printable, min_size=1, max_size=60),
    st.sampled_from(["", "   ", "a\x00b"])
    | st.text(max_size=40)
    | st.text(min_size=490, max_size=600),
)
witnesses = mostly(
    clinical.map(lambda name: Credentials(name, pw(name))),
    st.none()
    | st.tuples(usernames, st.booleans()).map(
        lambda t: Credentials(t[0], pw(t[0]) if t[1] else "wrong-password")
    ),
)
moments = mostly(
    st.none(),
    st.integers(-3 * 24 * 60, 60).map(lambda minutes: timedelta(minutes=minutes)),
)
#: How each action ended, over a whole run (the test prints and checks it).
OUTCOMES: Counter[str] = Counter()

DEAS = st.sampled_from([DEA, SECOND_DEA, "RR1234563", "AB1234567", "", "XX"])


class ClinicMachine(RuleBasedStateMachine):
    """Set TEMPLATE and PATH (class attributes) before running it."""

    TEMPLATE: str = ""
    PATH: Path = Path()
    START = datetime.now(UTC).replace(microsecond=0)

    def __init__(self) -> None:
        super().__init__()
        self.db: Database = self.fresh_database()
        self.now = self.START
        clock.set_clock(lambda: self.now)
        with self.db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT username, id FROM app_user").all()
        self.ids = {name: uid for name, uid in rows}
        self.last = dump(self.db)
        self.verified: object = None

    def fresh_database(self) -> Database:
        """A copy of the set-up clinic for one example (SQLite; a subclass may override)."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.PATH}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.TEMPLATE, self.PATH)
        os.chmod(self.PATH, 0o600)
        return open_database(str(self.PATH))

    def forget_database(self) -> None:
        """Drop what fresh_database made, once the example is over."""

    def teardown(self) -> None:
        clock.set_clock(None)
        self.db.dispose()
        self.forget_database()

    # -- helpers ---------------------------------------------------------------
    def actor(self, name: str) -> Actor:
        if name == "ghost":
            return GHOST
        if name == FORGED:
            return Actor(user_id=self.ids["nina"], username="omar")
        return Actor(user_id=self.ids[name], username=name)

    def _user_row(self, name: str) -> User | None:
        if not name.isprintable():
            # No username holds a control character (they are refused when a user is
            # added), and PostgreSQL refuses a NUL byte in a query: the model's own lookup
            # must not crash where the login it models refuses cleanly.
            return None
        with self.db.read() as session:
            return session.exec(select(User).where(User.username == name)).first()

    def _last_audit(self) -> tuple[Any, ...]:
        with self.db.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT username, action, outcome, rule FROM audit_event ORDER BY id DESC LIMIT 1"
            ).one()
        return tuple(row)

    def attempt(self, permission: str, audit_as: str, actor: Actor, call: Callable[[], Any]) -> Any:
        """Run one service call and hold it to the rules, whichever way it went."""
        row = self._user_row(actor.username)
        allowed = (
            row is not None
            and actor.user_id == self.ids.get(actor.username)
            and bool(row.active)
            and bool({Role(r) for r in row.roles.split(",")} & PERMISSIONS[permission])
        )
        try:
            result = call()
        except Refusal as exc:
            OUTCOMES[f"{audit_as}: {exc.rule}"] += 1
            assert dump(self.db) == self.last, f"refused ({exc}) but the ledger changed"
            assert self._last_audit() == (actor.username, audit_as, "refused", exc.rule)
            if isinstance(exc, PermissionDenied) and row is not None:
                assert not allowed or audit_as == "user.disable", exc
            return None
        OUTCOMES[f"{audit_as}: accepted"] += 1
        assert allowed, f"{actor.username} was let {permission}"
        self.last = dump(self.db)
        return result

    # -- time ------------------------------------------------------------------
    @rule(
        step=st.sampled_from(
            [timedelta(minutes=20), timedelta(hours=9), timedelta(days=1), timedelta(days=29)]
        )
    )
    def time_passes(self, step: timedelta) -> None:
        self.now += step

    @precondition(lambda self: self.now.year < 2034 and self.now - self.START > timedelta(days=20))
    @rule()
    def the_lot_expires(self) -> None:
        self.now = datetime(2034, 7, 1, 18, 0, tzinfo=UTC)

    # -- at the chair ------------------------------------------------------------
    @rule(
        who=allowed_to("infusion.record"),
        patient=patients,
        vial=vials,
        drawn=amounts,
        wasted=mostly(residues, bad_amounts),
        balanced=mostly(st.just(True), st.just(False)),
        given=amounts,
        witness=witnesses,
        drawn_ago=moments,
        reason=st.none() | texts,
        protocol=st.sampled_from([None, "depression", "pain", "0.5mg/kg", "lots"]),
    )
    def record_an_infusion(
        self,
        who,
        patient,
        vial,
        drawn,
        wasted,
        balanced,
        given,
        witness,
        drawn_ago,
        reason,
        protocol,
        over_order_reason=None,
    ) -> None:  # type: ignore[no-untyped-def]
        if balanced and isinstance(drawn, int) and isinstance(wasted, int):
            given = drawn - wasted
        actor = self.actor(who)
        drawn_at = self.now + drawn_ago if drawn_ago is not None else None
        result = self.attempt(
            "infusion.record",
            "infusion.record",
            actor,
            lambda: record_infusion(
                self.db,
                actor,
                patient=patient,
                vial=vial,
                drawn_ug=drawn,
                given_ug=given,
                wasted_ug=wasted,
                witness=witness,
                drawn_at=drawn_at,
                reason=reason,
                protocol=protocol,
                confirm_over_order=over_order_reason is not None,
                over_order_reason=over_order_reason,
            ),
        )
        if result is not None:
            assert drawn == given + wasted > 0 and given >= 0 and wasted >= 0
            # A dose above the order is only ever accepted when it was confirmed.
            assert over_order_reason is not None or not result.over_order
            if wasted:
                assert witness is not None and witness.username != actor.username

    # The common case, so that runs reach empty vials, BUD and expiry with real history.
    @rule(
        who=clinical,
        patient=st.sampled_from(["MRN1", "MRN2"]),
        # Ketamine: a routine dose of 1-120 mg never fits a 2 mg midazolam vial, and the
        # general rule above still draws from those.
        vial=st.sampled_from(["K-000001", "K-000002"]),
        drawn=doses,
        wasted=residues,
        other=st.integers(1, len(CLINICAL) - 1),
    )
    def record_a_routine_infusion(self, who, patient, vial, drawn, wasted, other) -> None:  # type: ignore[no-untyped-def]
        # The routine case has a second person at the chair, and a dose above the order is
        # confirmed with its reason (so runs reach empty vials); the general rule above still
        # tries self-witnessing, an unconfirmed over-order and every other mistake.
        witness = CLINICAL[(CLINICAL.index(who) + other) % len(CLINICAL)]
        self.record_an_infusion(
            who,
            patient,
            vial,
            drawn,
            wasted,
            True,
            0,
            Credentials(witness, pw(witness)),
            None,
            None,
            "depression",
            "prescriber's order for this session",
        )

    @rule(
        who=allowed_to("waste"),
        vial=vials,
        amount=amounts,
        reason=texts,
        method=texts,
        witness=witnesses,
    )
    def waste_residue(self, who, vial, amount, reason, method, witness) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        result = self.attempt(
            "waste",
            "waste",
            actor,
            lambda: disposal.waste(
                self.db,
                actor,
                vial=vial,
                amount_ug=amount,
                reason=reason,
                method=method,
                witness=witness,
            ),
        )
        if result is not None:
            assert witness is not None and witness.username != actor.username

    @rule(who=allowed_to("breakage"), vial=vials, amount=amounts, reason=texts, witness=witnesses)
    def record_a_breakage(self, who, vial, amount, reason, witness) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "breakage",
            "breakage",
            actor,
            lambda: disposal.record_breakage(
                self.db, actor, vial=vial, amount_ug=amount, reason=reason, witness=witness
            ),
        )

    @rule(who=allowed_to("loss"), vial=vials, amount=amounts, reason=texts)
    def record_a_loss(self, who, vial, amount, reason) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "loss",
            "loss",
            actor,
            lambda: disposal.record_loss(
                self.db, actor, vial=vial, amount_ug=amount, reason=reason
            ),
        )

    @rule(
        who=allowed_to("destroy"),
        labels=st.lists(vials, max_size=3),
        method=texts,
        reason=texts,
        first=witnesses,
        second=witnesses,
    )
    def destroy_stock(self, who, labels, method, reason, first, second) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        result = self.attempt(
            "destroy",
            "destroy",
            actor,
            lambda: disposal.destroy(
                self.db,
                actor,
                vials=labels,
                method=method,
                reason=reason,
                witness=first,
                second_witness=second,
            ),
        )
        if result is not None:
            names = {first.username, second.username, actor.username}
            assert len(names) == 3

    @rule(
        who=allowed_to("return"),
        labels=st.lists(vials, max_size=3),
        name=texts,
        dea=DEAS,
        invoice=texts,
    )
    def return_to_a_reverse_distributor(self, who, labels, name, dea, invoice) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "return",
            "return",
            actor,
            lambda: disposal.return_to_reverse_distributor(
                self.db,
                actor,
                vials=labels,
                distributor_name=name,
                distributor_address="9 Return Way",
                distributor_dea=dea,
                invoice_number=invoice,
            ),
        )

    @rule(who=allowed_to("transfer"), labels=st.lists(vials, max_size=2), to=DEAS, reason=texts)
    def transfer_stock(self, who, labels, to, reason) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "transfer",
            "transfer",
            actor,
            lambda: transfers.transfer(
                self.db, actor, vials=labels, to_registration=to, reason=reason
            ),
        )

    @rule(who=allowed_to("adjust"), vial=vials, amount=amounts, reason=texts, witness=witnesses)
    def adjust_the_count(self, who, vial, amount, reason, witness) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "adjust",
            "adjust",
            actor,
            lambda: corrections.adjust(
                self.db, actor, vial=vial, amount_ug=amount, reason=reason, witness=witness
            ),
        )

    @rule(who=allowed_to("reverse"), movement=st.integers(-1, 40), reason=texts, witness=witnesses)
    def reverse_a_movement(self, who, movement, reason, witness) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "reverse",
            "reverse",
            actor,
            lambda: corrections.reverse(
                self.db, actor, movement_id=movement, reason=reason, witness=witness
            ),
        )

    # -- the stock room and the office ---------------------------------------------
    @rule(
        who=allowed_to("receive"),
        supplier=st.sampled_from(["Henry Schein", "Nobody Pharma", ""]),
        ndc=st.sampled_from([KETAMINE, KETAMINE_100, MIDAZOLAM, "12345", "abc"]),
        lot=texts,
        expires=st.dates(date(2020, 1, 1), date(2040, 1, 1)),
        count=st.integers(-1, 3),
    )
    def receive_stock(self, who, supplier, ndc, lot, expires, count) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "receive",
            "receive",
            actor,
            lambda: receiving.receive(
                self.db,
                actor,
                supplier=supplier,
                invoice_number="INV-F",
                ndc=ndc,
                lot=lot,
                expires=expires,
                vials=count,
            ),
        )

    @rule(who=allowed_to("registration.add"), dea=DEAS)
    def add_a_registration(self, who, dea) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "registration.add",
            "registration.add",
            actor,
            lambda: catalogue.add_registration(
                self.db,
                actor,
                dea_number=dea,
                registrant="Dr Kim",
                address="2 Second St, Denver",
                schedules=[3, 4],
                expires=date(2035, 1, 1),
            ),
        )

    @rule(
        who=allowed_to("patient.add"),
        name=texts,
        address=texts,
        dob=st.dates(date(1890, 1, 1), date(2040, 1, 1)),
        mrn=st.none() | st.sampled_from(["MRN1", "MRN9"]) | st.text(max_size=45),
    )
    def add_a_patient(self, who, name, address, dob, mrn) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "patient.add",
            "patient.add",
            actor,
            lambda: add_patient(self.db, actor, NewPatient(name, address, dob, mrn)),
        )

    @rule(
        who=allowed_to("patient.import"),
        raw=st.binary(max_size=200),
        rows=st.lists(st.tuples(texts, texts, st.text(max_size=12)), max_size=4),
        as_csv=st.booleans(),
    )
    def import_patients_from_a_file(self, who, raw, rows, as_csv) -> None:  # type: ignore[no-untyped-def]
        if as_csv:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["name", "address", "dob"])
            writer.writerows(rows)
            raw = out.getvalue().encode("utf-8", "surrogatepass")
        actor = self.actor(who)
        self.attempt(
            "patient.import",
            "patient.import",
            actor,
            lambda: import_patients(self.db, actor, raw),
        )

    @rule(
        who=allowed_to("user.manage"),
        name=mostly(
            st.from_regex(r"[a-z][a-z0-9._-]{1,20}", fullmatch=True),
            st.sampled_from(["nina", "x", "Bad Name"]) | st.text(max_size=12),
        ),
        roles=st.lists(st.sampled_from(["nurse", "auditor", "chief", ""]), max_size=2),
        password=mostly(st.just("a-long-enough-pw"), st.just("short") | st.text(max_size=12)),
    )
    def add_a_user(self, who, name, roles, password) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "user.manage",
            "user.add",
            actor,
            lambda: users.add_user(
                self.db,
                actor,
                username=name,
                full_name="New Person",
                roles=roles,
                password=password,
            ),
        )

    # Mostly people nobody needs at the chair: a clinic with every nurse disabled tests nothing.
    @rule(
        who=allowed_to("user.manage"),
        whom=mostly(st.sampled_from(["bella", "audrey", "admin", "ghost"]), usernames),
    )
    def disable_a_user(self, who, whom) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(who)
        self.attempt(
            "user.manage",
            "user.disable",
            actor,
            lambda: users.disable_user(self.db, actor, whom),
        )

    # -- logging in ------------------------------------------------------------------
    @rule(name=usernames | st.text(max_size=70), right=st.booleans())
    def log_in(self, name, right) -> None:  # type: ignore[no-untyped-def]
        row = self._user_row(name)
        locked = row is not None and row.locked_until is not None and row.locked_until > self.now
        password = pw(name) if right else "wrong-password"
        try:
            login(self.db, name, password)
        except AccountLocked:
            assert locked
        except Refusal:
            assert not (right and row is not None and row.active and not locked)
        else:
            assert right and row is not None and row.active and not locked
        assert dump(self.db) == self.last  # logins touch only the lock-out counters

    @invariant()
    def the_ledger_verifies(self) -> None:
        # A step that left the dump as it was left the ledger verified; check the rest.
        if self.verified is not self.last:
            assert_ledger_sound(self.db)
            self.verified = self.last
