"""The fast canonical encoding equals a plain, field-by-field reading of the documented rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.chain import FIELDS, VERSION_LINE, canonical_bytes


def reference_encoding(movement: dict[str, Any]) -> bytes:
    """The rules of ledger/chain.py's docstring, written the slow and obvious way."""

    def encode(value: Any) -> bytes:
        if value is None:
            return b"-"
        if isinstance(value, bool):
            return b"1" if value else b"0"
        if isinstance(value, int):
            return str(value).encode("ascii")
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode("ascii")
        raw = value.encode("utf-8")
        return str(len(raw)).encode("ascii") + b":" + raw

    return VERSION_LINE + b"".join(
        name.encode("ascii") + b"=" + encode(movement[name]) + b"\n" for name in FIELDS
    )


ints = st.integers(min_value=-(10**12), max_value=10**12)
maybe_ints = st.none() | st.integers(min_value=1, max_value=10**9)
texts = st.none() | st.text(max_size=40)
times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    id=st.integers(min_value=1, max_value=10**9),
    event_at=times,
    entered_at=times,
    kind=st.text(min_size=1, max_size=16),
    registration_id=ints,
    vial_id=ints,
    amount_ug=ints,
    actor_id=ints,
    witness_id=maybe_ints,
    witness2_id=maybe_ints,
    patient_id=maybe_ints,
    infusion_id=maybe_ints,
    original_id=maybe_ints,
    late=st.booleans(),
    reason=texts,
    method=texts,
    detail=texts,
)
def test_the_fast_encoding_equals_the_documented_rules(**movement: Any) -> None:
    assert canonical_bytes(movement) == reference_encoding(movement)


def _reference_money(entry: dict[str, Any]) -> bytes:
    """The money chain's rule, the slow and obvious way: the movement rules, another list."""
    from ledger.chain import MONEY_FIELDS, MONEY_VERSION_LINE

    def encode(value: Any) -> bytes:
        if value is None:
            return b"-"
        if isinstance(value, int):
            return str(value).encode("ascii")
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode("ascii")
        raw = value.encode("utf-8")
        return str(len(raw)).encode("ascii") + b":" + raw

    return MONEY_VERSION_LINE + b"".join(
        name.encode("ascii") + b"=" + encode(entry[name]) + b"\n" for name in MONEY_FIELDS
    )


@settings(max_examples=200, deadline=None)
@given(
    id=st.integers(min_value=1, max_value=10**9),
    at=times,
    entered_at=times,
    kind=st.sampled_from(["invoice", "payment", "refund", "credit_note", "credit_used"]),
    document=texts,
    patient_id=maybe_ints,
    amount_cents=ints,
    actor_id=st.integers(min_value=1, max_value=10**6),
    original_id=maybe_ints,
    reason=texts,
    detail=texts,
    source_table=st.sampled_from(["invoice", "payment", "credit_movement"]),
    source_id=st.integers(min_value=1, max_value=10**9),
)
def test_the_money_chain_follows_its_written_rule(**entry: Any) -> None:
    from ledger.chain import money_canonical_bytes

    assert money_canonical_bytes(entry) == _reference_money(entry)


def test_money_is_never_a_float() -> None:
    import pytest

    from ledger.chain import MONEY_FIELDS, money_canonical_bytes

    entry: dict[str, Any] = dict.fromkeys(MONEY_FIELDS)
    entry["amount_cents"] = 12.5
    with pytest.raises(TypeError, match="integer cents"):
        money_canonical_bytes(entry)
