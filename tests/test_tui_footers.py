"""What a screen's footer shows fits the terminal: at 80 columns no key the user needs is cut
off behind the command palette's key or past the edge."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from ledger import clock
from tests.billing_story import billing, noon
from tests.support import Clinic
from tests.test_tui_billing import DESK_DAY, _account, _two_infusions_waiting, _type
from tui.app.vialbook_app import VialbookApp


def _footer_keys(app: VialbookApp) -> dict[str, str]:
    """Each key the footer shows in full, with its word: wholly left of the palette's key."""
    keys = list(app.screen.query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    edge = palette[0].region.x if palette else app.size.width
    return {
        k.key: k.description
        for k in keys
        if not k.has_class("-command-palette") and k.display and k.region.right <= edge
    }


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_a_draft_invoice_shows_remove_and_issue_in_its_footer(
    clinic: Clinic, size: tuple[int, int]
) -> None:
    _two_infusions_waiting(clinic)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=size) as pilot:
        await _account(app, pilot, "MRN1")
        await _type(app, pilot, "n")
        assert type(app.screen).__name__ == "InvoiceScreen"
        shown = _footer_keys(app)
        assert {"x", "i"} <= shown.keys()  # Remove line and Issue: a draft's way out
        assert shown == {
            "escape": "Back",
            "a": "Item",
            "k": "Package",
            "d": "Discount",
            "g": "Pending",
            "x": "Remove",
            "i": "Issue",
        }
        # What the footer leaves out, or says in a word, the palette says in full.
        said = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Add manual line", "Remove line", "Issue the invoice"} <= said

        await _type(app, pilot, "i")
        assert "Issued INV-2026-000001" in str(app.screen.query_one("#invoice-status").render())
        assert _footer_keys(app) == {
            "escape": "Back",
            "p": "Pay",
            "v": "Void",
            "c": "Credit note",
            "e": "Print",
        }


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_a_patient_account_shows_every_action_in_its_footer(
    clinic: Clinic, size: tuple[int, int]
) -> None:
    _two_infusions_waiting(clinic)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=size) as pilot:
        await _account(app, pilot, "MRN1")
        assert type(app.screen).__name__ == "BillingAccountScreen"
        # Refund and Print were cut off at 80 columns ("r Re▏").
        assert _footer_keys(app) == {
            "escape": "Back",
            "f": "Find",
            "n": "New",
            "p": "Pay",
            "v": "Void",
            "c": "Credit",
            "r": "Refund",
            "e": "Print",
        }
        said = {c.title for c in app.get_system_commands(app.screen)}
        assert {"New invoice", "Credit note on an invoice", "Refund a payment"} <= said
