"""Creating and upgrading the schema, only ever through the Alembic revisions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ledger.database import Database


def _migrations_dir() -> Path:
    import migrations

    return Path(next(iter(migrations.__path__)))


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def head_revision(db: Database) -> str:
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _run(db: Database, fn: Callable[[Config, str], object], target: str) -> None:
    cfg = alembic_config(db)
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        fn(cfg, target)
        conn.commit()


def upgrade(db: Database, target: str = "head") -> None:
    _run(db, command.upgrade, target)


def downgrade(db: Database, target: str = "base") -> None:
    _run(db, command.downgrade, target)
