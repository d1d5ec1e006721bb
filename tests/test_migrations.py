"""The schema comes only from the Alembic revisions, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger import schema
from ledger.database import Database, open_database
from ledger.models import metadata
from ledger.schema_version import require_current


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        database = open_database(str(tmp_path / "empty.db"))
        yield database
        database.dispose()
    else:
        from tests.conftest import require_pg

        require_pg()
        pgs = request.getfixturevalue("pg_databases")
        name = pgs.create()
        database = open_database(pgs.url(name))
        yield database
        database.dispose()
        pgs.drop(name)


def _tables(db: Database) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_head_from_empty_creates_every_table(empty_db: Database) -> None:
    schema.upgrade(empty_db)
    assert schema.current_revision(empty_db) == schema.head_revision(empty_db)
    assert _tables(empty_db) == set(metadata.tables)


def test_downgrade_base_removes_everything(empty_db: Database) -> None:
    schema.upgrade(empty_db)
    schema.downgrade(empty_db, "base")
    assert schema.current_revision(empty_db) is None
    assert _tables(empty_db) == set()
    # and the round trip works again
    schema.upgrade(empty_db)
    assert _tables(empty_db) == set(metadata.tables)


def test_autogenerate_after_upgrade_finds_no_difference(empty_db: Database) -> None:
    schema.upgrade(empty_db)
    with empty_db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []


def test_constraints_carry_the_naming_convention(empty_db: Database) -> None:
    schema.upgrade(empty_db)
    insp = sa.inspect(empty_db.engine)
    assert insp.get_pk_constraint("movement")["name"] == "pk_movement"
    fks = {fk["name"] for fk in insp.get_foreign_keys("movement")}
    assert "fk_movement_vial_id_vial" in fks
    uniques = {u["name"] for u in insp.get_unique_constraints("product")}
    assert "uq_product_ndc" in uniques


def test_a_database_without_schema_is_refused_with_a_hint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ledger.errors import DatabaseNotInitialised

    database = open_database(str(tmp_path / "blank.db"))
    with pytest.raises(DatabaseNotInitialised, match="vialbook init"):
        require_current(database)


def test_a_database_behind_the_code_is_refused_until_upgraded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ledger.errors import DatabaseOutOfDate

    database = open_database(str(tmp_path / "old.db"))
    schema.upgrade(database, "0001")
    with pytest.raises(DatabaseOutOfDate, match="db upgrade"):
        require_current(database)
    schema.upgrade(database)
    require_current(database)


def test_the_sqlite_file_is_private_and_uses_wal_and_full_sync(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "private.db"
    database = open_database(str(path))
    schema.upgrade(database)
    assert path.stat().st_mode & 0o777 == 0o600
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_programs_schema_revision_is_the_newest_migration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ledger.schema_version import SCHEMA_REVISION

    assert SCHEMA_REVISION == schema.head_revision(open_database(str(tmp_path / "x.db")))


#: The guards revision 0002 created when it was written; it must never create others.
GUARDS_0002 = {
    "sqlite": {
        *(
            f"{t}_no_{op}"
            for t in ("movement", "infusion", "receipt", "audit_event")
            for op in ("update", "delete")
        ),
        "chain_head_no_delete",
        "chain_head_forward_only",
    },
    "postgresql": {
        *(
            f"{t}_{g}"
            for t in ("movement", "infusion", "receipt", "audit_event")
            for g in ("append_only", "no_truncate")
        ),
        "chain_head_forward_only",
        "chain_head_no_truncate",
        "vialbook_refuse_change",
        "vialbook_chain_head_forward",
    },
}


def _guard_names(db: Database) -> set[str]:
    from migrations import guards

    with db.engine.connect() as conn:
        return set(guards.installed(conn))


def test_revision_0002_stays_frozen_when_the_guard_list_grows(
    empty_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from migrations import guards

    monkeypatch.setattr(guards, "APPEND_ONLY", (*guards.APPEND_ONLY, "vial", "patient"))
    schema.upgrade(empty_db, "0002")
    assert _guard_names(empty_db) == GUARDS_0002[empty_db.engine.dialect.name]


def test_a_migrated_database_holds_exactly_the_guards_restore_will_require(
    empty_db: Database,
) -> None:
    from migrations import guards

    schema.upgrade(empty_db)
    dialect = empty_db.engine.dialect.name
    required = guards.required(dialect)
    assert _guard_names(empty_db) == {g.name for g in required}
    with empty_db.engine.begin() as conn:
        assert guards.differences(conn) == []
        # An attacker's trigger that deletes refusals from the audit trail.
        if dialect == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER planted AFTER INSERT ON audit_event BEGIN "
                "DELETE FROM audit_event WHERE outcome = 'refused'; END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION planted_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "DELETE FROM audit_event WHERE outcome = 'refused'; RETURN NULL; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER planted AFTER INSERT ON audit_event "
                "FOR EACH ROW EXECUTE FUNCTION planted_fn()"
            )
        guards.drop(conn)
        found = guards.differences(conn)
    foreign = ["planted"] if dialect == "sqlite" else ["planted", "planted_fn"]
    assert found == [f"guard {g.name} is missing" for g in required] + [
        f"trigger {name} is not one of vialbook's guards" for name in foreign
    ]
    # 0003's downgrade removes its own guards and leaves 0002's.
    with empty_db.engine.begin() as conn:
        conn.exec_driver_sql(
            "DROP TRIGGER planted" if dialect == "sqlite" else "DROP FUNCTION planted_fn CASCADE"
        )
        guards.install(conn, required)
    schema.downgrade(empty_db, "0002")
    assert _guard_names(empty_db) == GUARDS_0002[dialect]


def test_a_0006_ledger_upgrades_to_billing_with_its_settings_and_users_kept(
    empty_db: Database,
) -> None:
    schema.upgrade(empty_db, "0006")
    with empty_db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO clinic_settings (id, name, address, timezone, npi, tax_id, "
                "witness_policy, bud_days, count_interval_days, inventory_interval_months, "
                "retention_years, exact_open_counts, late_entry_minutes) VALUES (1, 'Old "
                "Clinic', '1 Main St', 'America/New_York', '', '', 'required', 28, 7, 24, 2, "
                ":f, 15)"
            ),
            {"f": False},
        )
        conn.execute(
            sa.text(
                "INSERT INTO app_user (username, full_name, password_hash, roles, active, "
                "failed_logins, created_at) VALUES ('ann', 'Ann', 'x', 'billing', :t, 0, "
                "'2026-01-01 00:00:00')"
            ),
            {"t": True},
        )
    schema.upgrade(empty_db)
    require_current(empty_db)
    with empty_db.engine.connect() as conn:
        settings = conn.execute(
            sa.text(
                "SELECT name, medical_director_id, refund_admin_fee_cents, infusion_item_code "
                "FROM clinic_settings"
            )
        ).one()
        assert tuple(settings) == ("Old Clinic", None, 0, "MOOD")
        assert conn.execute(sa.text("SELECT username, npi FROM app_user")).one() == ("ann", None)
        assert conn.execute(sa.text("SELECT seq, hash FROM money_head")).one() == (0, "0" * 64)
        from migrations import guards

        assert guards.differences(conn) == []
    # and back down to 0006, then up again
    schema.downgrade(empty_db, "0006")
    assert "money_entry" not in _tables(empty_db)
    schema.upgrade(empty_db)
    require_current(empty_db)


def test_a_ledger_written_at_revision_0002_upgrades_and_still_passes_check(
    empty_db: Database,
) -> None:
    """A v1 ledger as the first ledger revision wrote it: rows put in with 0002's own tables
    (reflected, not today's models), hashed by the v1 rule. Upgraded to head, `check`
    verifies every movement, and today's services append to its chain."""
    from datetime import UTC, date, datetime, timedelta

    from ledger import passwords
    from ledger.chain import GENESIS_HASH, movement_hash
    from ledger.check import run_check
    from ledger.services.disposal import waste
    from tests.support import Clinic

    db = empty_db
    schema.upgrade(db, "0002")
    sqlite = db.engine.dialect.name == "sqlite"
    at = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)

    def stored(moment: datetime) -> datetime:
        return moment.replace(tzinfo=None) if sqlite else moment

    old = sa.MetaData()
    with db.engine.begin() as conn:
        old.reflect(conn)
        t = old.tables
        conn.execute(t["clinic_settings"].insert(), [dict(
            id=1, name="Old Clinic", address="1 Main St", timezone="America/Denver", npi="",
            tax_id="", witness_policy="required", bud_days=28, count_interval_days=7,
            inventory_interval_months=24, retention_years=2, exact_open_counts=False,
            late_entry_minutes=15,
        )])  # fmt: skip
        conn.execute(t["app_user"].insert(), [
            dict(id=i, username=u, full_name=u.title(), roles=r, active=True, failed_logins=0,
                 password_hash=passwords.hash_password(f"{u}-secret-pw"), created_at=stored(at))
            for i, u, r in ((1, "drkim", "registrant"), (2, "omar", "nurse"), (3, "nina", "nurse"))
        ])  # fmt: skip
        conn.execute(t["registration"].insert(), [dict(
            id=1, dea_number="FK1234563", registrant="Dr Kim", address="1 Main St",
            schedules="3,4", expires=date(2030, 1, 1),
        )])  # fmt: skip
        conn.execute(t["supplier"].insert(), [dict(
            id=1, name="Henry Schein", address="135 Duryea Rd", dea_number="PH7654329",
        )])  # fmt: skip
        conn.execute(t["product"].insert(), [dict(
            id=1, name="Ketamine HCl", ndc="00409-2051-05", schedule=3,
            strength_ug_per_ml=50_000, volume_ul=10_000, multi_dose=True, bud_days=None,
            label_prefix="K",
        )])  # fmt: skip
        conn.execute(t["patient"].insert(), [dict(
            id=1, name="Pat Old", address="2 Elm St", dob=date(1980, 1, 1), mrn="MRN1",
            weight_g=80_000,
        )])  # fmt: skip
        conn.execute(t["receipt"].insert(), [dict(
            id=1, registration_id=1, supplier_id=1, product_id=1, invoice_number="INV-1",
            received_at=stored(at), entered_at=stored(at), lot="LOT-OLD",
            expires=date(2030, 1, 1), containers=1, received_by_id=1,
        )])  # fmt: skip
        drawn_at = at + timedelta(hours=1)
        conn.execute(t["vial"].insert(), [dict(
            id=1, label="K-000001", product_id=1, registration_id=1, receipt_id=1,
            lot="LOT-OLD", expires=date(2030, 1, 1), state="open", opened_at=stored(drawn_at),
            bud=stored(drawn_at + timedelta(days=28)), first_patient_id=1, received_ug=500_000,
        )])  # fmt: skip
        conn.execute(t["infusion"].insert(), [dict(
            id=1, patient_id=1, vial_id=1, registration_id=1, drawn_ug=45_000,
            given_ug=40_000, wasted_ug=5_000, weight_g=80_000, protocol=None,
            dose_ug_per_kg=None, ordered_ug=None, started_at=stored(drawn_at),
            ended_at=stored(drawn_at + timedelta(minutes=40)), event_at=stored(drawn_at),
            entered_at=stored(drawn_at), actor_id=3, witness_id=2, late=False, reason=None,
        )])  # fmt: skip
        common = dict(registration_id=1, vial_id=1, witness2_id=None, original_id=None,
                      late=False, method=None, detail=None)  # fmt: skip
        movements = [
            dict(common, id=1, event_at=at, entered_at=at, kind="receive", amount_ug=500_000,
                 actor_id=1, witness_id=None, patient_id=None, infusion_id=None, reason=None),
            dict(common, id=2, event_at=drawn_at, entered_at=drawn_at, kind="administer",
                 amount_ug=-40_000, actor_id=3, witness_id=None, patient_id=1, infusion_id=1,
                 reason=None),
            dict(common, id=3, event_at=drawn_at, entered_at=drawn_at, kind="waste",
                 amount_ug=-5_000, actor_id=3, witness_id=2, patient_id=1, infusion_id=1,
                 reason="residue after administration", method="drug-disposal container"),
        ]  # fmt: skip
        prev = GENESIS_HASH
        for m in movements:
            digest = movement_hash(prev, m)
            conn.execute(t["movement"].insert(), [dict(
                m, event_at=stored(m["event_at"]), entered_at=stored(m["entered_at"]),
                prev_hash=prev, hash=digest,
            )])  # fmt: skip
            prev = digest
        conn.execute(t["vial_balance"].insert(), [
            dict(vial_id=1, balance_ug=455_000, last_movement_id=3)
        ])  # fmt: skip
        conn.execute(t["chain_head"].update().values(seq=3, hash=prev))

    schema.upgrade(db)
    require_current(db)
    report = run_check(db)
    assert report.ok and report.movements == 3, [p.as_json() for p in report.problems]
    clinic = Clinic(db)
    posted = waste(
        db, clinic.actor("nina"), vial="K-000001", amount_ug=1_000, reason="dropped syringe",
        method="sink", witness=clinic.witness("omar"),
    )  # fmt: skip
    assert posted.movement_ids == [4] and posted.balances_ug == {"K-000001": 454_000}
    report = run_check(db)
    assert report.ok and report.movements == 4, [p.as_json() for p in report.problems]
