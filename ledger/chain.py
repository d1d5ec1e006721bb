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


def _encode(value: Any) -> bytes:
    if value is None:
        return b"-"
    if isinstance(value, bool):
        return b"1" if value else b"0"
    if isinstance(value, int):
        return str(value).encode("ascii")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime cannot be hashed")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode("ascii")
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return str(len(raw)).encode("ascii") + b":" + raw
    raise TypeError(f"cannot encode {type(value).__name__} in a movement")


def canonical_bytes(movement: Mapping[str, Any]) -> bytes:
    parts = [VERSION_LINE]
    for name in FIELDS:
        parts.append(name.encode("ascii") + b"=" + _encode(movement[name]) + b"\n")
    return b"".join(parts)


def movement_hash(prev_hash: str, movement: Mapping[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_bytes(movement)).hexdigest()
