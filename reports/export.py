"""Exporting one report to a file: build, render, hash, and record it in the audit trail."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledger import audit
from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import InvalidText
from reports.catalogue import find
from reports.destination import check_destination, place
from reports.model import Integrity, Report
from reports.scope import Request

FORMATS = ("pdf", "xlsx")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Exported:
    path: Path
    report: str
    format: str
    sha256: str
    bytes: int
    integrity: Integrity

    def as_json(self) -> dict[str, object]:
        i = self.integrity
        return {
            "path": str(self.path),
            "report": self.report,
            "format": self.format,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "head_seq": i.head_seq,
            "head_hash": i.head_hash,
            "first_seq": i.first_seq,
            "last_seq": i.last_seq,
        }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def draw(report: Report, fmt: str, path: Path, progress: Progress | None = None) -> None:
    """Render `report` into `path`, a new file nobody else is looking at yet."""
    if fmt not in FORMATS:
        raise InvalidText(f"format {fmt!r} is not one of: {', '.join(FORMATS)}", subject=fmt)
    if fmt == "pdf":
        from reports.pdf import render as renderer
    else:
        from reports.xlsx import render as renderer
    renderer(report, path, progress)


def write_export(
    report: Report,
    fmt: str,
    target: Path,
    *,
    db: Database,
    force: bool = False,
    progress: Progress | None = None,
) -> None:
    """Render to a temporary file beside `target`, then put it in place, so that a
    half-written export (a crash, a full disk) never sits under the final name and a
    file that must not be replaced never is (see reports/destination.py)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:60]}.", dir=target.parent)
    os.close(fd)
    try:
        draw(report, fmt, Path(tmp), progress)
        os.chmod(tmp, 0o600)  # it holds patient names and addresses
        place(Path(tmp), target, db=db, force=force)
    finally:
        Path(tmp).unlink(missing_ok=True)


@audited("export")
def export_report(
    db: Database,
    actor: Actor,
    *,
    report: str,
    request: Request,
    fmt: str,
    out: Path,
    force: bool = False,
    progress: Progress | None = None,
) -> Exported:
    """Build `report` and write it to `out`; an existing file needs `force`, and a ledger
    database or backup is never replaced."""
    kind = find(report)
    if fmt not in FORMATS:
        raise InvalidText(f"format {fmt!r} is not one of: {', '.join(FORMATS)}", subject=fmt)
    out = check_destination(out, fmt, db=db, force=force)
    built = kind.build(db, actor, request)
    write_export(built, fmt, out, db=db, force=force, progress=progress)
    result = Exported(
        path=out,
        report=kind.name,
        format=fmt,
        sha256=sha256_file(out),
        bytes=out.stat().st_size,
        integrity=built.integrity,
    )
    audit.record(
        db,
        action="export",
        outcome="ok",
        username=actor.username,
        detail={
            "report": kind.name,
            "format": fmt,
            "period": built.period.text(),
            "registration": built.registration,
            "filters": {f.label: f.value for f in built.filters},
            "file": out.name,
            "sha256": result.sha256,
            "head_seq": built.integrity.head_seq,
            "head_hash": built.integrity.head_hash,
        },
        sha256=result.sha256,
    )
    return result
