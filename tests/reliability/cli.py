"""Running the real `vialbook` command line in-process, as a nurse at a terminal would."""

from __future__ import annotations

from click.testing import Result
from typer.testing import CliRunner

from tests.support import pw
from tui.cli import app


def vialbook(
    url: str, *args: str, user: str | None = "nina", witness: str | None = "omar"
) -> Result:
    """`vialbook ARGS` with the database, user and passwords in the environment."""
    env: dict[str, str | None] = {"VIALBOOK_DB": url, "VIALBOOK_DEBUG": None}
    if user:
        env |= {"VIALBOOK_USER": user, "VIALBOOK_PASSWORD": pw(user)}
    if witness:
        env["VIALBOOK_WITNESS_PASSWORD"] = pw(witness)
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=True)


def assert_refused(result: Result, rule: str) -> None:
    """One clear `error: Rule: ...` line, a non-zero exit, and no traceback anywhere."""
    output = result.output
    assert result.exit_code not in (0, None), output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, output
    assert errors[0].startswith(f"error: {rule}: "), output
