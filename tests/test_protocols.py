"""Protocols as the clinic's list, and a dose above the order: refused unless confirmed with a
reason, then kept on the infusion and flagged in the administration log."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa

from ledger.check import run_check
from ledger.errors import (
    DuplicateRecord,
    InvalidText,
    OverOrderNeedsReason,
    OverOrderNotConfirmed,
    PermissionDenied,
    ProtocolRetired,
    UnknownProtocol,
)
from ledger.models import AuditEvent, Infusion, SettingsVersion
from ledger.services.infusions import record_infusion
from ledger.services.protocols import add_protocol, list_protocols, retire_protocol
from ledger.services.settings import update_settings
from ledger.settings import clinic_settings
from reports import administration_log, pdf
from reports.scope import Request
from tests.support import Clinic, audit_rows, dump


def infuse(clinic: Clinic, **kw):  # type: ignore[no-untyped-def]
    # MRN1 weighs 80 kg on file: depression (0.5 mg/kg) orders 40 mg.
    args = dict(
        patient="MRN1",
        vial="K-000001",
        drawn_ug=50_000,
        given_ug=50_000,
        wasted_ug=0,
        witness=clinic.witness("omar"),
        protocol="depression",
    )
    args.update(kw)
    return record_infusion(clinic.db, clinic.actor("nina"), **args)


def test_a_new_clinic_has_depression_and_pain_on_its_list(clinic: Clinic) -> None:
    entries = list_protocols(clinic.db, clinic.actor("nina"))
    assert [(e.name, e.ug_per_kg, e.minutes, e.active) for e in entries] == [
        ("depression", 500, 40, True),
        ("pain", 1400, 240, True),
    ]
    assert entries[1].dose_text() == "1.4 mg/kg over 240 min"


def test_a_protocol_not_on_the_list_is_refused_by_name(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(UnknownProtocol, match="depression, pain"):
        infuse(clinic, protocol="banana", given_ug=40_000, wasted_ug=10_000)
    assert dump(clinic.db) == before
    assert audit_rows(clinic.db)[-1] == ("nina", "infusion.record", "refused", "UnknownProtocol")


def test_a_plain_mg_per_kg_dose_still_orders(clinic: Clinic) -> None:
    result = infuse(clinic, protocol="0.6mg/kg", given_ug=48_000, wasted_ug=2_000)
    assert result.ordered_ug == 48_000 and not result.over_order


def test_within_ten_percent_of_the_order_needs_no_confirmation(clinic: Clinic) -> None:
    result = infuse(clinic, given_ug=44_000, wasted_ug=6_000)  # 40 mg ordered, +10% exactly
    assert result.ordered_ug == 40_000 and not result.over_order
    with clinic.db.read() as s:
        inf = s.get(Infusion, result.infusion_id)
        assert not inf.over_order and inf.over_order_reason is None


def test_a_dose_above_the_order_is_refused_and_nothing_changes(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(OverOrderNotConfirmed) as refused:
        infuse(clinic, given_ug=44_001, wasted_ug=5_999)
    assert "44.001 mg is more than 10% above the ordered 40 mg" in str(refused.value)
    assert dump(clinic.db) == before
    # Confirmed without saying why: refused as well.
    with pytest.raises(OverOrderNeedsReason):
        infuse(clinic, confirm_over_order=True, over_order_reason="  ")
    assert dump(clinic.db) == before
    assert [r[3] for r in audit_rows(clinic.db) if r[1] == "infusion.record"][-2:] == [
        "OverOrderNotConfirmed",
        "OverOrderNeedsReason",
    ]


def test_a_given_weight_overrides_the_one_on_file(clinic: Clinic) -> None:
    # 100 kg today: 50 mg ordered, so 50 mg given is within the order.
    result = infuse(clinic, weight_g=100_000)
    assert result.ordered_ug == 50_000 and not result.over_order


def test_a_confirmed_over_order_is_kept_and_flagged_in_the_administration_log(
    clinic: Clinic, tmp_path: Path
) -> None:
    result = infuse(
        clinic, confirm_over_order=True, over_order_reason="prescriber raised the dose today"
    )
    assert result.over_order
    with clinic.db.read() as s:
        inf = s.get(Infusion, result.infusion_id)
        assert inf.over_order and inf.over_order_reason == "prescriber raised the dose today"
        assert (inf.ordered_ug, inf.given_ug, inf.protocol) == (40_000, 50_000, "depression")
    # And a plain one beside it, which carries no mark.
    infuse(clinic, vial="K-000002", given_ug=40_000, wasted_ug=10_000)
    assert run_check(clinic.db).ok

    report = administration_log.build(
        clinic.db, clinic.actor("audrey"), Request(date(2000, 1, 1), date(2100, 1, 1))
    )
    out = tmp_path / "administration.pdf"
    pdf.render(report, out)
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(out).pages)
    assert text.count("OVER ORDER 40 mg:") == 1
    assert "prescriber raised the dose today" in text
    assert "more than 10% above the ordered dose" in text  # the report's note explains it


def test_admin_and_registrant_manage_the_list_and_a_retired_protocol_is_refused(
    clinic: Clinic,
) -> None:
    drkim = clinic.actor("drkim")
    entry = add_protocol(clinic.db, drkim, name="PTSD", ug_per_kg=750, minutes=40)
    assert (entry.name, entry.dose_text()) == ("ptsd", "0.75 mg/kg over 40 min")
    result = infuse(clinic, protocol="ptsd", given_ug=50_000, wasted_ug=0)  # 60 mg ordered
    assert result.ordered_ug == 60_000 and not result.over_order

    with pytest.raises(DuplicateRecord):
        add_protocol(clinic.db, clinic.actor("admin"), name="ptsd", ug_per_kg=500, minutes=40)
    with pytest.raises(InvalidText):
        add_protocol(clinic.db, drkim, name="0.5mg/kg", ug_per_kg=500, minutes=40)
    with pytest.raises(PermissionDenied):
        add_protocol(clinic.db, clinic.actor("nina"), name="other", ug_per_kg=500, minutes=40)

    retire_protocol(clinic.db, clinic.actor("admin"), "ptsd")
    before = dump(clinic.db)
    with pytest.raises(ProtocolRetired):
        infuse(clinic, vial="K-000002", protocol="ptsd", given_ug=40_000, wasted_ug=10_000)
    assert dump(clinic.db) == before
    # The old record keeps its protocol; the list shows it only when asked.
    with clinic.db.read() as s:
        assert s.get(Infusion, result.infusion_id).protocol == "ptsd"
    assert "ptsd" not in [e.name for e in list_protocols(clinic.db, drkim)]
    assert ("ptsd", False) in [
        (e.name, e.active) for e in list_protocols(clinic.db, drkim, retired=True)
    ]
    assert ("admin", "protocol.retire", "ok", None) in audit_rows(clinic.db)


def test_the_idle_lock_minutes_is_a_setting_with_history(clinic: Clinic) -> None:
    with clinic.db.read() as s:
        assert clinic_settings(s).idle_lock_minutes == 5
    update_settings(clinic.db, clinic.actor("admin"), idle_lock_minutes=2)
    with clinic.db.read() as s:
        assert clinic_settings(s).idle_lock_minutes == 2
        newest = (
            s.execute(
                sa.select(SettingsVersion.settings_json).order_by(sa.desc(SettingsVersion.id))
            )
            .scalars()
            .first()
        )
        detail = (
            s.execute(sa.select(AuditEvent.detail).where(AuditEvent.action == "settings.edit"))
            .scalars()
            .all()[-1]
        )
    assert json.loads(newest)["idle_lock_minutes"] == 2
    assert json.loads(detail)["after"] == {"idle_lock_minutes": 2}
    before = dump(clinic.db)
    with pytest.raises(InvalidText):
        update_settings(clinic.db, clinic.actor("admin"), idle_lock_minutes=0)
    assert dump(clinic.db) == before
