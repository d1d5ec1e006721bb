"""Who may do what: every service action against every role, plus disabled and locked users,
passwords kept out of every record, and private files."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger import clock
from ledger.access import PERMISSIONS, Actor
from ledger.auth import Credentials, login
from ledger.backup import backup
from ledger.check import run_check
from ledger.clock import clinic_today
from ledger.database import open_database
from ledger.errors import (
    AccountDisabled,
    AccountLocked,
    PermissionDenied,
    WitnessNotAuthenticated,
    WrongPassword,
)
from ledger.models import Role
from ledger.queries.history import movement_log
from ledger.queries.stock import stock_on_hand
from ledger.services import (
    catalogue,
    corrections,
    counts,
    discrepancies,
    disposal,
    inventories,
    receiving,
    reviews,
    transfers,
    users,
)
from ledger.services.billing import corrections as billing_corrections
from ledger.services.billing import invoices, lines, packages, payments, prices, refunds
from ledger.services.billing.account import invoice_payments, patient_account
from ledger.services.billing.aging import ar_aging
from ledger.services.billing.liability import prepaid_liability
from ledger.services.billing.pending import pending_charges
from ledger.services.billing.statement import patient_statement
from ledger.services.diagnoses import diagnose
from ledger.services.gfe import EstimateItem, estimate_flags, new_estimate, show_estimate
from ledger.services.infusions import record_infusion
from ledger.services.patient_corrections import correct_patient
from ledger.services.patients import NewPatient, add_patient, import_patients
from ledger.services.protocols import add_protocol
from ledger.services.quarantine import quarantine
from ledger.services.session_lock import lock_session
from ledger.services.settings import update_settings
from ledger.services.superbill import billing_crosscheck, superbill_for
from reports.billing_scope import BillingRequest
from reports.export import export_report
from reports.scope import Request
from tests.reliability.cli import vialbook
from tests.support import DEA, KETAMINE, SECOND_DEA, STAFF, Clinic, audit_rows, dump, pw

#: One member of staff per role.
BY_ROLE = {Role(roles[0]): name for name, roles in STAFF.items() if name != "omar"}


def _witnesses(clinic: Clinic, actor: Actor, n: int = 1) -> list[Credentials]:
    return [clinic.witness(w) for w in ("omar", "nina", "drkim") if w != actor.username][:n]


Action = Callable[[Clinic, Actor], Any]

ACTIONS: dict[str, tuple[str, str, Action]] = {
    # name: (permission, audited as, call)
    "add_user": (
        "user.manage",
        "user.add",
        lambda c, a: users.add_user(
            c.db, a, username="newnurse", full_name="New", roles=["nurse"], password="long-enough"
        ),
    ),
    "disable_user": (
        "user.manage", "user.disable", lambda c, a: users.disable_user(c.db, a, "bella")
    ),
    "unlock_user": (
        "user.manage", "user.unlock", lambda c, a: users.unlock_user(c.db, a, "bella")
    ),
    "enable_user": (
        "user.manage", "user.enable", lambda c, a: users.enable_user(c.db, a, "bella")
    ),
    "reset_password": (
        "user.manage",
        "user.reset-password",
        lambda c, a: users.reset_password(c.db, a, "bella", "a-brand-new-pass"),
    ),
    "change_own_password": (
        "user.password",
        "user.password",
        lambda c, a: users.change_password(c.db, a, pw(a.username), "a-brand-new-pass"),
    ),
    "add_registration": (
        "registration.add",
        "registration.add",
        lambda c, a: catalogue.add_registration(
            c.db, a, dea_number="AB1234563", registrant="Dr Lee", address="5 Main St",
            schedules=[3], expires=date(2035, 1, 1),
        ),
    ),
    "renew_registration": (
        "registration.renew",
        "registration.renew",
        lambda c, a: catalogue.renew_registration(
            c.db, a, dea_number=DEA, expires=date(2036, 1, 1)
        ),
    ),
    "add_supplier": (
        "supplier.add",
        "supplier.add",
        lambda c, a: catalogue.add_supplier(
            c.db, a, name="McKesson", address="1 Market St", dea_number="RR1234563"
        ),
    ),
    "add_product": (
        "product.add",
        "product.add",
        lambda c, a: catalogue.add_product(
            c.db, a, name="Lorazepam 2 mg/mL", ndc="0641-6044-25", schedule=4,
            strength_ug_per_ml=2_000, volume_ul=1_000, label_prefix="L",
        ),
    ),
    "add_patient": (
        "patient.add",
        "patient.add",
        lambda c, a: add_patient(c.db, a, NewPatient("Ann New", "9 Elm", date(1990, 1, 1))),
    ),
    "import_patients": (
        "patient.import",
        "patient.import",
        lambda c, a: import_patients(c.db, a, b"name,address,dob\nAnn New,9 Elm,1990-01-01\n"),
    ),
    "correct_patient": (
        "patient.correct",
        "patient.correct",
        lambda c, a: correct_patient(c.db, a, mrn="MRN1", address="9 New Rd", reason="moved"),
    ),
    "receive": (
        "receive",
        "receive",
        lambda c, a: receiving.receive(
            c.db, a, supplier="Henry Schein", invoice_number="INV-3", ndc=KETAMINE, lot="L3",
            expires=date(2034, 1, 1), vials=1, registration=DEA,
        ),
    ),
    "record_infusion": (
        "infusion.record",
        "infusion.record",
        lambda c, a: record_infusion(
            c.db, a, patient="MRN1", vial="K-000002", drawn_ug=45_000, given_ug=40_000,
            wasted_ug=5_000, witness=_witnesses(c, a)[0],
        ),
    ),
    "waste": (
        "waste",
        "waste",
        lambda c, a: disposal.waste(
            c.db, a, vial="K-000002", amount_ug=1_000, reason="spill", method="sink",
            witness=_witnesses(c, a)[0],
        ),
    ),
    "destroy": (
        "destroy",
        "destroy",
        lambda c, a: disposal.destroy(
            c.db, a, vials=["K-000003"], method="chemical digestion", reason="expired",
            witness=_witnesses(c, a, 2)[0], second_witness=_witnesses(c, a, 2)[1],
        ),
    ),
    "return": (
        "return",
        "return",
        lambda c, a: disposal.return_to_reverse_distributor(
            c.db, a, vials=["K-000004"], distributor_name="RxReturns",
            distributor_address="9 Return Way", distributor_dea="RR1234563", invoice_number="RD-1",
        ),
    ),
    "loss": (
        "loss",
        "loss",
        lambda c, a: disposal.record_loss(
            c.db, a, vial="K-000005", amount_ug=1_000, reason="count"
        ),
    ),
    "breakage": (
        "breakage",
        "breakage",
        lambda c, a: disposal.record_breakage(
            c.db, a, vial="M-000002", amount_ug=None, reason="dropped", witness=_witnesses(c, a)[0]
        ),
    ),
    "transfer": (
        "transfer",
        "transfer",
        lambda c, a: transfers.transfer(
            c.db, a, vials=["M-000003"], to_registration=SECOND_DEA, reason="restock"
        ),
    ),
    "adjust": (
        "adjust",
        "adjust",
        lambda c, a: corrections.adjust(
            c.db, a, vial="K-000001", amount_ug=-1_000, reason="count variance",
            witness=_witnesses(c, a)[0],
        ),
    ),
    "reverse": (
        "reverse",
        "reverse",
        lambda c, a: corrections.reverse(
            c.db, a, movement_id=9, reason="wrong chart", witness=_witnesses(c, a)[0]
        ),
    ),
    "quarantine": (
        "quarantine",
        "quarantine",
        lambda c, a: quarantine(c.db, a, vial="K-000002", reason="cap looks tampered"),
    ),
    "start_count": (
        "count", "count.start", lambda c, a: counts.start_count(c.db, a, registration=DEA)
    ),
    "approve_count": (
        "count.approve",
        "count.approve",
        lambda c, a: counts.approve(
            c.db, a, 1, vial="K-000001", reason="spilt", witness=_witnesses(c, a)[0]
        ),
    ),
    "sign_inventory": (
        "count.sign", "count.sign", lambda c, a: inventories.sign_count(c.db, a, 2)
    ),
    "review_late_entry": (
        "late.review", "late.review", lambda c, a: reviews.review_late(c.db, a, 11)
    ),
    "note_discrepancy": (
        "discrepancy.investigate",
        "discrepancy.note",
        lambda c, a: discrepancies.add_note(c.db, a, 1, text="asked the night nurse"),
    ),
    "escalate_discrepancy": (
        "discrepancy.escalate",
        "discrepancy.escalate",
        lambda c, a: discrepancies.escalate(c.db, a, 1, loss_type="theft"),
    ),
    "stock_on_hand": ("ledger.read", "", lambda c, a: stock_on_hand(c.db, a)),
    "movement_log": ("ledger.read", "", lambda c, a: movement_log(c.db, a)),
    "list_users": ("ledger.read", "", lambda c, a: users.list_users(c.db, a)),
    "check": ("ledger.check", "", lambda c, a: run_check(c.db, a)),
    "add_protocol": ("protocol.manage", "protocol.add",
                     lambda c, a: add_protocol(c.db, a, name="ptsd", ug_per_kg=750, minutes=40)),
    "lock_session": ("session.lock", "session.lock",
                     lambda c, a: lock_session(c.db, a, idle_minutes=5)),
    "update_settings": ("settings.edit", "settings.edit",
                        lambda c, a: update_settings(c.db, a, bud_days=21)),
    "backup": ("backup", "backup",
               lambda c, a: backup(c.db, a, Path(tempfile.mkdtemp()) / "copy.db")),
    # The audit trail is exported like a report, so a refusal is audited as an export.
    "export_audit_trail": ("audit.read", "export",
                           lambda c, a: export_report(
                               c.db, a, report="audit-trail",
                               request=Request(date(2000, 1, 1), date(2100, 1, 1)), fmt="xlsx",
                               out=Path(tempfile.mkdtemp()) / "trail.xlsx")),
    # Billing (busy_clinic: see _billing).
    "set_price": ("billing.price", "billing.price",
                  lambda c, a: prices.set_price(c.db, a, code="BOOSTER", description="Booster",
                                                price_cents=40_000)),
    "define_package": ("billing.price", "billing.price",
                       lambda c, a: packages.define_package(
                           c.db, a, code="BOOST3", name="Boosters", sessions=3,
                           price_cents=100_000, valid_days=180, covers=["MOOD"])),
    "new_invoice": ("billing.invoice", "billing.invoice",
                    lambda c, a: invoices.new_invoice(c.db, a, patient="MRN2")),
    "add_invoice_line": ("billing.invoice", "billing.invoice",
                         lambda c, a: lines.add_item_line(c.db, a, 1, code="MOOD")),
    "add_package_line": ("billing.invoice", "billing.invoice",
                         lambda c, a: lines.add_package_line(c.db, a, 1, code="SERIES6")),
    "add_infusion_line": ("billing.invoice", "billing.invoice",
                          lambda c, a: lines.add_infusion_line(c.db, a, 4, infusion_id=2)),
    "add_pending_lines": ("billing.invoice", "billing.invoice",
                          lambda c, a: lines.add_pending_lines(c.db, a, 4)),
    "add_discount_line": ("billing.invoice", "billing.invoice",
                          lambda c, a: lines.add_discount_line(c.db, a, 1, percent_bp=1_000,
                                                               reason="veteran discount")),
    "add_manual_line": ("billing.invoice", "billing.invoice",
                        lambda c, a: lines.add_manual_line(c.db, a, 1, description="Parking",
                                                           amount_cents=500)),
    "remove_invoice_line": ("billing.invoice", "billing.invoice",
                            lambda c, a: lines.remove_line(c.db, a, 1, line_id=1)),
    "issue_invoice": ("billing.invoice", "billing.invoice",
                      lambda c, a: invoices.issue_invoice(c.db, a, 1)),
    "void_invoice": ("billing.void", "billing.void",
                     lambda c, a: billing_corrections.void_invoice(c.db, a, 3, reason="wrong")),
    "credit_note": ("billing.credit_note", "billing.credit_note",
                    lambda c, a: billing_corrections.credit_note(
                        c.db, a, 3, amount_cents=1_000, reason="goodwill")),
    "pay_invoice": ("billing.payment", "billing.payment",
                    lambda c, a: payments.pay_invoice(c.db, a, 3, amount_cents=1_000,
                                                      method="cash")),
    "refund_payment": ("billing.refund", "billing.refund",
                       lambda c, a: payments.refund_payment(c.db, a, 1, amount_cents=100,
                                                            reason="overcharged")),
    "refund_package": ("billing.refund", "billing.refund",
                       lambda c, a: refunds.refund_package(c.db, a, 2, reason="moving away")),
    "list_prices": ("billing.read", "", lambda c, a: prices.list_prices(c.db, a)),
    "list_packages": ("billing.read", "", lambda c, a: packages.list_packages(c.db, a)),
    "show_invoice": ("billing.read", "", lambda c, a: invoices.show_invoice(c.db, a, 2)),
    "pending_charges": ("billing.read", "", lambda c, a: pending_charges(c.db, a)),
    "billing_liability": ("billing.read", "", lambda c, a: prepaid_liability(c.db, a)),
    "ar_aging": ("billing.read", "", lambda c, a: ar_aging(c.db, a)),
    "statement": ("billing.read", "",
                  lambda c, a: patient_statement(c.db, a, patient="MRN1",
                                                 start=date(2026, 1, 1), end=date(2099, 1, 1))),
    # Billing documents: diagnoses, estimates, superbills, the cross-check, their exports.
    "diagnose": ("patient.diagnose", "patient.diagnose",
                 lambda c, a: diagnose(c.db, a, "MRN1", "F33.1")),
    "new_estimate": ("billing.estimate", "billing.estimate",
                     lambda c, a: new_estimate(c.db, a, mrn="MRN1", items=[EstimateItem("MOOD")],
                                               requested=True)),
    "show_estimate": ("billing.read", "", lambda c, a: show_estimate(c.db, a, 1)),
    "estimate_flags": ("billing.read", "", lambda c, a: estimate_flags(c.db, a)),
    "patient_account": ("billing.read", "",
                        lambda c, a: patient_account(c.db, a, patient="MRN1")),
    "invoice_payments": ("billing.read", "", lambda c, a: invoice_payments(c.db, a, 2)),
    "patient_credit": ("billing.read", "",
                       lambda c, a: payments.patient_credit(c.db, a, patient="MRN1")),
    # A provider's NPI and a rendering provider named on an infusion.
    "set_npi": ("user.manage", "user.npi",
                lambda c, a: users.set_npi(c.db, a, "omar", "1472583693")),
    "record_infusion_with_provider": (
        "infusion.record",
        "infusion.record",
        lambda c, a: record_infusion(
            c.db, a, patient="MRN1", vial="K-000002", drawn_ug=40_000, given_ug=40_000,
            wasted_ug=0, rendering_provider="drkim",
        ),
    ),
    "superbill": ("billing.read", "",
                  lambda c, a: superbill_for(c.db, a, "MRN2", clinic_today("America/Denver"))),
    "billing_crosscheck": ("billing.read", "",
                           lambda c, a: billing_crosscheck(c.db, a, date(2026, 1, 1),
                                                           date(2099, 1, 1))),
    # A billing document is exported like a report, so a refusal is audited as an export.
    "export_ar_aging": ("billing.export", "export",
                        lambda c, a: export_report(
                            c.db, a, report="ar-aging",
                            request=BillingRequest(date(2099, 1, 1), date(2099, 1, 1)),
                            fmt="xlsx", out=Path(tempfile.mkdtemp()) / "aging.xlsx")),
}  # fmt: skip


def test_the_table_covers_every_permission() -> None:
    assert {permission for permission, _, _ in ACTIONS.values()} == set(PERMISSIONS) - {
        "export",  # reports/, tested with the exports in tests/reports
    }


@pytest.fixture
def busy_clinic(sqlite_clinic: Clinic) -> Clinic:
    """A second registration to transfer to, and an infusion (movements 9, 10) to reverse."""
    admin = sqlite_clinic.actor("admin")
    catalogue.add_registration(
        sqlite_clinic.db, admin, dea_number=SECOND_DEA, registrant="Dr Kim",
        address="2 Second St", schedules=[3, 4], expires=date(2035, 1, 1),
    )  # fmt: skip
    record_infusion(
        sqlite_clinic.db, sqlite_clinic.actor("nina"), patient="MRN2", vial="K-000001",
        drawn_ug=45_000, given_ug=40_000, wasted_ug=5_000, witness=sqlite_clinic.witness("omar"),
    )  # fmt: skip
    # Count 1: K-000001 (9.1 mL on the book) read at 8.8 mL needs the registrant's sign-off,
    # and M-000001 missing opens discrepancy 1.
    maria = sqlite_clinic.actor("maria")
    count = counts.start_count(sqlite_clinic.db, maria, registration=DEA)
    counts.record_line(sqlite_clinic.db, maria, count, vial="K-000001", reading="8.8mL")
    counts.record_line(sqlite_clinic.db, maria, count, vial="M-000001", reading="missing")
    counts.submit_count(sqlite_clinic.db, maria, count)
    # Count 2: an initial inventory of the whole shelf, submitted, for the registrant to sign.
    inventory = counts.start_count(
        sqlite_clinic.db, maria, kind="initial", at="opening", registration=DEA
    )
    shelf = {"K-000001": "9.1mL", "K-000002": "present", "K-000003": "present",
             "K-000004": "present", "K-000005": "present", "M-000001": "present",
             "M-000002": "present", "M-000003": "present"}  # fmt: skip
    for vial, reading in shelf.items():
        counts.record_line(sqlite_clinic.db, maria, inventory, vial=vial, reading=reading)
    counts.submit_count(sqlite_clinic.db, maria, inventory)
    # Movement 11: M-000001's content wasted, entered two hours late, for review.
    disposal.waste(
        sqlite_clinic.db, sqlite_clinic.actor("nina"), vial="M-000001", amount_ug=None,
        reason="drawn up and not used", method="drug-disposal container",
        witness=sqlite_clinic.witness("omar"), event_at=clock.now() - timedelta(hours=2),
        late_reason="charted at the end of the shift",
    )  # fmt: skip
    _billing(sqlite_clinic)
    return sqlite_clinic


def _billing(clinic: Clinic) -> None:
    """Draft invoice 1 (a consultation, line 1); invoice 2 sells SERIES6 and has payment 1;
    invoice 3 is an unpaid consultation; infusion 2 waits to be billed and draft 4 is its
    patient's; estimate 1."""
    bella, db, admin = clinic.actor("bella"), clinic.db, clinic.actor("admin")
    # Superbills and estimates name the clinic's NPI and tax ID and the medical director's NPI.
    users.set_npi(db, admin, "drkim", "1245319599")
    update_settings(db, admin, npi="1234567893", tax_id="84-1234567", medical_director="drkim")
    prices.set_price(db, bella, code="MOOD", description="Mood infusion", price_cents=45_000)
    prices.set_price(db, bella, code="CONSULT", description="Consultation", price_cents=15_000)
    packages.define_package(db, bella, code="SERIES6", name="Initial series", sessions=6,
                            price_cents=240_000, valid_days=90, covers=["MOOD"])  # fmt: skip
    draft = invoices.new_invoice(db, bella, patient="MRN1")
    lines.add_item_line(db, bella, draft, code="CONSULT")
    sold = invoices.new_invoice(db, bella, patient="MRN1")
    lines.add_package_line(db, bella, sold, code="SERIES6")
    invoices.issue_invoice(db, bella, sold)
    payments.pay_invoice(db, bella, sold, amount_cents=240_000, method="card")
    consult = invoices.new_invoice(db, bella, patient="MRN1")
    lines.add_item_line(db, bella, consult, code="CONSULT")
    invoices.issue_invoice(db, bella, consult)
    # Infusion 2: MRN2's mood infusion waits to be billed (a pending charge), and draft
    # invoice 4 is MRN2's; estimate 1 for MRN1, asked for.
    # (Named MOOD: MRN2's infusion 1 this morning was before billing began, and an unnamed
    # second infusion the same day would be billed as that one session.)
    record_infusion(db, clinic.actor("nina"), patient="MRN2", vial="K-000002", drawn_ug=40_000,
                    given_ug=40_000, wasted_ug=0, service="MOOD")  # fmt: skip
    invoices.new_invoice(db, bella, patient="MRN2")
    new_estimate(db, bella, mrn="MRN1", items=[EstimateItem("MOOD")], requested=True)


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_only_the_roles_the_clinic_allows_can_act(
    busy_clinic: Clinic, action: str, role: Role
) -> None:
    permission, audited_as, call = ACTIONS[action]
    actor = busy_clinic.actor(BY_ROLE[role])
    before = dump(busy_clinic.db)
    if role in PERMISSIONS[permission]:
        call(busy_clinic, actor)
        assert run_check(busy_clinic.db).ok
        return
    with pytest.raises(PermissionDenied):
        call(busy_clinic, actor)
    assert dump(busy_clinic.db) == before
    if audited_as:
        assert audit_rows(busy_clinic.db)[-1] == (
            actor.username, audited_as, "refused", "PermissionDenied"
        )  # fmt: skip


def test_a_disabled_nurse_can_neither_act_nor_witness(busy_clinic: Clinic) -> None:
    omar = busy_clinic.actor("omar")
    users.disable_user(busy_clinic.db, busy_clinic.actor("admin"), "omar")
    before = dump(busy_clinic.db)
    with pytest.raises(AccountDisabled):
        ACTIONS["record_infusion"][2](busy_clinic, omar)  # his session from this morning
    with pytest.raises(WitnessNotAuthenticated, match="AccountDisabled"):
        record_infusion(
            busy_clinic.db, busy_clinic.actor("nina"), patient="MRN1", vial="K-000002",
            drawn_ug=45_000, given_ug=40_000, wasted_ug=5_000, witness=busy_clinic.witness("omar"),
        )  # fmt: skip
    with pytest.raises(AccountDisabled):
        login(busy_clinic.db, "omar", pw("omar"))
    assert dump(busy_clinic.db) == before


def test_five_wrong_passwords_lock_a_user_for_fifteen_minutes(sqlite_clinic: Clinic) -> None:
    t0 = clock.now()
    clock.set_clock(lambda: t0)
    for _ in range(5):
        with pytest.raises(WrongPassword):
            login(sqlite_clinic.db, "nina", "guess-guess")
    with pytest.raises(AccountLocked):
        login(sqlite_clinic.db, "nina", pw("nina"))
    clock.set_clock(lambda: t0 + timedelta(minutes=14, seconds=59))
    with pytest.raises(AccountLocked):
        login(sqlite_clinic.db, "nina", pw("nina"))
    clock.set_clock(lambda: t0 + timedelta(minutes=15, seconds=1))
    assert login(sqlite_clinic.db, "nina", pw("nina")).username == "nina"
    assert ("nina", "login", "locked", "AccountLocked") in audit_rows(sqlite_clinic.db)


def test_passwords_never_reach_the_audit_trail_the_output_or_the_logs(
    tmp_path: Path, sqlite_template: str, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    caplog.set_level(logging.DEBUG)
    path = tmp_path / "ledger.db"
    shutil.copyfile(sqlite_template, path)
    db = open_database(str(path), echo=True)  # even with every SQL statement logged
    clinic = Clinic(db)
    typed = ["guess-guess-1", pw("nina"), pw("omar"), "wrong-witness-pw", "long-enough"]
    with pytest.raises(WrongPassword):
        login(db, "nina", "guess-guess-1")
    with pytest.raises(WitnessNotAuthenticated):
        disposal.waste(
            db, clinic.actor("nina"), vial="K-000001", amount_ug=1_000, reason="spill",
            method="sink", witness=Credentials("omar", "wrong-witness-pw"),
        )  # fmt: skip
    ACTIONS["record_infusion"][2](clinic, clinic.actor("nina"))
    ACTIONS["add_user"][2](clinic, clinic.actor("admin"))
    outputs = [
        vialbook(db.url, "stock").output,
        vialbook(db.url, "check", user="audrey").output,
        vialbook(db.url, "stock", user="bella", witness=None).output,
    ]
    bad = vialbook(db.url, "infusion", "--patient", "MRN1", "--vial", "K-000001", "--drawn",
                   "5mg", "--given", "5mg", "--wasted", "0mg", user="nina")  # fmt: skip
    outputs.append(bad.output)
    with db.engine.connect() as conn:
        trail = [
            " ".join(map(str, row)) for row in conn.exec_driver_sql("SELECT * FROM audit_event")
        ]
    db.dispose()
    assert len(trail) > 5 and caplog.text
    for secret in typed:
        assert not any(secret in row for row in trail), secret
        assert secret not in caplog.text, secret
        assert not any(secret in out for out in outputs), secret
    assert repr(Credentials("nina", pw("nina"))).count(pw("nina")) == 0


def test_the_database_and_its_journal_are_private_to_the_clinic_user(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a typical desktop umask would make files world-readable
    try:
        path = tmp_path / "new" / "vialbook.db"
        db = open_database(str(path))
        from ledger import schema

        schema.upgrade(db)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            modes = {
                p.name: stat.S_IMODE(p.stat().st_mode)
                for p in path.parent.iterdir()
                if p.name.startswith("vialbook.db")
            }
        db.dispose()
    finally:
        os.umask(old)
    assert modes["vialbook.db"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes
    assert any(name.endswith("-wal") for name in modes), modes


def test_on_both_databases_a_nurse_never_reaches_billing_and_an_auditor_only_reads(
    clinic: Clinic,
) -> None:
    """The billing rows of the table on SQLite and PostgreSQL: every billing action refused
    to a nurse (no price, no amount), every billing write refused to an auditor, each
    refusal leaving the ledger as it was; the auditor's reads all answer."""
    _billing(clinic)
    billing_actions = {
        name: (permission, call)
        for name, (permission, _, call) in ACTIONS.items()
        if permission.startswith("billing.") or permission == "patient.diagnose"
    }
    assert len(billing_actions) >= 30
    nina, audrey = clinic.actor("nina"), clinic.actor("audrey")
    before = dump(clinic.db)
    for name, (permission, call) in sorted(billing_actions.items()):
        with pytest.raises(PermissionDenied):
            call(clinic, nina)
        if permission in ("billing.read", "billing.export"):
            call(clinic, audrey)
        else:
            with pytest.raises(PermissionDenied):
                call(clinic, audrey)
        assert dump(clinic.db) == before, name
