"""Text options and flags are taken as typed, without pydantic.

Typer (0.29) coerces every option through a pydantic TypeAdapter, and builds it even for
an option left at its default (`--help` included): importing pydantic for that costs a
quick command such as `vialbook stock --json` a good share of its start. A value read from
the command line or the environment is already a `str`, which is what pydantic returns for
a `str` option, and a flag read from the command line is already a `bool`, so those get
Typer's own pass-through coercion instead. Numbers, dates, paths, choices and flags read
from the environment still go through pydantic, only in the commands that have them.
tests/test_cli_start.py checks that `stock --json` never imports pydantic.
"""

from __future__ import annotations

from typing import Any


def _taken_as_typed(param: Any) -> bool:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
        return False
    info = descriptor.parameter_info
    if (
        descriptor.file_annotation is not None
        or info.parser is not None
        or getattr(info, "click_type", None) is not None
    ):
        return False
    if descriptor.annotation is str:
        return True
    # A flag's value is a bool from the command line; from the environment it is text
    # ("1", "yes") that only pydantic reads as Typer does.
    return (
        descriptor.annotation is bool
        and bool(getattr(param, "is_flag", False))
        and (not getattr(param, "envvar", None))
    )


def take_as_typed(params: Any) -> None:
    """Give each plain `str` option and command-line flag among `params` the pass-through
    coercion; anything Typer treats specially (a parser, a file, a type) keeps its own."""
    try:
        from typer._coercion import PassThroughRuntimeParam
    except ImportError:  # another Typer: its own coercion stays, only slower to start
        return
    for param in params:
        if param is not None and _taken_as_typed(param):
            annotation = param.type_descriptor.annotation
            param._runtime_param = PassThroughRuntimeParam(
                parameter_info=param.type_descriptor.parameter_info, annotation=annotation
            )


def take_text_as_typed(command: Any) -> None:
    """`take_as_typed` for a command's options and its --help, and its subcommands'."""
    from typer._click import Context

    take_as_typed([*getattr(command, "params", ()), command.get_help_option(Context(command))])
    for sub in getattr(command, "commands", {}).values():
        take_text_as_typed(sub)
