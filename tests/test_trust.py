"""What a clinic must be able to trust: only the demo shows the demo's logins, an anchor is a
whole hash, and a script reading --json learns of a refusal."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Static

from ledger.check import run_check
from ledger.database import open_database
from ledger.demo import build_demo
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, audit_rows, dump, pw
from tui.app.vialbook_app import VialbookApp


def _app_as_opened(url: str, monkeypatch: pytest.MonkeyPatch) -> VialbookApp:
    """`vialbook app` exactly as a person runs it, stopped before it takes the terminal."""
    opened: list[VialbookApp] = []
    monkeypatch.setattr(VialbookApp, "run", lambda self, *a, **k: opened.append(self))
    result = vialbook(url, "app", user=None, witness=None)
    assert result.exit_code == 0, result.output
    return opened[0]


async def _login_screen_text(app: VialbookApp) -> str:
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        # The login is up at once; the clinic's name and any demo logins come once the
        # ledger has opened behind it.
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "LoginScreen"
        return "\n".join(str(s.render()) for s in app.screen.query(Static))


async def test_a_real_clinic_named_like_the_demo_shows_no_demo_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = str(tmp_path / "clinic.db")
    monkeypatch.setenv("VIALBOOK_PASSWORD", "boss-long-password")
    made = vialbook(url, "init", "--clinic", "Front Range Ketamine", "--admin", "boss", user=None)
    assert made.exit_code == 0, made.output
    text = await _login_screen_text(_app_as_opened(url, monkeypatch))
    assert "Front Range Ketamine" in text
    assert "demo-pass" not in text and "Demo logins" not in text


async def test_the_demo_shows_its_logins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo.db"
    db = open_database(str(path))
    build_demo(db, seed=2, days=3, per_day=(1, 2), until=date(2026, 6, 30))
    db.dispose()
    text = await _login_screen_text(_app_as_opened(str(path), monkeypatch))
    assert "admin-demo-pass" in text and "nina-demo-pass" in text


def test_a_shortened_anchor_is_refused_as_incomplete_not_called_a_rewrite(
    sqlite_clinic: Clinic,
) -> None:
    url = sqlite_clinic.db.url
    head = run_check(sqlite_clinic.db).head
    assert len(head) == 64
    short = vialbook(url, "check", "--anchor", head[:16], user="audrey")
    assert_refused(short, "AnchorIncomplete")
    assert "full 64-character hash" in short.output
    assert "rewritten" not in short.output
    whole = vialbook(url, "check", "--anchor", head.upper(), user="audrey")
    assert whole.exit_code == 0, whole.output
    gone = vialbook(url, "check", "--anchor", "0" * 63 + "1", user="audrey")
    assert gone.exit_code == 1 and "AnchorNotFound" in gone.output


async def test_the_dashboard_shows_the_whole_head_hash_to_keep(sqlite_clinic: Clinic) -> None:
    head = run_check(sqlite_clinic.db).head
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        health = str(app.screen.query_one("#health", Static).render())
    assert head in health.replace("\n", "")


def test_a_refusal_with_json_prints_the_rule_and_message_on_stdout(sqlite_clinic: Clinic) -> None:
    before = dump(sqlite_clinic.db)
    result = vialbook(
        sqlite_clinic.db.url, "infusion", "--patient", "MRN1", "--vial", "K-000001",
        "--drawn", "50mg", "--given", "47mg", "--wasted", "2mg", "--witness", "omar", "--json",
    )  # fmt: skip
    assert_refused(result, "MassBalanceBroken")
    error = json.loads(result.stdout)["error"]
    assert error["rule"] == "MassBalanceBroken"
    assert error["message"].startswith("drawn (50 mg)")
    assert f"error: MassBalanceBroken: {error['message']}" in result.stderr
    assert dump(sqlite_clinic.db) == before


def test_a_refusal_without_json_prints_nothing_on_stdout(sqlite_clinic: Clinic) -> None:
    result = vialbook(sqlite_clinic.db.url, "log", "--vial", "K-999999")
    assert_refused(result, "UnknownRecord")
    assert result.stdout == ""
    assert audit_rows(sqlite_clinic.db) and pw("nina") not in result.output
