"""The records a movement carries in its hashed `detail`: typed once, written by the services
and read by `check` and the reports, instead of JSON keys written in one file and `.get()` in
another.

Each record is stored as JSON with sorted keys inside the movement's `detail`, so it is covered
by the movement's hash: rewriting it breaks the chain.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Self

#: Each record's field names: `check` reads a detail per vial in the ledger.
_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(cls: type) -> frozenset[str]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))
    return names


@dataclass(frozen=True)
class _Detail:
    def to_detail(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_detail(cls, text: str | None) -> Self | None:
        """The record, or None when the detail is absent or not this record (an old entry,
        or a damaged one, which `check` names on its own)."""
        try:
            found: Any = json.loads(text or "")
        except ValueError:
            return None
        if not isinstance(found, dict):
            return None
        names = _field_names(cls)
        if not names <= found.keys():
            return None
        return cls(**{k: found[k] for k in names})


@dataclass(frozen=True)
class ReceiptFacts(_Detail):
    """What 21 CFR 1304.22(c) asks of a receipt, repeated in each vial's receive movement."""

    invoice_number: str
    supplier: str
    supplier_dea: str
    ndc: str
    lot: str
    expires: str


@dataclass(frozen=True)
class Form41(_Detail):
    """DEA Form 41 data for one container destroyed on site."""

    form: str
    ndc: str
    name: str
    strength: str
    dosage_form: str
    container_ml: str
    containers: int
    quantity_mg: str
    sealed: bool
    lot: str
    date: str
    method: str
    witnesses: list[str]


@dataclass(frozen=True)
class DistributorReturn(_Detail):
    """A transfer to a reverse distributor, who destroys the stock and holds its Form 41."""

    reverse_distributor: str
    address: str
    dea_number: str
    invoice_number: str


@dataclass(frozen=True)
class CountLink(_Detail):
    """The count line a sign-off adjustment answers: the count, the line the shelf was read
    on, and the result the registrant approved."""

    count: int
    count_line: int | None
    count_result: int


@dataclass(frozen=True)
class DiscrepancyLink(_Detail):
    """The discrepancy a confirmed theft or significant loss was written from."""

    discrepancy: int


@dataclass(frozen=True)
class TransferRecord(_Detail):
    """Stock moved between two registrations of the clinic, recorded at both."""

    # `from` is a Python keyword: the stored key is "from", the attribute `source`.
    source: str
    to: str
    reference: str | None

    def to_detail(self) -> str:
        return json.dumps(
            {"from": self.source, "to": self.to, "reference": self.reference}, sort_keys=True
        )

    @classmethod
    def from_detail(cls, text: str | None) -> TransferRecord | None:
        try:
            found: Any = json.loads(text or "")
        except ValueError:
            return None
        if not isinstance(found, dict) or not {"from", "to"} <= set(found):
            return None
        return cls(source=found["from"], to=found["to"], reference=found.get("reference"))
