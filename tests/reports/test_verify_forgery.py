"""`verify-export` matches an export's SHA-256 exactly: a file name cannot vouch for a forgery.

An exporter chooses the output name, and the audit detail records it; naming an export
after the SHA-256 of a forged file used to make that forgery verify (issue 9, item 6).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from reports.bundle import MANIFEST, export_bundle
from reports.export import export_report, sha256_file
from reports.verify import verify_export
from tests.reports.conftest import demo_actor
from tests.reports.test_bundle import PERIOD


def _export(db, out: Path) -> None:  # type: ignore[no-untyped-def]
    export_report(
        db, demo_actor(db), report="waste-log", request=PERIOD, fmt=out.suffix[1:], out=out
    )


def test_a_forged_file_does_not_verify_by_an_export_named_after_its_hash(demo_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "waste.pdf"
    _export(demo_db, real)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(real.read_bytes().replace(b"Waste", b"Wa5te", 1) + b"\n% forged\n")
    digest = sha256_file(forged)

    _export(demo_db, tmp_path / f"{digest}.xlsx")  # the trick: the digest in the file name

    result = verify_export(demo_db, demo_actor(demo_db), forged)
    assert "FileNotRecorded" in [p.rule for p in result.problems]
    assert verify_export(demo_db, demo_actor(demo_db), real).ok


def test_a_forged_bundle_manifest_does_not_verify_by_a_file_name(demo_db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "bundle.zip"
    export_bundle(demo_db, demo_actor(demo_db), request=PERIOD, out=real)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(real) as src, zipfile.ZipFile(forged, "w") as dst:
        manifest = json.loads(src.read(MANIFEST))
        manifest["clinic"] = "Someone Else's Clinic"
        raw = json.dumps(manifest, indent=2).encode()
        dst.writestr(MANIFEST, raw)
        for name in src.namelist():
            if name != MANIFEST:
                dst.writestr(name, src.read(name))

    _export(demo_db, tmp_path / f"{hashlib.sha256(raw).hexdigest()}.pdf")

    result = verify_export(demo_db, demo_actor(demo_db), forged)
    assert "ManifestNotRecorded" in [p.rule for p in result.problems]
    assert verify_export(demo_db, demo_actor(demo_db), real).ok


def test_an_export_recorded_before_the_digest_column_matches_its_digest_field_only(
    sqlite_clinic,
) -> None:  # type: ignore[no-untyped-def]
    """Audit rows written before revision 0003 keep the digest in the detail JSON."""
    import sqlalchemy as sa

    from ledger import audit
    from reports.verify import _recorded

    digest, other = "ab" * 32, "cd" * 32
    audit.record(
        sqlite_clinic.db,
        action="export",
        outcome="ok",
        username="audrey",
        detail={"file": f"{digest}.pdf", "sha256": other},
    )
    with sqlite_clinic.db.engine.connect() as conn:
        assert not _recorded(conn, digest, "export")  # only named in the file name
        assert _recorded(conn, other, "export")
        assert not _recorded(conn, other, "export.bundle")
        assert conn.execute(sa.text("SELECT sha256 FROM audit_event")).scalars().all()[-1] is None
