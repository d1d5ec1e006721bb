"""The reports vialbook can export, by the name the command line uses."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.errors import UnknownRecord

if TYPE_CHECKING:
    from ledger.access import Actor
    from ledger.database import Database
    from reports.model import Report
    from reports.scope import Request

    Builder = Callable[[Database, Actor, Request], Report]


@dataclass(frozen=True)
class ReportKind:
    """A report by name. Its builder module loads on first use, so listing the reports
    (or starting the command line) costs nothing."""

    name: str
    description: str
    module: str
    #: DEA-style records: these go into the auditor bundle.
    dea: bool = True
    #: The options the report reads besides --to (and the output): "from", "registration",
    #: "vial", "schedule", "taken". The command line offers exactly these.
    options: frozenset[str] = frozenset({"from", "registration", "schedule"})
    #: A billing document: exported by billing staff and auditors, tied to the money chain,
    #: with its own options (tui/cli/billing_export_commands.py).
    billing: bool = False

    @property
    def build(self) -> Builder:
        return importlib.import_module(f"reports.{self.module}").build  # type: ignore[no-any-return]


LOG = frozenset({"from", "registration", "schedule"})
LOG_OF_VIALS = LOG | {"vial"}

REPORTS: tuple[ReportKind, ...] = (
    ReportKind(
        "receiving-log",
        "receipts: supplier, invoice, product, containers, lot and expiry, received by",
        "receiving_log",
    ),
    ReportKind(
        "administration-log",
        "every dose in time order: patient and address, schedule, vial, mg and mL, waste and "
        "witness (--schedule 3 for Schedule III alone)",
        "administration_log",
        options=LOG_OF_VIALS,
    ),
    ReportKind(
        "proof-of-use",
        "each vial's whole life, received to empty, with its running balance (--vial for one)",
        "proof_of_use",
        options=frozenset({"from", "registration", "vial"}),
    ),
    ReportKind(
        "waste-log",
        "waste and breakage: amount, reason, method, by and witness",
        "waste_log",
        options=LOG_OF_VIALS,
    ),
    ReportKind(
        "loss-log",
        "thefts and losses: discovered, quantity, reason, recorded by, registrant, Form 106",
        "loss_log",
    ),
    ReportKind(
        "destruction-log",
        "on-site destruction (Form 41 data, two witnesses), reverse-distributor returns, transfers",
        "destruction_log",
    ),
    ReportKind(
        "accountability-audit",
        "per product: opening + receipts - administered - wasted - destroyed - lost = expected",
        "accountability",
        options=frozenset({"from", "registration"}),
    ),
    ReportKind(
        "inventory",
        "signed inventory of stock on hand on the --to date (--taken opening|close)",
        "inventory",
        options=frozenset({"registration", "taken"}),
    ),
    ReportKind(
        "audit-trail",
        "who did or tried what, when: logins, locks, refusals, exports and their sha256, "
        "settings changes, backups",
        "audit_trail",
        # Not a DEA record, and only some roles may read it: never in the bundle.
        dea=False,
        options=frozenset({"from"}),
    ),
)


BILLING_REPORTS: tuple[ReportKind, ...] = tuple(
    ReportKind(name, description, module, dea=False, options=options, billing=True)
    for name, description, module, options in (
        ("invoice", "one invoice on the clinic's letterhead: lines, credit notes, payments, "
         "balance (--invoice ID or NUMBER)", "invoice", frozenset({"invoice"})),
        ("credit-note", "one credit note and the invoice it credits (--credit-note NUMBER)",
         "credit_note", frozenset({"credit-note"})),
        ("statement", "a patient's statement: opening balance, invoices, credit notes, "
         "payments, refunds, closing balance (--patient, --from, --to)", "statement",
         frozenset({"patient", "from"})),
        ("superbill", "a patient's superbill for one date of service, with NPIs, ICD-10 and "
         "CPT/HCPCS codes (--patient, --date)", "superbill", frozenset({"patient", "date"})),
        ("receipt", "an itemized HSA/FSA receipt for one payment (--payment) or a patient's "
         "period (--patient, --from, --to)", "receipt", frozenset({"payment", "patient", "from"})),
        ("gfe", "a good faith estimate as given, with its disclaimers (--estimate ID)", "gfe",
         frozenset({"estimate"})),
        ("ar-aging", "accounts receivable by patient: current, 31-60, 61-90, over 90 days "
         "(--to)", "ar_aging", frozenset()),
        ("package-liability", "unused, unexpired package credits at their allocated price, per "
         "patient (--to)", "package_liability", frozenset()),
        ("billing-crosscheck", "infusions not billed, billing with no administration, time and "
         "drug units against the chart (--from, --to)", "billing_crosscheck",
         frozenset({"from"})),
    )
)  # fmt: skip
#: Every report `export list` shows: the logs, then the billing documents.
ALL_REPORTS = REPORTS + BILLING_REPORTS


def find(name: str) -> ReportKind:
    for kind in ALL_REPORTS:
        if kind.name == name:
            return kind
    known = ", ".join(k.name for k in ALL_REPORTS)
    raise UnknownRecord(f"no report named {name!r}; the reports are: {known}", subject=name)
