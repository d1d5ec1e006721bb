"""`export audit-trail`: who logged in, failed, was locked or refused, what was exported (with
its SHA-256), settings changes and backups, for the period; only for the roles that may read it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from ledger import clock
from ledger.auth import login
from ledger.backup import backup
from ledger.errors import AccountLocked, PermissionDenied, WrongPassword
from ledger.services import disposal
from ledger.services.settings import update_settings
from reports import audit_trail
from reports.export import export_report
from reports.scope import Request
from tests.support import Clinic, audit_rows, dump, pw

WIDE = Request(date(2000, 1, 1), date(2100, 1, 1))


def _busy_trail(clinic: Clinic, tmp_path: Path) -> str:
    """One of each event; returns the sha256 of the export made."""
    with pytest.raises(WrongPassword):
        login(clinic.db, "omar", "not-his-password")
    for _ in range(4):
        with pytest.raises(WrongPassword):
            login(clinic.db, "omar", "still-not-it")
    with pytest.raises(AccountLocked):
        login(clinic.db, "omar", pw("omar"))
    with pytest.raises(PermissionDenied):
        disposal.record_loss(
            clinic.db, clinic.actor("bella"), vial="K-000001", amount_ug=1, reason="x"
        )
    update_settings(clinic.db, clinic.actor("admin"), bud_days=21)
    backup(clinic.db, clinic.actor("drkim"), tmp_path / "copy.db")
    done = export_report(
        clinic.db, clinic.actor("nina"), report="waste-log", request=WIDE, fmt="pdf",
        out=tmp_path / "waste.pdf",
    )  # fmt: skip
    return done.sha256


def test_the_audit_trail_lists_every_kind_of_event_with_export_hashes(
    clinic: Clinic, tmp_path: Path
) -> None:
    sha = _busy_trail(clinic, tmp_path)
    report = audit_trail.build(clinic.db, clinic.actor("audrey"), WIDE)
    rows = list(report.parts[0].iter_rows())
    seen = {(row[1], row[2], row[3], row[4]) for row in rows}
    assert ("omar", "login", "failed", "WrongPassword") in seen
    assert ("omar", "login", "locked", "AccountLocked") in seen
    assert ("bella", "loss", "refused", "PermissionDenied") in seen
    assert ("admin", "settings.edit", "ok", "") in seen
    assert ("drkim", "backup", "ok", "") in seen
    assert any(row[1] == "nina" and row[2] == "login" and row[3] == "ok" for row in rows)
    export = next(row for row in rows if row[2] == "export" and row[1] == "nina")
    assert export[5] == sha and "report waste-log" in str(export[6])
    assert len(rows) == len(audit_rows(clinic.db))  # every event, none left out


def test_the_audit_trail_exports_to_xlsx_for_the_period_only(clinic: Clinic, tmp_path) -> None:
    sha = _busy_trail(clinic, tmp_path)
    today = clock.clinic_today("America/Denver")
    out = tmp_path / "trail.xlsx"
    export_report(
        clinic.db, clinic.actor("drkim"), report="audit-trail",
        request=Request(today - timedelta(days=3), today + timedelta(days=3)), fmt="xlsx", out=out,
    )  # fmt: skip
    ws = openpyxl.load_workbook(out)["Audit events"]
    head = [c.value for c in ws[1]]
    assert head[:6] == ["When", "User", "Action", "Outcome", "Rule", "File sha256"]
    assert sha in [r[5] for r in ws.iter_rows(min_row=2, values_only=True)]
    old = audit_trail.build(
        clinic.db, clinic.actor("audrey"), Request(date(2001, 1, 1), date(2001, 12, 31))
    )
    assert list(old.parts[0].iter_rows()) == []


@pytest.mark.parametrize("who", ["nina", "maria", "bella"])
def test_staff_who_may_not_read_the_audit_trail_cannot_export_it(
    clinic: Clinic, tmp_path, who: str
) -> None:
    before = dump(clinic.db)
    out = tmp_path / "trail.pdf"
    with pytest.raises(PermissionDenied):
        export_report(
            clinic.db, clinic.actor(who), report="audit-trail", request=WIDE, fmt="pdf", out=out
        )
    assert not out.exists()
    assert dump(clinic.db) == before
    assert audit_rows(clinic.db)[-1] == (who, "export", "refused", "PermissionDenied")
