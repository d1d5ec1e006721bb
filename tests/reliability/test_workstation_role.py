"""On PostgreSQL a workstation connects as a member of `vialbook_workstation`: it can do the
clinic's whole day through vialbook, and it cannot drop or disable a guard, rewrite history,
delete anything or plant a trigger (issue 9, item 9)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger.check import run_check
from ledger.database import Database, open_database
from ledger.services.disposal import waste
from ledger.services.infusions import record_infusion
from ledger.services.patients import NewPatient, add_patient
from tests.support import Clinic, dump


@pytest.fixture
def workstation(clinic: Clinic) -> Iterator[Database]:
    if clinic.db.is_sqlite:
        pytest.skip("SQLite has no roles; its guard is who may write the file")
    name = f"vb_ws_{uuid.uuid4().hex[:8]}"
    with clinic.db.engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN IN ROLE vialbook_workstation")
        conn.commit()
    url = make_url(clinic.db.url).set(username=name).render_as_string(hide_password=False)
    db = open_database(url)
    try:
        yield db
    finally:
        db.dispose()
        with clinic.db.engine.connect() as conn:
            conn.exec_driver_sql(f"DROP ROLE {name}")
            conn.commit()


def test_a_workstation_does_the_clinics_day_through_vialbook(
    clinic: Clinic, workstation: Database
) -> None:
    from datetime import date

    ws = Clinic(workstation)
    done = record_infusion(
        workstation,
        ws.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=ws.witness("omar"),
        # The clinic's protocol list is read with the workstation's own grants.
        protocol="depression",
    )
    waste(
        workstation,
        ws.actor("nina"),
        vial="K-000001",
        amount_ug=1_000,
        reason="dropped syringe",
        method="sink",
        witness=ws.witness("omar"),
    )
    add_patient(
        workstation, ws.actor("nina"), NewPatient("Ann Three", "5 Pine St", date(1990, 3, 3))
    )
    assert done.infusion_id
    assert run_check(workstation).ok


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TRIGGER movement_append_only ON movement",
        "ALTER TABLE movement DISABLE TRIGGER ALL",
        "UPDATE movement SET amount_ug = 1 WHERE id = 1",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "DELETE FROM vial_balance",
        "DROP FUNCTION vialbook_refuse_change() CASCADE",
        "CREATE TRIGGER forget AFTER INSERT ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION vialbook_refuse_change()",
        "CREATE TABLE shadow (id int)",
        "ALTER TABLE audit_event DROP COLUMN detail",
    ],
)
def test_a_workstation_cannot_take_the_guards_down(
    clinic: Clinic, workstation: Database, sql: str
) -> None:
    before = dump(clinic.db)
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"):
        with workstation.engine.begin() as conn:
            conn.exec_driver_sql(sql)
    assert dump(clinic.db) == before
