"""Printing a billing document for the patient at the desk: an invoice, a credit note, a
statement, a superbill, a receipt or a good faith estimate, to a PDF (or XLSX) file through
the same export path as every report (reports/export.py: built, hashed, audited)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ledger import clock
from ledger.access import Actor
from ledger.clock import local_date
from ledger.database import Database
from ledger.errors import InvalidText
from ledger.settings import clinic_timezone
from ledger.units import parse_count, parse_date
from reports.billing_scope import BillingRequest
from reports.export import FORMATS, export_report
from tui.app.billing_form import BillingForm

#: What the desk calls each document -> the report's name in `export list`.
DOCUMENTS = {
    "invoice": "invoice",
    "credit-note": "credit-note",
    "statement": "statement",
    "superbill": "superbill",
    "receipt": "receipt",
    "estimate": "gfe",
}


class PrintModal(BillingForm):
    """Dismisses with where the file was written and its sha256, or None when cancelled."""

    SAVE_LABEL = "Print"

    def __init__(self, actor: Actor, mrn: str, *, invoice: str = "") -> None:
        document = "invoice" if invoice else "statement"
        super().__init__(
            f"Print for {mrn}: " + ", ".join(DOCUMENTS),
            [
                ("document", "Document", document),
                ("number", "Number or id (receipt: payment)", invoice),
                ("from", "From (blank: 1 January)", ""),
                ("to", "To / service day (blank: today)", ""),
                ("format", "Format (pdf or xlsx)", "pdf"),
                ("folder", "Save in folder", str(Path.cwd())),
            ],
        )
        self.actor = actor
        self.mrn = mrn

    def save(self, db: Database, values: dict[str, str]) -> str:
        document = values["document"].lower()
        if document not in DOCUMENTS:
            raise InvalidText(
                f"document {document!r} is not one of: {', '.join(DOCUMENTS)}", subject=document
            )
        fmt = values["format"].lower() or "pdf"
        if fmt not in FORMATS:
            raise InvalidText(f"format {fmt!r} is not one of: {', '.join(FORMATS)}", subject=fmt)
        to = (
            parse_date(values["to"], "to")
            if values["to"]
            else local_date(clinic_timezone(db), clock.now())
        )
        start = parse_date(values["from"], "from") if values["from"] else date(to.year, 1, 1)
        number = values["number"]
        request = BillingRequest(
            date_from=start,
            date_to=to,
            invoice=number if document == "invoice" else None,
            credit_note=number if document == "credit-note" else None,
            patient=self.mrn,
            payment=(
                parse_count(number, "payment id", 10**12)
                if document == "receipt" and number
                else None
            ),
            estimate=(
                parse_count(number, "estimate id", 10**12) if document == "estimate" else None
            ),
        )
        name = number if document in ("invoice", "credit-note") and number else self.mrn
        out = Path(values["folder"] or ".").expanduser() / f"{document}_{name}_{to}.{fmt}"
        try:
            done = export_report(
                db, self.actor, report=DOCUMENTS[document], request=request, fmt=fmt, out=out
            )
        except OSError as exc:
            # A folder that cannot be written: said in a sentence, never a traceback.
            raise InvalidText(f"could not write {out}: {exc.strerror or exc}") from None
        return f"Wrote {done.path} (sha256 {done.sha256})"
