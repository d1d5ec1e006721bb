"""One guard (a trigger, or a PostgreSQL trigger function) and how a revision installs and
removes a list of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Guard:
    """One trigger, or one PostgreSQL trigger function, a migrated database must hold."""

    #: The trigger's (or function's) name.
    name: str
    #: The table it guards; None for a PostgreSQL trigger function.
    table: str | None
    #: The statement that creates it, exactly as the revision runs it.
    create: str

    @property
    def drop(self) -> str:
        if self.table is None:
            # CASCADE: a trigger planted on vialbook's function must not keep it alive.
            return f"DROP FUNCTION IF EXISTS {self.name}() CASCADE"
        if "EXECUTE FUNCTION" in self.create:  # PostgreSQL names a trigger by its table
            return f"DROP TRIGGER IF EXISTS {self.name} ON {self.table}"
        return f"DROP TRIGGER IF EXISTS {self.name}"


def install(bind: sa.Connection, guards: Iterable[Guard]) -> None:
    for guard in guards:
        bind.exec_driver_sql(guard.create)


def uninstall(bind: sa.Connection, guards: Sequence[Guard]) -> None:
    """Remove guards in reverse order (a PostgreSQL function outlives its triggers)."""
    tables = set(sa.inspect(bind).get_table_names())
    for guard in reversed(guards):
        if guard.table is None or guard.table in tables:
            bind.exec_driver_sql(guard.drop)
