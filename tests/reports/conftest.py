"""Report fixtures: a small demo clinic (several pages of log) built once per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from ledger.access import Actor
from ledger.auth import login
from ledger.database import Database, open_database
from ledger.demo import build_demo, password

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
