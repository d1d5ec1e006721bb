"""`vialbook settings set --refund-admin-fee 25.00 --infusion-item CODE`, on both databases:
the billing settings are typed as text (money parsed exactly to cents), validated by the
service, and kept in the settings history; a refusal names its rule and changes nothing."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from ledger.database import Database
from ledger.models import SettingsVersion
from tests.support import Clinic, pw
from tui.cli import app

runner = CliRunner()


def _run(clinic: Clinic, user: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"VIALBOOK_USER": user, "VIALBOOK_PASSWORD": pw(user), "VIALBOOK_DB": clinic.db.url}
    return runner.invoke(app, list(args), env=env)


def _versions(db: Database) -> list[dict[str, object]]:
    with db.read() as s:
        rows = s.execute(
            sa.select(SettingsVersion.settings_json).order_by(
                SettingsVersion.id  # type: ignore[arg-type]
            )
        ).all()
    return [json.loads(text) for (text,) in rows]


def test_the_refund_fee_and_infusion_item_are_set_and_kept_in_history(clinic: Clinic) -> None:
    before = _versions(clinic.db)
    done = _run(
        clinic, "admin", "settings", "set", "--refund-admin-fee", "25.00",
        "--infusion-item", "booster", "--json",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    saved = json.loads(done.output)
    assert (saved["refund_admin_fee_cents"], saved["infusion_item_code"]) == (2_500, "BOOSTER")
    shown = json.loads(_run(clinic, "admin", "settings", "show", "--json").output)
    assert (shown["refund_admin_fee_cents"], shown["infusion_item_code"]) == (2_500, "BOOSTER")
    after = _versions(clinic.db)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert (after[-1]["refund_admin_fee_cents"], after[-1]["infusion_item_code"]) == (
        2_500,
        "BOOSTER",
    )
    # A fee typed without cents is still exact: 30 is 30.00.
    again = _run(clinic, "admin", "settings", "set", "--refund-admin-fee", "30", "--json")
    assert json.loads(again.output)["refund_admin_fee_cents"] == 3_000


def test_a_bad_fee_or_item_is_refused_and_changes_nothing(clinic: Clinic) -> None:
    before = _versions(clinic.db)
    for args, rule in (
        (("--refund-admin-fee", "25.001"), "InvalidAmount"),
        (("--refund-admin-fee", "-5.00"), "InvalidAmount"),
        (("--refund-admin-fee", "2000000.00"), "InvalidText"),
        (("--infusion-item", "   "), "InvalidText"),
    ):
        refused = _run(clinic, "admin", "settings", "set", *args)
        assert refused.exit_code == 1 and rule in refused.output, (args, refused.output)
        assert "Traceback" not in refused.output
    nurse = _run(clinic, "nina", "settings", "set", "--refund-admin-fee", "25.00")
    assert nurse.exit_code == 1 and "PermissionDenied" in nurse.output
    assert _versions(clinic.db) == before
