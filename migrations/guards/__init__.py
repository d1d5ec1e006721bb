"""Database-level guards that make the ledger append-only, on SQLite and PostgreSQL.

The service layer never updates or deletes history; these triggers make sure
nothing else does either (a hand-written SQL session, a buggy script).

Each revision installs its own guards, named in the revision itself, and the
functions a revision calls are never changed afterwards: an old revision must
create exactly what it created when it was written. A new guard goes in a new
function for a new revision. `required` lists every guard a database at the
newest revision holds; `drop` removes them all (the tests use it to play the
attacker). Whether a database's guards are vialbook's own is decided elsewhere,
by comparing it with a freshly migrated database (ledger/schema_guards.py).

The parts: `guard` (one guard, installing and removing a list), `sqlite_triggers`
and `postgresql_functions` (each database's frozen statements), `per_revision`
(what a revision calls, by dialect). Revisions import the names below from here.
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa

from migrations.guards.guard import Guard, install, uninstall
from migrations.guards.per_revision import (
    GENESIS_HASH,
    append_only_guards,
    create,
    ledger_guards,
    record_guards,
    replace_guards,
)

__all__ = [
    "APPEND_ONLY",
    "GENESIS_HASH",
    "REVISIONS_WITH_GUARDS",
    "Guard",
    "append_only_guards",
    "create",
    "drop",
    "install",
    "ledger_guards",
    "record_guards",
    "replace_guards",
    "required",
    "uninstall",
]


# -- every revision together -------------------------------------------------------------------

#: The revisions that install guards, oldest first. Each has `guards_of(dialect)`: the
#: guards it installs, from the tables it names itself.
REVISIONS_WITH_GUARDS = (
    "0002_ledger",
    "0003_guards",
    "0005_settings_history",
    "0006_counts",
    "0007_billing",
    "0008_reviews",
    "0009_protocols_idle_lock",
)


def required(dialect: str) -> list[Guard]:
    """Every guard a database at the newest revision holds, in the order they were made."""
    out: list[Guard] = []
    for name in REVISIONS_WITH_GUARDS:
        out.extend(importlib.import_module(f"migrations.versions.{name}").guards_of(dialect))
    return out


#: Every table whose rows are history: no UPDATE, no DELETE, no TRUNCATE (tests and docs).
APPEND_ONLY = (
    "movement",
    "infusion",
    "receipt",
    "audit_event",
    "patient_correction",
    "settings_version",
    "count_line",
    "count_result",
    "count_approval",
    "discrepancy_note",
    "price_item",
    "package",
    "invoice_void",
    "credit_note",
    "payment",
    "payment_refund",
    "package_refund",
    "patient_credit",
    "package_credit",
    "credit_movement",
    "pending_charge",
    "money_entry",
    "patient_diagnosis",
    "good_faith_estimate",
    "estimate_line",
    "late_review",
)


def drop(bind: sa.Connection) -> None:
    """Remove every guard (what an attacker who owns the database can do)."""
    uninstall(bind, required(bind.dialect.name))
