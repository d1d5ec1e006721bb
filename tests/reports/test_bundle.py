"""The auditor bundle: a manifest of SHA-256s tied to the ledger head, verified, and caught
when one byte of one file changes. Every export lands in the audit trail."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import date

import sqlalchemy as sa

from ledger.check import run_check
from ledger.models import AuditEvent
from ledger.models.base import table_of
from reports.bundle import MANIFEST, export_bundle
from reports.catalogue import REPORTS
from reports.export import export_report
from reports.scope import Request
from reports.verify import verify_export
from tests.reports.conftest import DEMO_UNTIL, demo_actor

PERIOD = Request(date(2026, 3, 1), DEMO_UNTIL)


def _events(db, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    a = table_of(AuditEvent)
    with db.read() as s:
        rows = s.execute(sa.select(a.c.username, a.c.detail).where(a.c.action == action)).all()
    return [dict(json.loads(d), username=u) for u, d in rows]


def test_a_bundle_holds_every_report_twice_and_a_manifest_of_hashes(demo_db, tmp_path) -> None:
    out = tmp_path / "bundle.zip"
    manifest = export_bundle(demo_db, demo_actor(demo_db), request=PERIOD, out=out)
    head = run_check(demo_db).head
    with zipfile.ZipFile(out) as z:
        stored = json.loads(z.read(MANIFEST))
        names = set(z.namelist())
        for entry in stored["files"]:
            assert hashlib.sha256(z.read(entry["name"])).hexdigest() == entry["sha256"]
    assert stored == json.loads(json.dumps(manifest))
    dea = [k.name for k in REPORTS if k.dea]
    # Every count of the period (the demo's all fall in it) joins with its result, and an
    # inventory count with its inventory too.
    with demo_db.engine.connect() as conn:
        counts = conn.execute(
            sa.text("select id, kind from count where submitted_at is not null order by id")
        ).all()
    per_record = [f"count-result-{i}" for i, _ in counts]
    per_record += [f"inventory-count-{i}" for i, kind in counts if kind != "routine"]
    assert counts and "inventory-count-1" in per_record  # the demo's initial inventory
    assert len(stored["files"]) == 2 * (len(dea) + len(per_record))
    assert {f"{n}.{fmt}" for n in per_record for fmt in ("pdf", "xlsx")} <= names
    assert names == {f["name"] for f in stored["files"]} | {MANIFEST}
    assert {"loss-log.pdf", "loss-log.xlsx"} <= names
    assert not any(name.startswith("audit-trail") for name in names)
    assert stored["ledger"]["head_hash"] == head
    assert stored["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert stored["registration"]["dea_number"]
    assert stored["ledger"]["first_seq"] == 1
    assert verify_export(demo_db, demo_actor(demo_db), out).ok
    event = _events(demo_db, "export.bundle")[-1]
    assert event["username"] == "audrey" and event["head_hash"] == head


def test_changing_one_byte_of_one_file_fails_verification(demo_db, tmp_path) -> None:
    out = tmp_path / "bundle.zip"
    export_bundle(demo_db, demo_actor(demo_db), request=PERIOD, out=out)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "administration-log.xlsx":
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            dst.writestr(name, data)
    result = verify_export(demo_db, demo_actor(demo_db), tampered)
    assert not result.ok
    assert [p.rule for p in result.problems] == ["FileChanged"]
    assert "administration-log.xlsx" in result.problems[0].message


def test_a_single_export_is_audited_and_verifies_until_it_is_changed(demo_db, tmp_path) -> None:
    out = tmp_path / "waste.pdf"
    done = export_report(
        demo_db, demo_actor(demo_db, "nina"), report="waste-log", request=PERIOD, fmt="pdf", out=out
    )
    event = _events(demo_db, "export")[-1]
    assert event["username"] == "nina"
    assert event["sha256"] == done.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert event["report"] == "waste-log" and event["period"] == "2026-03-01 to 2026-03-31"
    assert verify_export(demo_db, demo_actor(demo_db), out).ok
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 1
    out.write_bytes(bytes(data))
    result = verify_export(demo_db, demo_actor(demo_db), out)
    assert "FileNotRecorded" in [p.rule for p in result.problems]


def test_an_export_from_another_ledger_is_not_anchored(demo_db, sqlite_clinic, tmp_path) -> None:
    out = tmp_path / "waste.xlsx"
    export_report(
        demo_db, demo_actor(demo_db), report="waste-log", request=PERIOD, fmt="xlsx", out=out
    )
    result = verify_export(sqlite_clinic.db, sqlite_clinic.actor("audrey"), out)
    assert {p.rule for p in result.problems} == {"FileNotRecorded", "AnchorNotFound"}
