"""The guards a ledger's schema must carry (triggers, their functions, rules), read from a live
database and compared with what the migrations themselves create.

A restored backup is only as honest as its guards: a dump whose append-only triggers were
dropped, disabled or joined by a planted one (say, a trigger that deletes refusals from the
audit trail) would restore a ledger that no longer protects itself. So before a backup is
trusted, its guards are compared with those of a freshly migrated database at the same
revision; any difference is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ledger.database import Database

#: (kind, name) -> definition, whitespace-normalised.
Guards = dict[tuple[str, str], str]

_SQLITE = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"

# Triggers with their enabled state (a disabled trigger still exists), the functions they
# run, rewrite rules, row-level policies and event triggers: everything in the schema that
# can change what an INSERT, UPDATE or DELETE does.
_POSTGRESQL = """
SELECT 'trigger', c.relname || '.' || t.tgname,
       pg_get_triggerdef(t.oid) || ' ENABLED ' || t.tgenabled::text
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT t.tgisinternal AND n.nspname = current_schema()
UNION ALL
SELECT 'function', p.proname, pg_get_functiondef(p.oid)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = current_schema()
UNION ALL
SELECT 'rule', tablename || '.' || rulename, definition
  FROM pg_rules WHERE schemaname = current_schema()
UNION ALL
SELECT 'policy', tablename || '.' || policyname, coalesce(qual, '') || coalesce(with_check, '')
  FROM pg_policies WHERE schemaname = current_schema()
UNION ALL
SELECT 'event trigger', evtname, evtevent || ' ' || evtenabled::text FROM pg_event_trigger
"""


def read_guards(conn: sa.Connection) -> Guards:
    sql = _SQLITE if conn.dialect.name == "sqlite" else _POSTGRESQL
    return {
        (str(kind), str(name)): re.sub(r"\s+", " ", str(definition or "")).strip()
        for kind, name, definition in conn.exec_driver_sql(sql)
    }


@dataclass(frozen=True)
class GuardDifference:
    """How a database's guards differ from the migrations' own."""

    missing: list[str]
    planted: list[str]
    altered: list[str]

    @property
    def none(self) -> bool:
        return not (self.missing or self.planted or self.altered)

    def text(self) -> str:
        parts = []
        for label, names in (
            ("missing", self.missing),
            ("not made by vialbook", self.planted),
            ("altered", self.altered),
        ):
            if names:
                parts.append(f"{label}: {', '.join(names[:6])}" + (" …" if len(names) > 6 else ""))
        return "; ".join(parts)


def compare(actual: Guards, expected: Guards) -> GuardDifference:
    def named(keys: set[tuple[str, str]]) -> list[str]:
        return [f"{kind} {name}" for kind, name in sorted(keys)]

    return GuardDifference(
        missing=named(set(expected) - set(actual)),
        planted=named(set(actual) - set(expected)),
        altered=named({k for k in set(actual) & set(expected) if actual[k] != expected[k]}),
    )


def reference_guards(scratch: Database, revision: str) -> Guards:
    """Migrate the empty `scratch` database to `revision` and read the guards it gets."""
    from ledger import schema  # Alembic loads only when a backup is verified

    schema.upgrade(scratch, revision)
    with scratch.engine.connect() as conn:
        return read_guards(conn)
