"""`verify-export`: tie an exported file or bundle back to this database's ledger.

A bundle passes when every file matches the SHA-256 in its MANIFEST.json, no file
is missing or added, the manifest itself is the one recorded in the audit trail
when it was exported, and the manifest's head hash is still in the chain at its
sequence number. A single PDF or XLSX passes when its SHA-256 was recorded by an
export and the head hash embedded in its metadata is still in the chain.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ledger.access import Actor, authorize
from ledger.chain import GENESIS_HASH
from ledger.database import Database
from ledger.errors import UnknownRecord
from ledger.models import AuditEvent, Movement
from ledger.models.base import table_of
from ledger.models.billing_money import MoneyEntry
from reports.bundle import MANIFEST
from reports.export import sha256_file

_HEAD = re.compile(rb"vialbook-head:(\d+):([0-9a-f]{64})")


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass
class Verification:
    path: str
    kind: str
    files_checked: int = 0
    head_seq: int | None = None
    head_hash: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "path": self.path,
            "kind": self.kind,
            "files_checked": self.files_checked,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "problems": [{"rule": p.rule, "message": p.message} for p in self.problems],
        }


def _head_in_chain(conn: sa.Connection, seq: int, digest: str, out: Verification) -> None:
    out.head_seq, out.head_hash = seq, digest
    if seq == 0 and digest == GENESIS_HASH:
        return
    m = table_of(Movement)
    found = conn.execute(sa.select(m.c.id).where(m.c.hash == digest)).scalar()
    if found is None:
        # A billing document is tied to the money chain's head instead.
        money = table_of(MoneyEntry)
        found = conn.execute(sa.select(money.c.id).where(money.c.hash == digest)).scalar()
    if found is None:
        out.problems.append(
            Problem(
                "AnchorNotFound",
                f"head hash {digest} is not in this ledger's chain; the ledger was rewritten "
                "after the export, or the export comes from another ledger",
            )
        )
    elif found != seq:
        out.problems.append(
            Problem("AnchorMismatch", f"head hash is movement {found}, the export says {seq}")
        )


#: The detail key that held the digest before it had its own column (revision 0003).
_LEGACY_KEY = {"export": "sha256", "export.bundle": "manifest_sha256"}


def _recorded(conn: sa.Connection, digest: str, action: str) -> bool:
    """Was a file with exactly this SHA-256 written by an export of this ledger?

    The digest is compared whole, never searched for in the detail text: that text
    holds the output name the exporter chose, which can be any digest at all.
    """
    a = table_of(AuditEvent)
    ok = sa.and_(a.c.action == action, a.c.outcome == "ok")
    if conn.execute(sa.select(a.c.id).where(ok, a.c.sha256 == digest).limit(1)).first():
        return True
    # Exports recorded before the column existed: the digest is one JSON field of the detail.
    legacy = sa.select(a.c.detail).where(ok, a.c.sha256.is_(None))
    for (detail,) in conn.execute(legacy):
        try:
            recorded = json.loads(detail).get(_LEGACY_KEY[action])
        except (ValueError, AttributeError):
            continue
        if recorded == digest:
            return True
    return False


def _bundle(conn: sa.Connection, z: zipfile.ZipFile, out: Verification) -> None:
    raw = z.read(MANIFEST)
    try:
        manifest = json.loads(raw)
        files = manifest["files"]
        seq, digest = int(manifest["ledger"]["head_seq"]), str(manifest["ledger"]["head_hash"])
    except (ValueError, KeyError, TypeError):
        out.problems.append(
            Problem("ManifestUnreadable", "MANIFEST.json is not a vialbook manifest")
        )
        return
    if not _recorded(conn, hashlib.sha256(raw).hexdigest(), "export.bundle"):
        out.problems.append(
            Problem(
                "ManifestNotRecorded",
                "this MANIFEST.json is not the one recorded in the audit trail at export",
            )
        )
    listed = {str(f["name"]): str(f["sha256"]) for f in files}
    present = set(z.namelist()) - {MANIFEST}
    for name in sorted(present - set(listed)):
        out.problems.append(
            Problem("UnlistedFile", f"{name} is in the bundle but not the manifest")
        )
    for name, expected in sorted(listed.items()):
        if name not in present:
            out.problems.append(Problem("MissingFile", f"{name} is listed but missing"))
            continue
        digest_of = hashlib.sha256()
        with z.open(name) as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                digest_of.update(block)
        out.files_checked += 1
        if digest_of.hexdigest() != expected:
            out.problems.append(
                Problem("FileChanged", f"{name} does not match its SHA-256 in the manifest")
            )
    _head_in_chain(conn, seq, digest, out)


def _embedded_head(path: Path, is_zip: bool) -> tuple[int, str] | None:
    if is_zip:
        with zipfile.ZipFile(path) as z:
            data = z.read("docProps/core.xml") if "docProps/core.xml" in z.namelist() else b""
    else:
        data = path.read_bytes()
    found = _HEAD.search(data)
    return (int(found[1]), found[2].decode("ascii")) if found else None


def _single(conn: sa.Connection, path: Path, is_zip: bool, out: Verification) -> None:
    out.files_checked = 1
    if not _recorded(conn, sha256_file(path), "export"):
        out.problems.append(
            Problem(
                "FileNotRecorded",
                "no export of this ledger wrote this exact file; it was changed after export "
                "or comes from elsewhere",
            )
        )
    head = _embedded_head(path, is_zip)
    if head is None:
        out.problems.append(Problem("NoLedgerHead", "the file carries no vialbook ledger head"))
        return
    _head_in_chain(conn, head[0], head[1], out)


def verify_export(db: Database, actor: Actor, path: Path) -> Verification:
    if not path.is_file():
        raise UnknownRecord(f"no file {str(path)!r}", subject=str(path))
    is_zip = zipfile.is_zipfile(path)
    with db.read() as session:
        authorize(session, actor, "ledger.check")
        conn = session.connection()
        if is_zip:
            with zipfile.ZipFile(path) as z:
                if MANIFEST in z.namelist():
                    out = Verification(str(path), "bundle")
                    _bundle(conn, z, out)
                    return out
        out = Verification(str(path), "xlsx" if is_zip else "pdf")
        _single(conn, path, is_zip, out)
        return out
