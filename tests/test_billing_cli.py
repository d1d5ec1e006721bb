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
        nobody = run(url, "billing", "liability", "--patient", "MRN2")
        nobody_owes = run(url, "billing", "aging", "--patient", "MRN2")
    assert owed["total_cents"] == 5 * 40_000
    assert [(p["mrn"], p["credits"]) for p in owed["patients"]] == [("MRN1", 5)]
    assert (nobody["total_cents"], nobody["patients"], nobody_owes["total_cents"]) == (0, [], 0)
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


def define_series(url: str) -> None:
    run(url, "package", "define", "--code", "SERIES6", "--name", "Initial series", "--sessions",
        "6", "--price", "2400", "--valid-days", "90", "--covers", "MOOD")  # fmt: skip


def test_a_price_change_from_a_date_leaves_issued_invoices_and_sold_packages_alone(
    clinic: Clinic,
) -> None:
    url = clinic.db.url
    later = DAY1 + timedelta(days=10)
    with on(DAY1):
        run(url, "price", "set", "--code", "MOOD", "--description", "Mood", "--price", "450")
        define_series(url)
        # A rise typed today, in force from a later day: today's list is unchanged.
        run(url, "price", "set", "--code", "MOOD", "--description", "Mood", "--price", "500.00",
            "--from", str(later))  # fmt: skip
        invoice = str(run(url, "invoice", "new", "--patient", "MRN1")["invoice"])
        run(url, "invoice", "add-line", invoice, "--item", "MOOD", "--qty", "2")
        run(url, "invoice", "add-line", invoice, "--package", "SERIES6")
        off = run(url, "invoice", "add-line", invoice, "--discount-amount", "50.00", "--reason",
                  "loyalty")  # fmt: skip
        assert off["line"]["line_cents"] == -5_000
        issued = run(url, "invoice", "issue", invoice)
    assert issued["total_cents"] == 2 * 45_000 + 240_000 - 5_000
    prices_then = run(url, "price", "list", "--on", str(later - timedelta(days=1)))
    prices_later = run(url, "price", "list", "--on", str(later))
    assert [(p["code"], p["unit_price_cents"]) for p in prices_then] == [("MOOD", 45_000)]
    assert [(p["code"], p["unit_price_cents"]) for p in prices_later] == [("MOOD", 50_000)]
    with on(later):
        shown = run(url, "invoice", "show", issued["number"])
        credits = run(url, "billing", "liability")
    assert shown["total_cents"] == issued["total_cents"]
    assert [ln["line_cents"] for ln in shown["lines"]] == [90_000, 240_000, -5_000]
    assert credits["total_cents"] == 240_000  # six credits at 400.00, as sold


def test_a_void_a_refused_void_and_a_package_refund_at_the_terminal(clinic: Clinic) -> None:
    url = clinic.db.url
    with on(DAY1):
        run(url, "price", "set", "--code", "MOOD", "--description", "Mood", "--price", "450")
        run(url, "price", "set", "--code", "CONSULT", "--description", "Consult", "--price", "150")
        define_series(url)
        consult = str(run(url, "invoice", "new", "--patient", "MRN2")["invoice"])
        run(url, "invoice", "add-line", consult, "--item", "CONSULT")
        wrong = run(url, "invoice", "issue", consult)["number"]
        voided = run(url, "invoice", "void", wrong, "--reason", "written to the wrong patient")
        assert voided["status"] == "void"
        assert run(url, "invoice", "show", wrong)["status"] == "void"
        series = str(run(url, "invoice", "new", "--patient", "MRN1")["invoice"])
        run(url, "invoice", "add-line", series, "--package", "SERIES6")
        sold = run(url, "invoice", "issue", series)["number"]
        run(url, "invoice", "pay", sold, "--amount", "2400", "--method", "hsa")
    infuse(clinic, DAY1 + timedelta(days=1))
    with on(DAY1 + timedelta(days=2)):
        before = dump(clinic.db)
        refused = vialbook(url, "invoice", "void", sold, "--reason", "changed mind", user="bella",
                           witness=None)  # fmt: skip
        assert_refused(refused, "VoidRefused")
        assert dump(clinic.db) == before
        refund = run(url, "package", "refund", sold, "--reason", "moving away")
    # 2400.00 paid − 1 used × 450.00 (no admin fee set) = 1950.00, five credits closed.
    assert (refund["amount_cents"], refund["sessions_used"], refund["credits_closed"]) == (
        195_000, 1, 5
    )  # fmt: skip
    with on(DAY1 + timedelta(days=2)):
        assert run(url, "billing", "liability")["total_cents"] == 0


def test_an_infusion_names_its_rendering_provider_at_the_terminal(clinic: Clinic) -> None:
    url = clinic.db.url
    refused = vialbook(url, "infusion", "--patient", "MRN1", "--vial", "K-000001", "--drawn",
                       "40mg", "--given", "40mg", "--wasted", "0mg", "--provider", "bella",
                       user="nina", witness=None)  # fmt: skip
    assert_refused(refused, "RenderingProviderNotEligible")
    assert vialbook(url, "user", "update", "drkim", "--npi", "1245319599", user="admin",
                    witness=None).exit_code == 0  # fmt: skip
    given = vialbook(url, "infusion", "--patient", "MRN1", "--vial", "K-000001", "--drawn",
                     "40mg", "--given", "40mg", "--wasted", "0mg", "--provider", "drkim",
                     "--json", user="nina", witness=None)  # fmt: skip
    assert given.exit_code == 0, given.output
    infusion = json.loads(given.output)["infusion_id"]
    with clinic.db.engine.connect() as conn:
        named = conn.exec_driver_sql(
            "SELECT u.username FROM infusion i JOIN app_user u ON u.id = i.rendering_provider_id "
            f"WHERE i.id = {int(infusion)}"
        ).scalar()
    assert named == "drkim"
