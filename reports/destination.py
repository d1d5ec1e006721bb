"""Where an export may be written: never over the ledger, a backup or a file nobody agreed to lose.

A nurse or an auditor types `--out`; a slip of the finger must not replace the clinic's ledger
with a PDF. So a destination is judged before anything is built, and again at the moment the
finished file is moved into place (`place`), where an existing file is only replaced when the
person said `--force`, and a database or a backup is never replaced at all.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from ledger.database import Database
from ledger.errors import (
    ExportFormatMismatch,
    ExportPathInvalid,
    ExportWouldOverwrite,
    ExportWouldReplaceLedger,
)

#: First bytes of files that hold a ledger: a SQLite database and a pg_dump backup.
PRECIOUS_MAGIC = (b"SQLite format 3\x00", b"PGDMP")
#: Files SQLite keeps beside a database; replacing one corrupts the database.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def ledger_files(db: Database) -> set[Path]:
    """The configured ledger's own files on this computer (none for a database server)."""
    if not db.is_sqlite:
        return set()
    name = make_url(db.url).database
    if not name or name == ":memory:":
        return set()
    main = Path(name).resolve()
    return {main} | {main.with_name(main.name + suffix) for suffix in SQLITE_COMPANIONS}


def _holds_a_ledger(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError:
        return False
    return any(head.startswith(magic) for magic in PRECIOUS_MAGIC)


def _shown(path: Path) -> str:
    # A 100 kB path typed by mistake is not echoed back whole.
    text = str(path)
    return text if len(text) <= 200 else text[:100] + "…" + text[-60:]


def check_destination(
    path: Path, fmt: str, *, db: Database, force: bool = False, suffix: str | None = None
) -> Path:
    """The absolute path to write, or a refusal naming the rule; nothing is created here.

    `suffix` is the extension the format needs (".pdf", ".xlsx", ".zip"); a file named for
    another format is refused, because an auditor opens files by their extension.
    """
    wanted = suffix or f".{fmt}"
    path = Path(path).expanduser()
    try:
        target = path.resolve()
    except (OSError, RuntimeError) as exc:
        raise ExportPathInvalid(f"cannot use {_shown(path)}: {exc}") from None
    if target in ledger_files(db) or _holds_a_ledger(target):
        raise ExportWouldReplaceLedger(
            f"{_shown(path)} is a ledger database or a backup; an export never replaces one, "
            "even with --force"
        )
    if path.suffix and path.suffix.lower() != wanted:
        raise ExportFormatMismatch(
            f"{_shown(path)} is named as a {path.suffix} file but the export is {fmt}; "
            f"name it {path.stem}{wanted} or choose the matching format",
            subject=path.suffix,
        )
    if target.is_dir():
        raise ExportPathInvalid(f"{_shown(path)} is a folder; give a file name inside it")
    if not target.parent.is_dir():
        raise ExportPathInvalid(
            f"the folder {_shown(target.parent)} does not exist; create it first or choose "
            "another place"
        )
    if target.exists() and not force:
        raise ExportWouldOverwrite(
            f"{_shown(path)} already exists; choose another name, or add --force to replace it"
        )
    return target


def place(finished: Path, target: Path, *, db: Database, force: bool) -> None:
    """Move a finished export into place without ever replacing what must not be replaced.

    Without --force the file is linked in, which fails if something appeared at the target
    since it was checked; with --force the target is judged once more just before it goes.
    """
    if not force:
        try:
            os.link(finished, target)
        except FileExistsError:
            raise ExportWouldOverwrite(
                f"{_shown(target)} appeared while the export was written; nothing was replaced"
            ) from None
        except OSError:
            # A file system without hard links: judge once more, then move.
            if target.exists():
                raise ExportWouldOverwrite(f"{_shown(target)} already exists") from None
            os.replace(finished, target)
            return
        finished.unlink()
        return
    if target in ledger_files(db) or _holds_a_ledger(target) or target.is_dir():
        raise ExportWouldReplaceLedger(
            f"{_shown(target)} is a ledger database or a backup; an export never replaces one"
        )
    os.replace(finished, target)
