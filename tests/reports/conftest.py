"""Report fixtures: a small demo clinic (several pages of log) built once per module, and the
same demo with one of every other kind of entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.access import Actor
from ledger.auth import Credentials, login
from ledger.database import Database, open_database
from ledger.demo import build_demo, password
from ledger.services import corrections, discrepancies, disposal

#: The demo's last day; its history runs for DEMO_DAYS before it.
DEMO_UNTIL = date(2026, 3, 31)
DEMO_DAYS = 12


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = open_database(str(tmp_path_factory.mktemp("demo") / "demo.db"))
    build_demo(db, days=DEMO_DAYS, until=DEMO_UNTIL)
    yield db
    db.dispose()


def demo_actor(db: Database, username: str = "audrey") -> Actor:
    return login(db, username, password(username))


#: When the busy demo's extra entries are made: the end of the demo's last day, in Denver.
BUSY_AT = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)


def _sealed(db: Database, prefix: str) -> list[str]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("select label from vial where state = 'sealed' and label like :p order by id"),
            {"p": f"{prefix}-%"},
        )
        return [r[0] for r in rows]


@pytest.fixture(scope="module")
def busy_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The small demo plus one of every other entry a log lists: a destruction, a return to
    a reverse distributor, a loss (its discrepancy escalated) and a reversed waste, all on
    its last day."""
    db = open_database(str(tmp_path_factory.mktemp("busy") / "demo.db"))
    build_demo(db, days=DEMO_DAYS, until=DEMO_UNTIL)
    clock.set_clock(lambda: BUSY_AT)
    try:
        maria, nina, drkim = (demo_actor(db, u) for u in ("maria", "nina", "drkim"))
        kh = _sealed(db, "KH")
        k = _sealed(db, "K")
        disposal.destroy(
            db, maria, vials=[kh[0]], method="chemical digestion (Rx Destroyer)",
            reason="short-dated lot, not needed", witness=_creds("nina"),
            second_witness=_creds("omar"),
        )  # fmt: skip
        disposal.return_to_reverse_distributor(
            db, maria, vials=[kh[1]], distributor_name="RxReturns Inc.",
            distributor_address="9 Dock Rd, Denver, CO 80216", distributor_dea="RR1234563",
            invoice_number="RD-2026-0042",
        )  # fmt: skip
        lost = disposal.record_loss(
            db, drkim, vial=k[-1], amount_ug=2_500, reason="count short; vial cap intact",
        )  # fmt: skip
        # The loss opened its discrepancy; the registrant escalates it: a Form 106 draft.
        assert lost.discrepancy is not None
        discrepancies.escalate(db, drkim, lost.discrepancy, loss_type="significant-loss")
        wasted = disposal.waste(
            db, nina, vial=k[-2], amount_ug=1_000, reason="draw contaminated",
            method="drug-disposal container", witness=_creds("omar"),
        )  # fmt: skip
        corrections.reverse(
            db, drkim, movement_id=wasted.movement_ids[0], reason="entered twice",
            witness=_creds("omar"),
        )  # fmt: skip
    finally:
        clock.set_clock(None)
    yield db
    db.dispose()


def _creds(username: str) -> Credentials:
    return Credentials(username, password(username))
