"""The billing commands at the terminal: selling a series, taking payments, the JSON contract,
and refusals as one clear line."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.billing_story import DAY1, infuse, on
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, dump


def run(url: str, *args: str, user: str = "bella") -> Any:
    result = vialbook(url, *args, "--json", user=user, witness=None)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_selling_a_series_and_taking_a_payment(clinic: Clinic) -> None:
    url = clinic.db.url
    with on(DAY1):
        item = run(url, "price", "set", "--code", "MOOD", "--description", "Mood infusion",
                   "--cpt", "96365", "--hcpcs", "J3490", "--price", "450.00")  # fmt: skip
        assert item["unit_price_cents"] == 45_000 and item["effective_from"] == "2026-01-06"
        run(url, "package", "define", "--code", "SERIES6", "--name", "Initial series",
            "--sessions", "6", "--price", "2400", "--valid-days", "90",
            "--covers", "MOOD")  # fmt: skip
        assert [p["code"] for p in run(url, "package", "list")] == ["SERIES6"]
        assert [p["code"] for p in run(url, "price", "list")] == ["MOOD"]
        draft = run(url, "invoice", "new", "--patient", "MRN1")
        assert draft == {"invoice": draft["invoice"], "status": "draft"}
        invoice = str(draft["invoice"])
        run(url, "invoice", "add-line", invoice, "--package", "SERIES6")
        off = run(url, "invoice", "add-line", invoice, "--discount", "10%", "--reason",
                  "veteran discount")  # fmt: skip
        assert off["line"]["line_cents"] == -24_000
        issued = run(url, "invoice", "issue", invoice)
        assert issued == {"invoice": int(invoice), "number": "INV-2026-000001",
                          "total_cents": 216_000}  # fmt: skip
        paid = run(url, "invoice", "pay", "INV-2026-000001", "--amount", "1000.00",
                   "--method", "card", "--reference", "VISA 4242")  # fmt: skip
        assert paid["payment"] >= 1 and paid["applied_cents"] == 100_000
        shown = run(url, "invoice", "show", "INV-2026-000001")
    assert shown["status"] == "issued" and shown["number"] == "INV-2026-000001"
    assert [ln["kind"] for ln in shown["lines"]] == ["package", "discount"]
    assert (shown["total_cents"], shown["paid_cents"], shown["balance_cents"]) == (
        216_000, 100_000, 116_000
    )  # fmt: skip
    infuse(clinic, DAY1 + timedelta(days=1))
    with on(DAY1 + timedelta(days=1)):
        owed = run(url, "billing", "liability")
        aging = run(url, "billing", "aging")
        statement = run(url, "billing", "statement", "--patient", "MRN1", "--from",
                        "2026-01-01", "--to", "2026-01-31")  # fmt: skip
        text = vialbook(url, "invoice", "show", "INV-2026-000001", user="bella", witness=None)
    assert owed["total_cents"] == 5 * 40_000
    assert [(p["mrn"], p["credits"]) for p in owed["patients"]] == [("MRN1", 5)]
    assert aging["totals_cents"]["current"] == 116_000
    assert statement["closing_cents"] == 116_000
    assert "INV-2026-000001 (issued)" in text.output and "balance 1160.00" in text.output


def test_pending_charges_are_billed_from_the_terminal(clinic: Clinic) -> None:
    url = clinic.db.url
    with on(DAY1):
        run(url, "price", "set", "--code", "MOOD", "--description", "Mood", "--price", "450")
    done = infuse(clinic, DAY1)
    with on(DAY1):
        pending = run(url, "billing", "pending", "--patient", "MRN1")
        assert [p["infusion_id"] for p in pending] == [done.infusion_id]
        invoice = str(run(url, "invoice", "new", "--patient", "MRN1")["invoice"])
        run(url, "invoice", "add-line", invoice, "--infusion", str(done.infusion_id))
        run(url, "invoice", "add-line", invoice, "--manual", "Parking", "--amount", "5")
        issued = run(url, "invoice", "issue", invoice)
        assert issued["total_cents"] == 45_500
        assert run(url, "billing", "pending") == []
        paid = run(url, "invoice", "pay", issued["number"], "--amount", "455.00",
                   "--method", "cash")  # fmt: skip
        refund = run(url, "payment", "refund", str(paid["payment"]), "--amount", "5.00",
                     "--reason", "no parking")  # fmt: skip
        assert refund["amount_cents"] == 500
        note = run(url, "invoice", "credit-note", issued["number"], "--amount", "5.00",
                   "--reason", "parking waived")  # fmt: skip
        assert note["number"] == "CN-2026-000001"
        assert run(url, "invoice", "show", issued["number"])["balance_cents"] == 0


@pytest.mark.parametrize(
    ("args", "rule"),
    [
        (("price", "set", "--code", "MOOD", "--description", "x", "--price", "450.005"),
         "InvalidAmount"),
        (("price", "set", "--code", "MOOD", "--description", "x", "--price", "-1"),
         "InvalidAmount"),
        (("price", "set", "--code", "MOOD", "--description", "x", "--price", "4.5e2"),
         "InvalidAmount"),
        (("invoice", "new", "--patient", "NOPE"), "UnknownRecord"),
        (("invoice", "show", "INV-2026-000009"), "UnknownRecord"),
        (("invoice", "add-line", "1"), "LineKindRequired"),
        (("invoice", "add-line", "1", "--discount", "10%"), "ReasonRequired"),
        (("invoice", "add-line", "1", "--item", "MOOD", "--package", "SERIES6"),
         "LineKindRequired"),
        (("invoice", "pay", "1", "--amount", "10", "--method", "cash"), "UnknownRecord"),
    ],
)  # fmt: skip
def test_bad_billing_input_is_one_clear_refusal(
    clinic: Clinic, args: tuple[str, ...], rule: str
) -> None:
    before = dump(clinic.db)
    assert_refused(vialbook(clinic.db.url, *args, user="bella", witness=None), rule)
    assert dump(clinic.db) == before


def test_a_nurse_is_refused_the_price_list_at_the_terminal(clinic: Clinic) -> None:
    assert_refused(vialbook(clinic.db.url, "price", "list", user="nina"), "PermissionDenied")


def test_a_nurse_names_the_service_an_infusion_is_billed_as(clinic: Clinic) -> None:
    url = clinic.db.url
    with on(DAY1):
        run(url, "price", "set", "--code", "BOOSTER", "--description", "Booster", "--price", "400")
        given = vialbook(url, "infusion", "--patient", "MRN1", "--vial", "K-000001", "--drawn",
                         "40mg", "--given", "40mg", "--wasted", "0mg", "--service", "booster",
                         "--json", user="nina", witness=None)  # fmt: skip
        assert given.exit_code == 0, given.output
        pending = run(url, "billing", "pending")
    assert [(p["code"], p["unit_cents"]) for p in pending] == [("BOOSTER", 40_000)]
