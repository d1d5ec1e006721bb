"""The `vialbook` command line: the root group builds only the command it runs.

`vialbook stock --json` must start like a small tool. Importing every command module and
building every command's Typer definition cost more than the stock query itself, so the
root knows each command by name and module, and builds a command (exactly as Typer would
inside the whole tree) the first time it is run or listed: `vialbook --help` lists them all,
a command imports its own module only. Heavy libraries load inside the commands that need
them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, MutableMapping
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup

#: Every top-level command, in the order `--help` lists them: name -> (module, function).
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("setup_commands", "init"),
    "receive": ("ledger_commands", "receive"),
    "infusion": ("ledger_commands", "infusion"),
    "waste": ("ledger_commands", "waste"),
    "destroy": ("disposal_commands", "destroy"),
    "return": ("disposal_commands", "return_"),
    "loss": ("disposal_commands", "loss"),
    "breakage": ("disposal_commands", "breakage"),
    "transfer": ("correction_commands", "transfer"),
    "adjust": ("correction_commands", "adjust"),
    "reverse": ("correction_commands", "reverse"),
    "quarantine": ("ledger_commands", "quarantine"),
    # Beside `settings set` (tui/cli/setup_commands.py) until its options take these three.
    "alerts": ("count_commands", "alerts"),
    "review-late": ("count_commands", "review_late"),
    "stock": ("query_commands", "stock"),
    "log": ("query_commands", "log"),
    "check": ("query_commands", "check"),
    "backup": ("maintenance_commands", "backup"),
    "restore": ("maintenance_commands", "restore"),
    "verify-export": ("export_commands", "verify_export"),
    "demo": ("demo_commands", "demo"),
    "app": ("demo_commands", "app_command"),
}


def _user_app() -> typer.Typer:
    from tui.cli import setup_commands, user_commands  # noqa: F401 - adds unlock/enable/...

    return setup_commands.user_app


def _patient_app() -> typer.Typer:
    from tui.cli import billing_check_commands, setup_commands

    setup_commands.patient_app.command("diagnose")(billing_check_commands.patient_diagnose)
    return setup_commands.patient_app


def _export_app() -> typer.Typer:
    # billing_export_commands adds the billing documents to `export`.
    from tui.cli import billing_export_commands, export_commands  # noqa: F401

    return export_commands.export_app


def _billing_app() -> typer.Typer:
    from tui.cli import billing_check_commands, billing_commands

    # `billing crosscheck` and `billing gfe-check` join the same group.
    billing_check_commands.register(billing_commands.billing_app)
    return billing_commands.billing_app


#: Every command group, listed after the commands (as Typer lists them): name -> its module
#: and Typer, or what assembles a group whose commands come from several modules.
GROUPS: dict[str, tuple[str, str] | Callable[[], typer.Typer]] = {
    "user": _user_app,
    "registration": ("setup_commands", "registration_app"),
    "supplier": ("setup_commands", "supplier_app"),
    "product": ("setup_commands", "product_app"),
    "patient": _patient_app,
    "db": ("setup_commands", "db_app"),
    "settings": ("setup_commands", "settings_app"),
    "gfe": ("gfe_commands", "gfe_app"),
    "protocol": ("protocol_commands", "protocol_app"),
    "count": ("count_commands", "count_app"),
    "discrepancy": ("count_commands", "discrepancy_app"),
    "export": _export_app,
    "price": ("billing_commands", "price_app"),
    "package": ("billing_commands", "package_app"),
    "invoice": ("invoice_commands", "invoice_app"),
    "payment": ("invoice_commands", "payment_app"),
    "billing": _billing_app,
}


def _from_module(module: str, name: str) -> Any:
    return getattr(import_module(f"tui.cli.{module}"), name)


@functools.cache
def build(name: str) -> Any:
    """The click command for one top-level name, built once, as the whole tree builds it."""
    from typer.main import get_command

    from tui.cli.plain_options import take_text_as_typed

    one = typer.Typer(add_completion=False)
    if name in COMMANDS:
        one.command(name)(_from_module(*COMMANDS[name]))
    else:
        group = GROUPS[name]
        one.add_typer(group() if callable(group) else _from_module(*group), name=name)
    # A callback makes `one` a group holding `name`, as the root holds it, not `name` itself.
    one.callback()(_no_options)
    command = get_command(one).commands[name]  # type: ignore[attr-defined]
    take_text_as_typed(command)
    return command


def _no_options() -> None:
    pass


class _Commands(MutableMapping[str, Any]):
    """The root's commands by name; one is built when it is looked up."""

    def __init__(self) -> None:
        self._added: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._added:
            return self._added[name]
        if name in COMMANDS or name in GROUPS:
            return build(name)
        raise KeyError(name)

    def __setitem__(self, name: str, command: Any) -> None:
        self._added[name] = command

    def __delitem__(self, name: str) -> None:
        del self._added[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from GROUPS
        yield from (n for n in self._added if n not in COMMANDS and n not in GROUPS)

    def __len__(self) -> int:
        return len(list(iter(self)))


class _Root(TyperGroup):
    """The `vialbook` group: names every command, builds the one looked up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)

    def get_help_option(self, ctx: Any) -> Any:
        from tui.cli.plain_options import take_as_typed

        option = super().get_help_option(ctx)
        take_as_typed([option])
        return option


app = typer.Typer(
    name="vialbook",
    help="Controlled-substance ledger for ketamine infusion clinics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Root,
    # The commands are the root's (_Root); this only makes the app a group.
    callback=_no_options,
)


def main() -> None:
    import signal

    # `vialbook log | head` should stop quietly, like any Unix tool, not report an error.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()
