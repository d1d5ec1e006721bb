"""Export commands: one per report (`vialbook export REPORT ...`), `export list`,
`export bundle`, and `verify-export`. reportlab and openpyxl load only when a file
is actually written."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from reports.catalogue import ALL_REPORTS, REPORTS
from tui.cli.common import (
    CommandFailed,
    DbOption,
    JsonOption,
    UserOption,
    acting_user,
    emit,
    open_db,
    refusals_printed,
)

export_app = typer.Typer(
    help="Export DEA-style logs as PDF or XLSX, and auditor bundles.", no_args_is_help=True
)

FromOption = Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOption = Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="pdf or xlsx (default: from --out's suffix).")
]
OutOption = Annotated[
    Path, typer.Option("--out", help="File to write (a new file; its folder must exist).")
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace an existing export (never a ledger database or a backup)."
    ),
]
RegistrationOption = Annotated[
    str | None, typer.Option("--registration", help="DEA number (needed when there are several).")
]
VialOption = Annotated[str | None, typer.Option("--vial", help="Only this vial, e.g. K-000123.")]
TakenOption = Annotated[
    str, typer.Option("--taken", help="Inventory taken at the 'opening' or 'close' of business.")
]
ScheduleOption = Annotated[
    str | None, typer.Option("--schedule", help="Only this DEA schedule: 3 (or III), 4, 5.")
]
#: The options a report may go without (see ReportKind.options), by parameter name.
OPTIONAL = {
    "from": "date_from",
    "registration": "registration",
    "vial": "vial",
    "schedule": "schedule",
    "taken": "taken",
}


@contextmanager
def progress_line(as_json: bool) -> Iterator[Callable[[int], None] | None]:
    """A row counter on stderr, only for a person at a terminal (never under --json)."""
    if as_json or not sys.stderr.isatty():
        yield None
        return
    done = [0]

    def tick(rows: int) -> None:
        done[0] += rows
        sys.stderr.write(f"\rexporting... {done[0]:,} rows")
        sys.stderr.flush()

    try:
        yield tick
    finally:
        sys.stderr.write("\r" + " " * 40 + "\r")
        sys.stderr.flush()


def _request(
    date_from: str,
    date_to: str,
    registration: str | None,
    vial: str | None,
    taken: str = "close",
    schedule: str | None = None,
) -> Any:
    from ledger.identifiers import validate_schedule
    from ledger.units import parse_date
    from reports.scope import Request

    return Request(
        date_from=parse_date(date_from, "--from"),
        date_to=parse_date(date_to, "--to"),
        registration=registration,
        vial=vial,
        taken=taken,
        schedule=validate_schedule(schedule) if schedule else None,
    )


def _format(fmt: str | None, out: Path) -> str:
    chosen = (fmt or out.suffix.lstrip(".")).lower()
    if chosen not in ("pdf", "xlsx"):
        raise CommandFailed("UnknownFormat", "give --format pdf or --format xlsx")
    return chosen


def _report_command(name: str, description: str) -> Callable[..., None]:
    @refusals_printed
    def command(
        date_from: FromOption,
        date_to: ToOption,
        out: OutOption,
        fmt: FormatOption = None,
        registration: RegistrationOption = None,
        vial: VialOption = None,
        taken: TakenOption = "close",
        schedule: ScheduleOption = None,
        force: ForceOption = False,
        db: DbOption = None,
        user: UserOption = None,
        as_json: JsonOption = False,
    ) -> None:
        from reports.export import export_report

        chosen = _format(fmt, out)
        request = _request(date_from, date_to, registration, vial, taken, schedule)
        database = open_db(db)
        actor = acting_user(database, user)
        with progress_line(as_json) as tick:
            result = export_report(
                database,
                actor,
                report=name,
                request=request,
                fmt=chosen,
                out=out,
                force=force,
                progress=tick,
            )
        emit(
            as_json,
            result.as_json(),
            lambda: (
                f"wrote {result.path} ({result.bytes:,} bytes)\n"
                f"  sha256 {result.sha256}\n"
                f"  {result.integrity.range_text()}; ledger head #{result.integrity.head_seq} "
                f"{result.integrity.head_hash}"
            ),
        )

    command.__name__ = name.replace("-", "_")
    command.__doc__ = description[0].upper() + description[1:] + "."
    return command


def _with_its_options(command: Callable[..., None], options: frozenset[str]) -> Callable[..., None]:
    """Offer only the options the report reads; the others keep their defaults, and a report
    that takes no --from (an inventory) covers its --to day."""
    dropped = {param for option, param in OPTIONAL.items() if option not in options}
    signature = inspect.signature(command, eval_str=True)

    @functools.wraps(command)
    def run(**kwargs: Any) -> None:
        kwargs.setdefault("date_from", kwargs["date_to"])
        command(**kwargs)

    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for p in signature.parameters.values() if p.name not in dropped]
    )
    return run


for _kind in REPORTS:
    export_app.command(_kind.name)(
        _with_its_options(_report_command(_kind.name, _kind.description), _kind.options)
    )


@export_app.command("list")
def list_reports(as_json: JsonOption = False) -> None:
    """The reports, one per line: name, then what it holds."""
    emit(
        as_json,
        {"reports": [{"name": k.name, "description": k.description} for k in ALL_REPORTS]},
        lambda: "\n".join(f"{k.name:<22} {k.description}" for k in ALL_REPORTS),
    )


@export_app.command("bundle")
@refusals_printed
def bundle(
    date_from: FromOption,
    date_to: ToOption,
    out: OutOption,
    registration: RegistrationOption = None,
    force: ForceOption = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every DEA-style report as PDF and XLSX, zipped with a MANIFEST.json of SHA-256s."""
    from reports.bundle import export_bundle

    request = _request(date_from, date_to, registration, None)
    database = open_db(db)
    actor = acting_user(database, user)
    with progress_line(as_json) as tick:
        manifest = export_bundle(
            database, actor, request=request, out=out, force=force, progress=tick
        )
    ledger = manifest["ledger"]
    emit(
        as_json,
        {"path": str(out), "manifest": manifest},
        lambda: (
            f"wrote {out}: {len(manifest['files'])} files and MANIFEST.json\n"
            f"  ledger head #{ledger['head_seq']} {ledger['head_hash']}"
        ),
    )


@refusals_printed
def verify_export(
    file: Annotated[Path, typer.Argument(help="A bundle (.zip) or one exported PDF or XLSX.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check an export against this ledger; exit 1 on any problem."""
    from reports.verify import verify_export as verify

    database = open_db(db)
    result = verify(database, acting_user(database, user), file)

    def text() -> str:
        if result.ok:
            return (
                f"OK: {result.kind}, {result.files_checked} file(s) match; ledger head "
                f"#{result.head_seq} {result.head_hash} is in the chain"
            )
        return "\n".join(
            [f"PROBLEMS FOUND in {result.path}:"] + [f"  {p}" for p in result.problems]
        )

    emit(as_json, result.as_json(), text)
    if not result.ok:
        raise typer.Exit(1)
