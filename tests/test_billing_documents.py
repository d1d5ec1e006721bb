"""Billing documents on both databases: diagnosis codes, provider NPIs and the medical
director, good faith estimates (due dates, the $400 flag), the superbill's refusal of
undelivered sessions and its units from start and end, and the billing cross-check."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger.errors import (
    BillingIdentityMissing,
    DuplicateRecord,
    InvalidText,
    NoServiceThatDay,
    PermissionDenied,
)
from ledger.models import metadata
from ledger.queries.alerts import alerts
from ledger.services import corrections as ledger_corrections
from ledger.services import users
from ledger.services.billing import corrections, invoices, lines, payments
from ledger.services.diagnoses import diagnose, patient_codes
from ledger.services.gfe import EstimateItem, estimate_flags, new_estimate
from ledger.services.infusions import record_infusion
from ledger.services.settings import update_settings
from ledger.services.superbill import billing_crosscheck, superbill_for
from tests.billing_documents_support import (
    DIRECTOR_NPI,
    MONDAY,
    infusion,
    pin,
    ready_for_billing,
)
from tests.support import Clinic, dump


def _rows(clinic: Clinic, table: str) -> list[dict]:  # type: ignore[type-arg]
    t = metadata.tables[table]
    with clinic.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


# -- diagnoses, NPIs, the medical director ------------------------------------------------


def test_a_diagnosis_is_format_checked_and_kept_append_only(clinic: Clinic) -> None:
    bella = clinic.actor("bella")
    done = diagnose(clinic.db, bella, "mrn1", "f331")
    assert (done.icd10, done.codes) == ("F33.1", ["F33.1"])
    diagnose(clinic.db, clinic.actor("drkim"), "MRN1", "F43.10")
    before = dump(clinic.db)
    with pytest.raises(InvalidText, match="ICD-10-CM"):
        diagnose(clinic.db, bella, "MRN1", "F3.31")
    with pytest.raises(DuplicateRecord):
        diagnose(clinic.db, bella, "MRN1", "F33.1")
    with pytest.raises(PermissionDenied):
        diagnose(clinic.db, clinic.actor("audrey"), "MRN1", "F41.1")
    assert dump(clinic.db) == before
    diagnose(clinic.db, bella, "MRN1", "F33.1", retire=True, reason="in remission")
    assert patient_codes(clinic.db, bella, "MRN1") == ["F43.10"]
    assert [(r["icd10"], r["status"]) for r in _rows(clinic, "patient_diagnosis")] == [
        ("F33.1", "active"),
        ("F43.10", "active"),
        ("F33.1", "retired"),
    ]


def test_a_provider_npi_is_check_digit_verified(clinic: Clinic) -> None:
    admin = clinic.actor("admin")
    before = dump(clinic.db)
    with pytest.raises(InvalidText, match="check digit"):
        users.set_npi(clinic.db, admin, "drkim", "1245319590")
    with pytest.raises(PermissionDenied):
        users.set_npi(clinic.db, clinic.actor("bella"), "drkim", DIRECTOR_NPI)
    assert dump(clinic.db) == before
    users.set_npi(clinic.db, admin, "drkim", DIRECTOR_NPI)
    uid = users.add_user(
        clinic.db, admin, username="drlee", full_name="Dr Lee", roles=["registrant"],
        password="long-enough-pw", npi="1234567893",
    )  # fmt: skip
    npis = {r["id"]: r["npi"] for r in _rows(clinic, "app_user")}
    assert npis[uid] == "1234567893"
    assert DIRECTOR_NPI in npis.values()


def test_the_medical_director_needs_an_npi_and_joins_the_settings_history(clinic: Clinic) -> None:
    admin = clinic.actor("admin")
    before = dump(clinic.db)
    with pytest.raises(InvalidText, match="no NPI"):
        update_settings(clinic.db, admin, medical_director="drkim")
    assert dump(clinic.db) == before
    users.set_npi(clinic.db, admin, "drkim", DIRECTOR_NPI)
    values = update_settings(clinic.db, admin, medical_director="drkim")
    drkim = next(r["id"] for r in _rows(clinic, "app_user") if r["username"] == "drkim")
    assert values["medical_director_id"] == drkim
    assert (
        f'"medical_director_id": {drkim}' in _rows(clinic, "settings_version")[-1]["settings_json"]
    )


# -- good faith estimates -----------------------------------------------------------------


@pytest.fixture
def billing(clinic: Clinic) -> Clinic:
    pin(MONDAY)
    ready_for_billing(clinic)
    diagnose(clinic.db, clinic.actor("bella"), "MRN1", "F33.2")
    return clinic


def test_an_estimate_lists_patient_codes_prices_providers_and_its_due_date(billing: Clinic) -> None:
    pin(MONDAY - timedelta(days=3))  # booked on Friday 27 February
    view = new_estimate(
        billing.db, billing.actor("bella"), mrn="MRN1",
        items=[EstimateItem("CONSULT")], packages=["SERIES6"], scheduled_for=date(2026, 3, 4),
    )  # fmt: skip
    data = view.as_json()
    assert data["patient_name"] == "Pat One" and data["dob"] == "1980-01-01"
    assert data["diagnoses"] == ["F33.2"]
    assert [(ln["code"], ln["cpt"], ln["line_cents"]) for ln in data["lines"]] == [
        ("CONSULT", "99204", 25_000),
        ("SERIES6", "96365", 240_000),
    ]
    assert data["total_cents"] == 265_000
    assert data["provider"] == {"name": "Drkim", "npi": DIRECTOR_NPI}
    assert data["clinic"]["tax_id"] == "84-1234567"
    # Wednesday is 3 business days after Friday: due the next business day, Monday.
    assert data["due_on"] == "2026-03-02"
    assert data["valid_until"] == "2027-03-03"  # a series: twelve months
    assert any("$400" in d for d in data["disclaimers"])
    assert any("not a contract" in d for d in data["disclaimers"])
    row = _rows(billing, "good_faith_estimate")[-1]
    assert row["given_at"] is not None and row["due_on"] == date(2026, 3, 2)


def test_estimate_due_dates_step_over_a_weekend_and_a_holiday(billing: Clinic) -> None:
    update_settings(billing.db, billing.actor("admin"), holidays="2026-03-09")
    bella = billing.actor("bella")
    pin(MONDAY + timedelta(days=4))  # Friday 6 March: booked for the 20th, 9 business days away
    near = new_estimate(
        billing.db, bella, mrn="MRN1", items=[EstimateItem("MOOD")],
        scheduled_for=date(2026, 3, 20),
    )  # fmt: skip
    # The next business day after Friday is Tuesday: Monday 9 March is a holiday.
    assert near.due_on == date(2026, 3, 10)
    far = new_estimate(
        billing.db, bella, mrn="MRN2", items=[EstimateItem("MOOD")],
        scheduled_for=date(2026, 3, 23),
    )  # fmt: skip
    assert far.due_on == date(2026, 3, 12)  # ten business days away: three business days
    asked = new_estimate(
        billing.db, bella, mrn="MRN2", items=[EstimateItem("CONSULT")], requested=True
    )
    assert asked.due_on == date(2026, 3, 12)


def test_an_estimate_without_the_clinic_npi_is_refused_and_leaves_nothing(clinic: Clinic) -> None:
    pin(MONDAY)
    before = dump(clinic.db)
    with pytest.raises(BillingIdentityMissing):
        new_estimate(
            clinic.db, clinic.actor("bella"), mrn="MRN1", items=[EstimateItem("MOOD")],
            requested=True,
        )  # fmt: skip
    assert dump(clinic.db) == before


# -- superbill ----------------------------------------------------------------------------


def test_a_superbill_is_refused_for_a_day_with_no_infusion(billing: Clinic) -> None:
    infusion(billing)
    bella = billing.actor("bella")
    with pytest.raises(NoServiceThatDay, match="never prepaid sessions"):
        superbill_for(billing.db, bella, "MRN1", date(2026, 3, 3))
    with pytest.raises(NoServiceThatDay):
        superbill_for(billing.db, bella, "MRN2", date(2026, 3, 2))
    bill = superbill_for(billing.db, bella, "MRN1", date(2026, 3, 2))
    assert bill.patient.name == "Pat One" and bill.diagnoses == ("F33.2",)
    assert bill.provider.npi == DIRECTOR_NPI


def test_a_nurse_never_reads_a_superbill(billing: Clinic) -> None:
    infusion(billing)
    with pytest.raises(PermissionDenied):
        superbill_for(billing.db, billing.actor("nina"), "MRN1", date(2026, 3, 2))


# -- cross-check ----------------------------------------------------------------------------


def _invoice(clinic: Clinic, mrn: str, *, infusions: list[int] = (), items: list[str] = ()) -> int:  # type: ignore[assignment]
    bella = clinic.actor("bella")
    inv = invoices.new_invoice(clinic.db, bella, patient=mrn)
    for iid in infusions:
        lines.add_infusion_line(clinic.db, bella, inv, infusion_id=iid)
    for code in items:
        lines.add_item_line(clinic.db, bella, inv, code=code)
    invoices.issue_invoice(clinic.db, bella, inv)
    return inv


def test_the_crosscheck_finds_one_seeded_mismatch_of_each_kind(
    billing: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Billed as it should be: 40 minutes of mood infusion, one 96365 unit. No finding.
    fine = infusion(billing, start=MONDAY)
    # 100 minutes supports 96365 + 96366, but the invoice line bills one unit. (A second
    # session that day, so the nurse names its service.)
    long = infusion(
        billing, start=MONDAY + timedelta(hours=1), minutes=100, vial="K-000002", service="MOOD"
    )
    # Ketamine billed by the mg (J3490 alone): 1 unit billed for 40 mg given.
    drug = record_infusion_as(billing, "KETAMINE", start=MONDAY + timedelta(hours=3))
    # An infusion billing never saw (recorded before billing began, or its billing failed).
    monkeypatch.setattr("ledger.services.infusions.bill_infusion", lambda tx, **kw: "failed")
    unbilled = infusion(billing, patient="MRN2", start=MONDAY + timedelta(hours=4))
    monkeypatch.undo()
    pin(MONDAY + timedelta(days=1, hours=2))
    _invoice(billing, "MRN1", infusions=[fine, long, drug])
    # A mood infusion billed to MRN2 on Tuesday, when nobody infused them.
    _invoice(billing, "MRN2", items=["MOOD"])
    found = billing_crosscheck(
        billing.db, billing.actor("audrey"), date(2026, 3, 1), date(2026, 3, 31)
    )
    assert sorted((f.kind, f.infusion, f.patient) for f in found) == sorted([
        ("time_units", long, "MRN1"),
        ("drug_units", drug, "MRN1"),
        ("unbilled_infusion", unbilled, "MRN2"),
        ("billed_without_administration", None, "MRN2"),
    ])  # fmt: skip
    by_kind = {f.kind: f.message for f in found}
    assert "support 2" in by_kind["time_units"]
    assert "1 drug unit(s)" in by_kind["drug_units"] and "(40 units)" in by_kind["drug_units"]


def test_a_pending_charge_is_billings_queue_not_a_finding(billing: Clinic) -> None:
    infusion(billing)
    found = billing_crosscheck(
        billing.db, billing.actor("bella"), date(2026, 3, 1), date(2026, 3, 31)
    )
    assert found == []


def record_infusion_as(clinic: Clinic, service: str, *, start: datetime) -> int:
    pin(start + timedelta(minutes=40))
    done = record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN1", vial="K-000003", drawn_ug=40_000,
        given_ug=40_000, wasted_ug=0, witness=clinic.witness("omar"), started_at=start,
        ended_at=start + timedelta(minutes=40), service=service,
    )  # fmt: skip
    return done.infusion_id


# -- superbill lines ----------------------------------------------------------------------


def test_superbill_units_come_from_start_and_end_and_sum_to_the_charge(billing: Clinic) -> None:
    long = infusion(billing, start=MONDAY, minutes=100)
    pin(MONDAY + timedelta(hours=3))
    inv = _invoice(billing, "MRN1", infusions=[long])
    payments.pay_invoice(billing.db, billing.actor("bella"), inv, amount_cents=20_000, method="hsa")
    bill = superbill_for(billing.db, billing.actor("bella"), "MRN1", date(2026, 3, 2))
    assert [(ln.code, ln.units, ln.charge_cents) for ln in bill.lines] == [
        ("96365", 1, 22_500),
        ("96366", 1, 22_500),
        ("J3490", 1, 0),
    ]
    assert bill.charges_cents == 45_000 and bill.paid_cents == 20_000
    assert "100 min" in bill.lines[0].description


def test_a_prepaid_session_appears_on_the_superbill_only_once_delivered(billing: Clinic) -> None:
    bella = billing.actor("bella")
    inv = invoices.new_invoice(billing.db, bella, patient="MRN1")
    lines.add_package_line(billing.db, bella, inv, code="SERIES6")
    invoices.issue_invoice(billing.db, bella, inv)
    payments.pay_invoice(billing.db, bella, inv, amount_cents=240_000, method="card")
    # Six sessions bought today: none delivered, so no superbill for today.
    with pytest.raises(NoServiceThatDay):
        superbill_for(billing.db, bella, "MRN1", date(2026, 3, 2))
    infusion(billing, start=MONDAY + timedelta(days=1))
    bill = superbill_for(billing.db, bella, "MRN1", date(2026, 3, 3))
    assert [(ln.code, ln.units, ln.charge_cents, ln.paid_cents) for ln in bill.lines] == [
        ("96365", 1, 40_000, 40_000),
        ("J3490", 1, 0, 0),
    ]


# -- the $400 dispute flag ----------------------------------------------------------------


def test_a_bill_400_dollars_over_the_estimate_is_flagged_and_399_99_is_not(billing: Clinic) -> None:
    bella = billing.actor("bella")
    estimate = new_estimate(
        billing.db, bella, mrn="MRN1", items=[EstimateItem("CONSULT")],
        scheduled_for=date(2026, 3, 9),
    )  # fmt: skip
    assert estimate.total_cents == 25_000
    pin(MONDAY + timedelta(days=7))
    inv = invoices.new_invoice(billing.db, bella, patient="MRN1")
    lines.add_item_line(billing.db, bella, inv, code="CONSULT", quantity=3)
    invoices.issue_invoice(billing.db, bella, inv)
    corrections.credit_note(billing.db, bella, inv, amount_cents=10_001, reason="courtesy")
    check = estimate_flags(billing.db, bella, all_estimates=True)
    assert [(c.estimated_cents, c.billed_cents, c.over_cents, c.flagged) for c in check] == [
        (25_000, 64_999, 39_999, False)
    ]
    assert estimate_flags(billing.db, bella) == []
    more = invoices.new_invoice(billing.db, bella, patient="MRN1")
    lines.add_item_line(billing.db, bella, more, code="CONSULT")
    lines.add_item_line(billing.db, bella, more, code="PAIN")  # not on the estimate
    invoices.issue_invoice(billing.db, bella, more)
    flagged = estimate_flags(billing.db, bella)
    assert [(c.patient, c.billed_cents, c.over_cents) for c in flagged] == [
        ("MRN1", 89_999, 64_999)
    ]
    # The dashboard's alerts flag it for billing staff; a nurse never sees the amounts.
    [alert] = [a for a in alerts(billing.db, bella) if a.kind == "gfe_over_estimate"]
    assert alert.subject == "MRN1" and "649.99 above it" in alert.message
    assert all(a.kind != "gfe_over_estimate" for a in alerts(billing.db, billing.actor("nina")))


def test_no_estimate_alert_below_400_dollars_over(billing: Clinic) -> None:
    new_estimate(
        billing.db, billing.actor("bella"), mrn="MRN1", items=[EstimateItem("CONSULT")],
        scheduled_for=date(2026, 3, 9),
    )  # fmt: skip
    assert [a for a in alerts(billing.db, billing.actor("bella")) if "gfe" in a.kind] == []


def test_a_prepaid_session_used_by_a_reversed_infusion_is_found(
    billing: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reversal recorded before reversals gave credits back (tests/test_billing_reversal.py
    # covers today's): the credit stays used for a dose nobody was given.
    monkeypatch.setattr(ledger_corrections, "return_credit", lambda tx, **kw: None)
    bella = billing.actor("bella")
    inv = invoices.new_invoice(billing.db, bella, patient="MRN1")
    lines.add_package_line(billing.db, bella, inv, code="SERIES6")
    invoices.issue_invoice(billing.db, bella, inv)
    pin(MONDAY + timedelta(minutes=40))
    done = record_infusion(
        billing.db, billing.actor("nina"), patient="MRN1", vial="K-000001", drawn_ug=40_000,
        given_ug=40_000, wasted_ug=0, witness=billing.witness("omar"), started_at=MONDAY,
        ended_at=MONDAY + timedelta(minutes=40),
    )  # fmt: skip
    assert done.billing == "credit"
    pin(MONDAY + timedelta(minutes=45))
    ledger_corrections.reverse(
        billing.db, billing.actor("drkim"), movement_id=done.movement_ids[0],
        reason="charted against the wrong patient", witness=billing.witness("omar"),
    )  # fmt: skip
    found = billing_crosscheck(
        billing.db, billing.actor("bella"), date(2026, 3, 1), date(2026, 3, 31)
    )
    assert [(f.kind, f.infusion) for f in found] == [
        ("billed_without_administration", done.infusion_id)
    ]
    assert "reversed" in found[0].message


# -- the rendering provider an infusion names ------------------------------------------------

#: Dr Lee, a second prescriber (a valid check digit).
LEE_NPI = "1472583693"


def _with_dr_lee(clinic: Clinic) -> None:
    users.add_user(
        clinic.db, clinic.actor("admin"), username="drlee", full_name="Dr Ana Lee",
        roles=["registrant"], password="long-enough-pw", npi=LEE_NPI,
    )  # fmt: skip


def _named(clinic: Clinic, provider: str | None, *, start: datetime, vial: str) -> int:
    pin(start + timedelta(minutes=40))
    done = record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN1", vial=vial, drawn_ug=40_000,
        given_ug=40_000, wasted_ug=0, witness=clinic.witness("omar"), started_at=start,
        ended_at=start + timedelta(minutes=40), service="MOOD", rendering_provider=provider,
    )  # fmt: skip
    return done.infusion_id


def test_an_infusion_naming_its_rendering_provider_puts_them_on_the_superbill(
    billing: Clinic, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import pypdf

    from reports.billing_scope import BillingRequest
    from reports.export import export_report

    _with_dr_lee(billing)
    bella = billing.actor("bella")
    # Monday: Dr Lee rendered the only infusion; the superbill names her, not the director.
    lee = _named(billing, "DrLee", start=MONDAY, vial="K-000001")
    with billing.db.engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT rendering_provider_id FROM infusion WHERE id = :i"), {"i": lee}
        ).scalar()
    assert stored == next(r["id"] for r in _rows(billing, "app_user") if r["username"] == "drlee")
    monday = superbill_for(billing.db, bella, "MRN1", date(2026, 3, 2))
    assert [(p.name, p.npi) for p in monday.providers] == [("Dr Ana Lee", LEE_NPI)]
    assert monday.provider.npi == LEE_NPI
    assert {ln.provider.npi for ln in monday.lines if ln.provider} == {LEE_NPI}
    # Tuesday: one infusion names nobody (the director), the next names Dr Lee.
    tuesday = MONDAY + timedelta(days=1)
    _named(billing, None, start=tuesday, vial="K-000001")
    _named(billing, "drlee", start=tuesday + timedelta(hours=2), vial="K-000002")
    both = superbill_for(billing.db, bella, "MRN1", date(2026, 3, 3))
    assert [p.npi for p in both.providers] == [DIRECTOR_NPI, LEE_NPI]
    assert [ln.provider.npi for ln in both.lines if ln.provider] == [
        DIRECTOR_NPI, DIRECTOR_NPI, LEE_NPI, LEE_NPI
    ]  # fmt: skip
    out = tmp_path / "superbill.pdf"
    export_report(
        billing.db, bella, report="superbill", fmt="pdf", out=out,
        request=BillingRequest(date(2026, 3, 3), date(2026, 3, 3), patient="MRN1"),
    )  # fmt: skip
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    assert f"rendered by Dr Ana Lee, NPI {LEE_NPI}" in " ".join(text.split())
    assert DIRECTOR_NPI in text


@pytest.mark.parametrize(
    ("provider", "rule"),
    [
        ("bella", "RenderingProviderNotEligible"),  # billing staff render no infusion
        ("omar", "RenderingProviderNotEligible"),  # a nurse with no NPI
        ("drnobody", "UnknownUser"),
    ],
)
def test_a_rendering_provider_who_cannot_be_billed_is_refused_and_nothing_recorded(
    billing: Clinic, provider: str, rule: str
) -> None:
    from ledger.errors import Refusal

    before = dump(billing.db)
    with pytest.raises(Refusal) as refused:
        _named(billing, provider, start=MONDAY, vial="K-000001")
    assert refused.value.rule == rule
    assert dump(billing.db) == before
