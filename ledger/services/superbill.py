"""Superbills and the billing cross-check, read under the billing roles."""

from __future__ import annotations

from datetime import date

from ledger.access import Actor
from ledger.database import Database
from ledger.errors import InvalidDate
from ledger.queries.billing_crosscheck import Finding, crosscheck
from ledger.queries.billing_superbill import Superbill, superbill
from ledger.unit_of_work import look


def superbill_for(db: Database, actor: Actor, mrn: str, day: date) -> Superbill:
    """The superbill of `mrn`'s date of service `day`; refused for a day with no infusion."""
    with look(db, actor, "billing.read") as tx:
        return superbill(tx.session, mrn, day)


def billing_crosscheck(db: Database, actor: Actor, first: date, last: date) -> list[Finding]:
    """Every disagreement between the drug ledger and the bills for the clinic days
    `first`..`last`."""
    if last < first:
        raise InvalidDate(f"the period ends ({last}) before it starts ({first})")
    with look(db, actor, "billing.read") as tx:
        return crosscheck(tx.session, tx.settings.timezone, first, last)
