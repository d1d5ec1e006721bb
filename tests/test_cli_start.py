"""Commands start like a small tool: each loads what it uses, and `--help` still lists all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tests.support import Clinic, pw
from tui.cli import COMMANDS, GROUPS, app

ROOT = Path(__file__).resolve().parent.parent

#: What `vialbook stock --json` must never import: the ORM models and what builds them,
#: the UI, the report libraries, the PostgreSQL driver, and every other command's module.
NOT_FOR_STOCK = (
    "sqlmodel",
    "pydantic",
    "sqlalchemy.orm",
    "ledger.models",
    "ledger.unit_of_work",
    "psycopg",
    "textual",
    "openpyxl",
    "reportlab",
    "alembic",
    "tui.cli.setup_commands",
    "tui.cli.export_commands",
    "tui.cli.billing_commands",
)


def _modules_after(
    args: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess, set[str]]:  # type: ignore[type-arg]
    code = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: print('MODULES ' + json.dumps(sorted(sys.modules)),"
        " file=sys.stderr))\n"
        f"sys.argv = ['vialbook', *{args!r}]\n"
        "from tui.cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    return done, set(json.loads(line.removeprefix("MODULES ")))


def test_stock_as_json_signs_in_and_answers_without_the_orm(sqlite_clinic: Clinic) -> None:
    import os

    env = dict(os.environ, VIALBOOK_USER="audrey", VIALBOOK_PASSWORD=pw("audrey"))
    done, modules = _modules_after(["stock", "--json", "--db", sqlite_clinic.db.url], env)
    assert done.returncode == 0, done.stderr
    stock = json.loads(done.stdout)
    assert stock["vials"] and stock["products"]
    # It still verifies the password with argon2, as every command does.
    assert "argon2" in modules
    assert (
        sorted(m for m in modules if m.split(".")[0] in NOT_FOR_STOCK or m in NOT_FOR_STOCK) == []
    )
    loaded = {m for m in modules for bad in NOT_FOR_STOCK if m == bad or m.startswith(bad + ".")}
    assert loaded == set()


def test_stock_refuses_a_wrong_password_without_the_orm(sqlite_clinic: Clinic) -> None:
    import os

    env = dict(os.environ, VIALBOOK_USER="audrey", VIALBOOK_PASSWORD="not-her-password")
    done, modules = _modules_after(["stock", "--json", "--db", sqlite_clinic.db.url], env)
    assert done.returncode == 1
    assert json.loads(done.stdout) == {
        "error": {"rule": "WrongPassword", "message": "wrong username or password"}
    }
    assert not {m for m in modules if m == "sqlmodel" or m.startswith("pydantic")}


def test_help_lists_every_command_with_its_help_text() -> None:
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    listed = {}
    for line in out.stdout.splitlines():
        cells = line.strip("│ ").split(None, 1)
        if len(cells) == 2 and cells[0] in {*COMMANDS, *GROUPS}:
            listed[cells[0]] = cells[1]
    assert set(listed) == {*COMMANDS, *GROUPS}
    # Each shows the first line of its own help, as Typer builds it inside the whole tree.
    from tui.cli import build

    for name, text in listed.items():
        first = (build(name).help or "").strip().splitlines()[0]
        assert text.startswith(first[:40]), (name, text, first)
    assert listed["stock"].startswith("Stock on hand per vial and per product")


def test_help_lists_commands_then_groups_in_their_order() -> None:
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    names = [
        cells[0]
        for line in out.stdout.splitlines()
        if (cells := line.strip("│ ").split(None, 1)) and cells[0] in {*COMMANDS, *GROUPS}
    ]
    assert names == [*COMMANDS, *GROUPS]


def test_help_needs_no_database_ui_or_report_library() -> None:
    done, modules = _modules_after(["--help"], env={"PATH": "", "COLUMNS": "100"})
    assert done.returncode == 0
    heavy = ("sqlalchemy", "sqlmodel", "pydantic", "textual", "openpyxl", "reportlab", "argon2")
    assert not {m for m in modules if m.split(".")[0] in heavy}


def test_a_mistyped_command_is_refused_with_a_suggestion() -> None:
    out = CliRunner().invoke(app, ["stok"])
    assert out.exit_code == 2
    assert "No such command 'stok'" in out.output
    assert "Did you mean 'stock'?" in out.output


def test_groups_assembled_from_several_modules_have_all_their_commands() -> None:
    from tui.cli import build

    assert {"unlock", "enable", "reset-password", "password"} <= set(build("user").commands)
    assert "diagnose" in build("patient").commands
    assert {"invoice", "superbill", "receipt"} <= set(build("export").commands)
    assert {"crosscheck", "gfe-check"} <= set(build("billing").commands)


def test_text_options_are_kept_exactly_as_typed(sqlite_clinic: Clinic) -> None:
    r = CliRunner().invoke(
        app,
        ["stock", "--json", "--registration", "  no-such-dea  "],
        env={
            "VIALBOOK_DB": sqlite_clinic.db.url,
            "VIALBOOK_USER": "audrey",
            "VIALBOOK_PASSWORD": pw("audrey"),
        },
    )
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"vials": [], "products": []}
