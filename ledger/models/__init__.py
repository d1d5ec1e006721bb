"""The ledger's tables. Importing this package registers every table on one metadata."""

from ledger.models.base import metadata
from ledger.models.clinic import (
    ClinicSettings,
    Patient,
    PatientCorrection,
    Product,
    Protocol,
    Registration,
    SettingsVersion,
    Supplier,
)
from ledger.models.counts import (
    Count,
    CountApproval,
    CountKind,
    CountLine,
    CountResult,
    Discrepancy,
    DiscrepancyNote,
    DiscrepancyStatus,
    Outcome,
)
from ledger.models.movements import ChainHead, Movement, MovementKind
from ledger.models.people import AuditEvent, Role, User
from ledger.models.stock import Infusion, Receipt, Vial, VialBalance, VialState

__all__ = [
    "AuditEvent",
    "ChainHead",
    "ClinicSettings",
    "Count",
    "CountApproval",
    "CountKind",
    "CountLine",
    "CountResult",
    "Discrepancy",
    "DiscrepancyNote",
    "DiscrepancyStatus",
    "Infusion",
    "Movement",
    "MovementKind",
    "Outcome",
    "Patient",
    "PatientCorrection",
    "Product",
    "Protocol",
    "Receipt",
    "Registration",
    "Role",
    "SettingsVersion",
    "Supplier",
    "User",
    "Vial",
    "VialBalance",
    "VialState",
    "metadata",
]
