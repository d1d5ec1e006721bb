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
from ledger.database import Database
from ledger.errors import InvalidText
from ledger.services.audited import audited
from reports.catalogue import find
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


def render(report: Report, fmt: str, path: Path, progress: Progress | None = None) -> None:
    """Render to a temporary file beside `path`, then move it into place, so that a
    half-written export (a crash, a full disk) never sits under the final name."""
    if fmt not in FORMATS:
        raise InvalidText(f"format {fmt!r} is not one of: {', '.join(FORMATS)}", subject=fmt)
    if fmt == "pdf":
        from reports.pdf import render as draw
    else:
        from reports.xlsx import render as draw
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        draw(report, Path(tmp), progress)
        os.chmod(tmp, 0o600)  # it holds patient names and addresses
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@audited("export")
def export_report(
    db: Database,
    actor: Actor,
    *,
    report: str,
    request: Request,
    fmt: str,
    out: Path,
    progress: Progress | None = None,
) -> Exported:
    kind = find(report)
    if fmt not in FORMATS:
        raise InvalidText(f"format {fmt!r} is not one of: {', '.join(FORMATS)}", subject=fmt)
    built = kind.build(db, actor, request)
    render(built, fmt, out, progress)
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
