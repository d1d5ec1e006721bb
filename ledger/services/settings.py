"""Changing the clinic's settings: admin only, validated, and every change audited."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.clock import valid_timezone
from ledger.database import Database
from ledger.errors import AccountDisabled, InvalidText, UnknownUser
from ledger.models import User
from ledger.npi import npi_is_valid
from ledger.settings import record_version
from ledger.text import clean_text
from ledger.unit_of_work import act, look
from ledger.units import parse_date

WITNESS_POLICIES = ("required", "recommended")

#: setting -> (lowest, highest) for the whole-number settings.
RANGES = {
    "bud_days": (1, 365),
    "count_interval_days": (1, 366),
    # 21 CFR 1304.11 asks for at least every two years; states may ask more often.
    "inventory_interval_months": (1, 24),
    # Two years is the federal floor; some states keep records 3-5 years.
    "retention_years": (2, 10),
    "late_entry_minutes": (1, 240),
}


def _validated(changes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key in ("name", "address"):
            out[key] = clean_text(value, key, 200 if key == "name" else 500, required=key == "name")
        elif key == "timezone":
            out[key] = valid_timezone(str(value))
        elif key == "npi":
            if not npi_is_valid(str(value)):
                raise InvalidText(f"NPI {value!r} is not 10 digits with a valid check digit")
            out[key] = str(value)
        elif key == "tax_id":
            if not re.fullmatch(r"[0-9]{2}-[0-9]{7}", str(value)):
                raise InvalidText(f"tax ID {value!r} must be written like 12-3456789")
            out[key] = str(value)
        elif key == "witness_policy":
            if value not in WITNESS_POLICIES:
                raise InvalidText(f"witness policy must be one of {', '.join(WITNESS_POLICIES)}")
            out[key] = value
        elif key == "exact_open_counts":
            out[key] = bool(value)
        elif key in ("count_accept_ul", "count_signoff_ul"):
            # Variance tiers in whole µL (0.1 mL = 100): no floats near a drug amount.
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
                raise InvalidText(f"{key.replace('_', ' ')} must be 0 to 100 mL in whole µL")
            out[key] = value
        elif key == "holidays":
            out[key] = _holidays(value)
        elif key == "refund_admin_fee_cents":
            # Money is integer cents, typed as text and parsed by ledger.money.parse_cents.
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**8:
                raise InvalidText("the refund admin fee must be 0.00 to 1000000.00 in cents")
            out[key] = value
        elif key == "infusion_item_code":
            out[key] = clean_text(value, "infusion item code", 32, one_line=True).upper()
        elif key in RANGES:
            low, high = RANGES[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise InvalidText(f"{key.replace('_', ' ')} must be between {low} and {high}")
            out[key] = value
        else:
            raise InvalidText(f"there is no setting called {key!r}")
    return out


def _holidays(value: Any) -> str:
    """Holidays as sorted, distinct ISO dates joined by commas (a list or such a string)."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    days = set()
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        days.add(parse_date(text, "holiday"))
    return ",".join(sorted(d.isoformat() for d in days))


def _medical_director(session: Session, username: str) -> int:
    """The id of the active user who renders the clinic's services on its superbills and
    estimates; they must have an NPI, or every superbill would go out without one."""
    name = str(username).strip().lower()
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None or user.id is None:
        raise UnknownUser(f"user {name!r} does not exist", subject=name)
    if not user.active:
        raise AccountDisabled(f"user {name!r} is disabled", subject=name)
    if not user.npi:
        raise InvalidText(
            f"{user.full_name} has no NPI; record it first (user update {name} --npi ...)",
            subject=name,
        )
    return user.id


def settings_as_dict(db: Database, actor: Actor) -> dict[str, Any]:
    with look(db, actor) as tx:
        return tx.settings.model_dump()


@audited("settings.edit")
def update_settings(db: Database, actor: Actor, **changes: Any) -> dict[str, Any]:
    director = changes.pop("medical_director", None)
    values = _validated(changes)
    with act(db, actor, "settings.edit") as tx:
        row = tx.settings
        if director is not None:
            values["medical_director_id"] = _medical_director(tx.session, director)
        before = {k: getattr(row, k) for k in values}
        for key, value in values.items():
            setattr(row, key, value)
        if row.count_accept_ul > row.count_signoff_ul:
            raise InvalidText("the count's accepted variance cannot exceed its sign-off variance")
        tx.session.add(row)
        after = row.model_dump()
        # The new version takes effect now; the versions before it keep judging what was
        # entered under them. The audit trail keeps who changed what, in the same transaction.
        record_version(tx.session, row, at=tx.entered_at, by_id=tx.user_id)
        tx.audit(detail={"before": before, "after": values})
    return after
