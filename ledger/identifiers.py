"""DEA registration numbers and NDCs: the identifiers a diversion investigator checks first."""

from __future__ import annotations

import re

from ledger.errors import InvalidDEANumber, InvalidNDC, InvalidSchedule, InvalidText

# First letter: the registrant type (practitioner, hospital, mid-level, distributor...).
_DEA = re.compile(r"([ABCDEFGHJKLMPRSTUX])([A-Z9])([0-9]{7})")


def validate_dea_number(text: str) -> str:
    """Return the upper-cased number, or refuse it when its form or check digit is wrong.

    Check digit: (d1 + d3 + d5) + 2 × (d2 + d4 + d6); its last digit must equal d7.
    """
    value = (text or "").strip().upper()
    m = _DEA.fullmatch(value)
    if m is None:
        raise InvalidDEANumber(
            f"DEA number {text!r} must be two letters and seven digits, like AB1234563",
            subject=text,
        )
    d = [int(c) for c in m[3]]
    total = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])
    if total % 10 != d[6]:
        raise InvalidDEANumber(f"DEA number {value} fails its check digit", subject=value)
    return value


_NDC_FORMS = {
    (4, 4, 2): (1, 0, 0),
    (5, 3, 2): (0, 1, 0),
    (5, 4, 1): (0, 0, 1),
    (5, 4, 2): (0, 0, 0),
}


def normalize_ndc(text: str) -> str:
    """Any hyphenated 10-digit NDC (4-4-2, 5-3-2, 5-4-1) or an 11-digit 5-4-2 -> `NNNNN-NNNN-NN`.

    Billing and the DEA both use the 11-digit form, so it is the one stored and compared.
    """
    value = (text or "").strip()
    parts = value.split("-")
    if len(parts) == 1 and re.fullmatch(r"[0-9]{11}", value):
        parts = [value[:5], value[5:9], value[9:]]
    if len(parts) != 3 or not all(re.fullmatch(r"[0-9]+", p) for p in parts):
        raise InvalidNDC(
            f"NDC {text!r} must be hyphenated like 0409-2051-05 or 11 digits", subject=text
        )
    shape = tuple(len(p) for p in parts)
    pad = _NDC_FORMS.get(shape)  # type: ignore[arg-type]
    if pad is None:
        raise InvalidNDC(f"NDC {text!r} is not a 4-4-2, 5-3-2, 5-4-1 or 5-4-2 code", subject=text)
    code = "-".join("0" * z + p for z, p in zip(pad, parts, strict=True))
    if code.startswith("00000-") or code.replace("-", "").strip("0") == "":
        # Labeler 00000 is assigned to no one: a code of zeros is a placeholder, not a drug.
        raise InvalidNDC(f"NDC {text!r} has no labeler code (all zeros)", subject=text)
    return code


def validate_schedule(value: int | str) -> int:
    """Schedules II–V as 2..5 (I is not dispensable; roman or arabic accepted)."""
    roman = {"II": 2, "III": 3, "IV": 4, "V": 5}
    text = str(value).strip().upper()
    n = roman.get(text)
    if n is None and re.fullmatch(r"[0-9]", text):
        n = int(text)
    if n not in (2, 3, 4, 5):
        raise InvalidSchedule(f"schedule {value!r} must be one of II, III, IV, V (2-5)")
    return n


def parse_schedules(text: str) -> list[int]:
    items = [p for p in re.split(r"[,\s]+", (text or "").strip()) if p]
    if not items:
        raise InvalidSchedule("a registration must cover at least one schedule, like 3,4")
    return sorted({validate_schedule(p) for p in items})


def dea_check_digit(six_digits: str) -> str:
    """The seventh digit that makes a DEA number valid (for demo and test data)."""
    d = [int(c) for c in six_digits]
    return str((d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10)


_MRN = re.compile(r"[A-Z0-9][A-Z0-9._/-]{0,39}")


def normalize_mrn(text: object) -> str:
    """An MRN as stored and compared: trimmed and upper-case, so `mrn1` is `MRN1`.

    Letters, digits and `. _ / -` only: an MRN names a patient on a DEA log and in
    every command, so it must read the same everywhere and never look like anything else.
    """
    value = text.strip().upper() if isinstance(text, str) else ""
    if not _MRN.fullmatch(value):
        shown = text if not isinstance(text, str) or len(text) <= 40 else text[:40] + "…"
        raise InvalidText(
            f"MRN {shown!r} must be 1-40 letters, digits, dots, dashes, slashes or underscores",
            subject=value[:40],
        )
    return value
