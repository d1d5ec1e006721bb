"""The hash chain: a canonical byte encoding of a movement, and how its hash is derived.

An auditor can re-implement this without vialbook:

    hash = SHA-256( bytes.fromhex(prev_hash) || canonical_bytes(movement) )

`prev_hash` of the first movement is 64 zeros. `canonical_bytes` is the ASCII
line ``vialbook-movement-v1`` followed by one line per field, in the order of
FIELDS, each ``name=value`` and a newline (0x0A), where value is:

- ``-`` for a missing value (NULL);
- ``1`` or ``0`` for a true/false flag;
- the decimal digits of an integer, with a leading ``-`` when negative;
- a time as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fraction digits);
- text as its UTF-8 byte length in decimal, a colon, then the UTF-8 bytes, so
  that no text (even one holding newlines or ``=``) can imitate another field.

No JSON is involved: the encoding must not depend on any library's key order or
number formatting.

Money has a chain of its own (decided for the billing issue). Issued invoices, credit notes,
payments, refunds and package-credit movements are entries of a second chain, separate from
the drug movements, so that neither chain's numbering, locking or verification depends on the
other and a clinic's drug ledger (the DEA's concern) verifies without its money. Its rule is
this one with another version line and field list: ``vialbook-money-v1``, then MONEY_FIELDS,
each value written by the same rules (amounts are integer cents), the first entry's
`prev_hash` again 64 zeros. The movement chain's encoding (v1) is unchanged, so every existing
ledger keeps verifying; a future change to either encoding gets a new version line, never an
edit of this one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
VERSION_LINE = b"vialbook-movement-v1\n"

FIELDS: tuple[str, ...] = (
    "id",
    "event_at",
    "entered_at",
    "kind",
    "registration_id",
    "vial_id",
    "amount_ug",
    "actor_id",
    "witness_id",
    "witness2_id",
    "patient_id",
    "infusion_id",
    "original_id",
    "late",
    "reason",
    "method",
    "detail",
)


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


def _t(value: str | None) -> str:
    if value is None:
        return "-"
    # The length is of the UTF-8 bytes; for ASCII text that is the character count.
    size = len(value) if value.isascii() else len(value.encode("utf-8"))
    return f"{size}:{value}"


def time_text(value: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC."""
    if value.tzinfo is None:
        raise ValueError("naive datetime cannot be hashed")
    if value.utcoffset():
        value = value.astimezone(UTC)
    # isoformat is C-fast; its "+00:00" becomes the "Z" of the encoding.
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def canonical_text(
    id: int,
    event_at: str,
    entered_at: str,
    kind: str | None,
    registration_id: int,
    vial_id: int,
    amount_ug: int,
    actor_id: int,
    witness_id: int | None,
    witness2_id: int | None,
    patient_id: int | None,
    infusion_id: int | None,
    original_id: int | None,
    late: object,
    reason: str | None,
    method: str | None,
    detail: str | None,
) -> str:
    """The one statement of the layout; times arrive already as their UTC text.

    Written out field by field: `check` runs this for every movement in the
    ledger, so it avoids per-value type dispatch.
    """
    return (
        f"vialbook-movement-v1\n"
        f"id={id}\n"
        f"event_at={event_at}\n"
        f"entered_at={entered_at}\n"
        f"kind={_t(kind)}\n"
        f"registration_id={registration_id}\n"
        f"vial_id={vial_id}\n"
        f"amount_ug={amount_ug}\n"
        f"actor_id={actor_id}\n"
        f"witness_id={_n(witness_id)}\n"
        f"witness2_id={_n(witness2_id)}\n"
        f"patient_id={_n(patient_id)}\n"
        f"infusion_id={_n(infusion_id)}\n"
        f"original_id={_n(original_id)}\n"
        f"late={'1' if late else '0'}\n"
        f"reason={_t(reason)}\n"
        f"method={_t(method)}\n"
        f"detail={_t(detail)}\n"
    )


def canonical_bytes(m: Mapping[str, Any]) -> bytes:
    return canonical_text(
        m["id"],
        time_text(m["event_at"]),
        time_text(m["entered_at"]),
        m["kind"],
        m["registration_id"],
        m["vial_id"],
        m["amount_ug"],
        m["actor_id"],
        m["witness_id"],
        m["witness2_id"],
        m["patient_id"],
        m["infusion_id"],
        m["original_id"],
        m["late"],
        m["reason"],
        m["method"],
        m["detail"],
    ).encode("utf-8")


def movement_hash(prev_hash: str, movement: Mapping[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_bytes(movement)).hexdigest()


# -- the money chain ---------------------------------------------------------------------------
MONEY_VERSION_LINE = b"vialbook-money-v1\n"

MONEY_FIELDS: tuple[str, ...] = (
    "id",
    "at",
    "entered_at",
    "kind",
    "document",
    "patient_id",
    "amount_cents",
    "actor_id",
    "original_id",
    "reason",
    "detail",
    # The billing row the entry seals (table name, id): `check` compares the two.
    "source_table",
    "source_id",
)


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return time_text(value)
    if isinstance(value, str):
        return _t(value)
    raise TypeError(f"{type(value).__name__} has no canonical form; money is integer cents")


def money_canonical_bytes(entry: Mapping[str, Any]) -> bytes:
    """One money entry, by the rules above: its version line, then each field in order."""
    lines = "".join(f"{name}={_value(entry[name])}\n" for name in MONEY_FIELDS)
    return MONEY_VERSION_LINE + lines.encode("utf-8")


def money_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + money_canonical_bytes(entry)).hexdigest()
