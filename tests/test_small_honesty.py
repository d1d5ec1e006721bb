"""Small things said honestly: a tiny dose in mL, the username as stored, why a database is out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.database import open_database
from ledger.errors import DatabaseUnavailable
from ledger.schema_version import require_current
from ledger.units import syringe_ml, syringe_ml_text
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic

FIFTY = 50_000  # 50 mg/mL in µg/mL


def test_a_dose_below_a_syringe_mark_is_never_shown_as_nothing() -> None:
    assert syringe_ml(5, FIFTY) == Decimal("0.0001")  # 5 µg of 50 mg/mL, to its own digits
    assert syringe_ml_text(5, FIFTY) == "<0.01"
    assert syringe_ml(0, FIFTY) == Decimal("0.00")
    assert syringe_ml_text(0, FIFTY) == "0.00"
    assert syringe_ml(455_000, FIFTY) == Decimal("9.10")  # readable amounts are unchanged


def test_user_add_says_the_username_it_stored(sqlite_clinic: Clinic) -> None:
    env = {"VIALBOOK_NEW_PASSWORD": "omar-two-password"}
    from typer.testing import CliRunner

    from tests.support import pw
    from tui.cli import app

    result = CliRunner().invoke(
        app,
        ["user", "add", "Omar.Two", "--name", "Omar Two", "--role", "nurse"],
        env={
            "VIALBOOK_DB": sqlite_clinic.db.url,
            "VIALBOOK_USER": "admin",
            "VIALBOOK_PASSWORD": pw("admin"),
            **env,
        },
    )
    assert result.exit_code == 0, result.output
    assert "user omar.two added" in result.output
    assert "Omar.Two" not in result.output
    from ledger.auth import login

    assert login(sqlite_clinic.db, "omar.two", "omar-two-password").username == "omar.two"


def test_a_refused_connection_is_unavailable_not_uninitialised() -> None:
    db = open_database("postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    with pytest.raises(DatabaseUnavailable, match="did not accept the connection"):
        require_current(db)
    result = vialbook(db.url, "stock")
    assert_refused(result, "DatabaseUnavailable")


def test_a_locked_sqlite_database_is_unavailable_and_says_why(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    try:
        db = open_database(str(path))
        db.engine.dispose()
        import sqlalchemy as sa

        # The clinic's own timeout is a minute; this test does not wait for it.
        quick = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
        db.engine = quick
        with pytest.raises(DatabaseUnavailable, match="holds the database's lock"):
            require_current(db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
