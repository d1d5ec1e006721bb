"""The refusals a guard raises that both databases share, worded once.

Frozen: revision 0003's guards raise these. The doubled quote is SQL's, for a string literal.
"""

from __future__ import annotations

VIAL_FIXED = (
    "VialRecordFixed: a vial''s label, product, lot, expiry, receipt and content are fixed "
    "when it is received, and its opening, beyond-use date and first patient are set once"
)
IDENTITY_NOT_CORRECTED = (
    "IdentityNotCorrected: a patient''s name, address and date of birth change only through "
    "an audited correction (vialbook patient correct)"
)
