"""The JSON shapes the billing commands print: one place, so every command says the same."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any


def line_json(line: Any) -> dict[str, Any]:
    return asdict(line)  # type: ignore[no-any-return]


def invoice_json(view: Any) -> dict[str, Any]:
    """`invoice show --json`: the invoice with its lines, totals, paid, balance and status."""
    return {
        "invoice": view.id,
        "number": view.number,
        "status": view.status,
        "patient": view.mrn,
        "patient_name": view.patient,
        "issued_on": view.issued_on.isoformat() if view.issued_on else None,
        "lines": [line_json(ln) for ln in view.lines],
        "total_cents": view.total_cents,
        "credited_cents": view.credited_cents,
        "paid_cents": view.paid_cents,
        "balance_cents": view.balance_cents,
        "void_reason": view.void_reason,
    }


def plain(value: Any) -> Any:
    """A dataclass (or list of them) as JSON-ready data, dates as ISO text."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    data = asdict(value)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
