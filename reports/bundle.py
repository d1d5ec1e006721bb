"""The auditor bundle: every DEA-style report in PDF and XLSX, pinned to one ledger head,
zipped with a MANIFEST.json that lists each file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from ledger import audit
from ledger.access import Actor
from ledger.audited import audited
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.models import Count, Discrepancy
from ledger.queries.inventories import INVENTORY_KINDS
from ledger.queries.registrations import registration_for
from ledger.settings import clinic_settings
from reports.catalogue import REPORTS, find
from reports.destination import check_destination, place
from reports.export import FORMATS, Progress, draw, sha256_file
from reports.model import Report
from reports.scope import Request, pinned_head

MANIFEST = "MANIFEST.json"
BUNDLE_FORMAT = "vialbook-export-bundle/1"


def _manifest(reports: list[Any], files: list[dict[str, object]], request: Request) -> dict:  # type: ignore[type-arg]
    first = reports[0]
    seqs = [r.integrity for r in reports]
    firsts = [i.first_seq for i in seqs if i.first_seq is not None]
    lasts = [i.last_seq for i in seqs if i.last_seq is not None]
    header = {f.label: f.value for f in first.header}
    return {
        "format": BUNDLE_FORMAT,
        "clinic": header.get("Clinic", ""),
        "generated_at": first.integrity.generated_at.isoformat(),
        "generated_by": first.integrity.generated_by,
        "period": {"from": request.date_from.isoformat(), "to": request.date_to.isoformat()},
        "registration": {
            "dea_number": first.registration,
            "registrant": header.get("Registrant", ""),
            "address": header.get("Registered address", ""),
        },
        "ledger": {
            "head_seq": first.integrity.head_seq,
            "head_hash": first.integrity.head_hash,
            "first_seq": min(firsts) if firsts else None,
            "last_seq": max(lasts) if lasts else None,
        },
        "verify": f"vialbook verify-export BUNDLE; vialbook check --anchor "
        f"{first.integrity.head_hash}",
        "files": files,
    }


def _records(db: Database, request: Request) -> list[tuple[str, str, Request]]:
    """The reports of one record that fall in the period: each count submitted in it (its
    result, and its inventory when it is one) and each Form 106 draft discovered in it."""
    out: list[tuple[str, str, Request]] = []
    with db.read() as session:
        reg = registration_for(session, request.registration)
        tz = clinic_settings(session).timezone
        after = end_of_day(tz, request.date_from - timedelta(days=1))
        until = end_of_day(tz, request.date_to)
        for count in session.exec(
            select(Count)
            .where(
                Count.registration_id == reg.id,
                col(Count.submitted_at).is_not(None),
                col(Count.started_at) > after,
                col(Count.started_at) <= until,
            )
            .order_by(col(Count.id))
        ).all():
            one = replace(request, count=count.id)
            out.append((f"count-result-{count.id}", "count-result", one))
            if count.kind in {str(k) for k in INVENTORY_KINDS}:
                out.append((f"inventory-count-{count.id}", "inventory", one))
        for d in session.exec(
            select(Discrepancy)
            .where(
                Discrepancy.registration_id == reg.id,
                col(Discrepancy.loss_type).is_not(None),
                col(Discrepancy.discovered_on) >= request.date_from,
                col(Discrepancy.discovered_on) <= request.date_to,
            )
            .order_by(col(Discrepancy.id))
        ).all():
            one = replace(request, discrepancy=d.id)
            out.append((f"form-106-draft-{d.id}", "form-106-draft", one))
    return out


def bundled_reports(db: Database, actor: Actor, pinned: Request) -> list[tuple[str, Report]]:
    """Every report the bundle holds for `pinned` (a request pinned to one head, with no vial),
    each with its file stem: the DEA reports, then the records that fall in the period. The
    export and its progress bar's total (reports/row_count.py) both read this one list."""
    named = [(kind.name, kind.build(db, actor, pinned)) for kind in REPORTS if kind.dea]
    named += [(stem, find(kind).build(db, actor, one)) for stem, kind, one in _records(db, pinned)]
    return named


@audited("export")
def export_bundle(
    db: Database,
    actor: Actor,
    *,
    request: Request,
    out: Path,
    force: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the bundle to `out` (a .zip; an existing file needs `force`) and return its
    manifest."""
    out = check_destination(out, "zip", db=db, force=force)
    with db.read() as session:
        head_seq, _ = pinned_head(session, request.head_seq)
    pinned = replace(request, head_seq=head_seq, vial=None)
    named = bundled_reports(db, actor, pinned)
    reports = [report for _, report in named]
    files: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".bundle-") as work:
        for stem, report in named:
            for fmt in FORMATS:
                name = f"{stem}.{fmt}"
                path = Path(work) / name
                draw(report, fmt, path, progress)
                files.append(
                    {
                        "name": name,
                        "report": report.name,
                        "format": fmt,
                        "sha256": sha256_file(path),
                        "bytes": path.stat().st_size,
                    }
                )
        manifest = _manifest(reports, files, pinned)
        manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
        partial = Path(work) / "bundle.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr(MANIFEST, manifest_bytes)
            for entry in files:
                z.write(Path(work) / str(entry["name"]), arcname=str(entry["name"]))
        os.chmod(partial, 0o600)
        place(partial, out, db=db, force=force)
    audit.record(
        db,
        action="export.bundle",
        outcome="ok",
        username=actor.username,
        detail={
            "period": f"{pinned.date_from} to {pinned.date_to}",
            "registration": manifest["registration"]["dea_number"],
            "file": out.name,
            "sha256": sha256_file(out),
            "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
            "head_seq": manifest["ledger"]["head_seq"],
            "head_hash": manifest["ledger"]["head_hash"],
        },
        # verify-export ties a bundle to the audit trail by its manifest, which lists
        # every file's SHA-256: that digest is the one matched exactly.
        sha256=hashlib.sha256(manifest_bytes).hexdigest(),
    )
    return manifest
