"""`vialbook count ...` and `vialbook discrepancy ...`: the blind count and what it finds."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from tui.cli.common import (
    CommandFailed,
    DbOption,
    JsonOption,
    UserOption,
    acting_user,
    emit,
    open_db,
    refusals_printed,
    witness,
)
from tui.cli.ledger_options import WitnessOption

count_app = typer.Typer(help="Blind counts of the shelf against the book.", no_args_is_help=True)
discrepancy_app = typer.Typer(
    help="Discrepancies a count or a loss opened: investigate, resolve, escalate.",
    no_args_is_help=True,
)

CountId = Annotated[int, typer.Argument(help="The count's id, as `count start` printed it.")]
DiscrepancyId = Annotated[int, typer.Argument(help="The discrepancy's id.")]


def _mg(ug: int | None) -> str:
    from ledger.units import mg_text

    return "-" if ug is None else f"{mg_text(ug)} mg"


@count_app.command("start")
@refusals_printed
def start(
    kind: Annotated[str, typer.Option("--kind", help="routine, initial, biennial or adhoc.")] = (
        "routine"
    ),
    at: Annotated[
        str | None, typer.Option("--at", help="opening or close of business (inventories).")
    ] = None,
    witness_name: Annotated[
        str | None, typer.Option("--witness", help="Who watches the count (signs approvals).")
    ] = None,
    registration: Annotated[str | None, typer.Option("--registration")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a count and print its id."""
    from ledger.services.counts import start_count

    database = open_db(db)
    actor = acting_user(database, user)
    count = start_count(
        database, actor, kind=kind, at=at, witness=witness_name, registration=registration
    )
    data = {"count": count, "kind": kind, "at": at, "witness": witness_name}
    emit(as_json, data, f"count {count} started ({kind})")


@count_app.command("record")
@refusals_printed
def record(
    count: CountId,
    vial: Annotated[str, typer.Option("--vial")],
    present: Annotated[bool, typer.Option("--present", help="A sealed vial is there.")] = False,
    missing: Annotated[bool, typer.Option("--missing", help="A sealed vial is not.")] = False,
    ml: Annotated[
        str | None, typer.Option("--ml", help="An open vial, read off its graduations: 3.2mL.")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record one vial (again replaces its line; the earlier reading stays in its history).
    Blind: nothing printed here comes from the book."""
    from ledger.services.counts import record_line

    if present + missing + (ml is not None) != 1:
        raise CommandFailed("CountReadingInvalid", "give exactly one of --present, --missing, --ml")
    reading = "present" if present else "missing" if missing else str(ml)
    database = open_db(db)
    actor = acting_user(database, user)
    line = record_line(database, actor, count, vial=vial, reading=reading)
    shown = line.get("counted_ml")
    emit(
        as_json,
        line,
        f"count {count}: {line['vial']} "
        + (f"{shown} mL" if shown is not None else str(line["reading"])),
    )


@count_app.command("import")
@refusals_printed
def import_sheet(
    count: CountId,
    path: Annotated[Path, typer.Argument(help="CSV: vial,present|missing|mL a line.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load a paper count sheet: every line, or none and the line at fault named."""
    from ledger.services.counts import import_lines

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandFailed("ImportRejected", f"{path}: {exc.strerror}") from None
    database = open_db(db)
    actor = acting_user(database, user)
    n = import_lines(database, actor, count, data)
    emit(as_json, {"count": count, "lines": n}, f"count {count}: {n} lines recorded")


def _results_text(count: int, lines: list[Any]) -> str:
    rows = [f"count {count}"]
    rows.append(f"{'vial':<12} {'book':>12} {'counted':>12} {'variance':>14} {'mL':>8}  outcome")
    for r in lines:
        var = "-" if r.variance_ug is None else f"{r.variance_ug} µg"
        found = f" (discrepancy {r.discrepancy})" if r.discrepancy else ""
        rows.append(
            f"{r.vial:<12} {_mg(r.book_ug):>12} {_mg(r.counted_ug):>12} {var:>14} "
            f"{r.variance_ml or '-':>8}  {r.outcome}{found}"
        )
    return "\n".join(rows)


@count_app.command("submit")
@refusals_printed
def submit(
    count: CountId, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Compare each vial with its book balance now. A count never changes a balance."""
    from ledger.services.counts import submit_count

    database = open_db(db)
    actor = acting_user(database, user)
    lines = submit_count(database, actor, count)
    data = {"count": count, "lines": [r.as_json() for r in lines]}
    emit(as_json, data, lambda: _results_text(count, lines))


@count_app.command("approve")
@refusals_printed
def approve(
    count: CountId,
    vial: Annotated[str, typer.Option("--vial")],
    reason: Annotated[str, typer.Option("--reason")],
    witness_name: WitnessOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """The registrant signs off a variance: one witnessed adjustment, linked to the line.
    The count's witness (or, without one, any witness) re-enters their password."""
    from ledger.services.counts import approve as approve_line

    database = open_db(db)
    actor = acting_user(database, user)
    movement = approve_line(
        database, actor, count, vial=vial, reason=reason, witness=witness(witness_name)
    )
    emit(
        as_json,
        {"count": count, "vial": vial, "movement": movement},
        f"count {count}: {vial} approved; adjustment is movement {movement}",
    )


@count_app.command("sign")
@refusals_printed
def sign(
    count: CountId, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """The registrant signs a submitted initial, biennial or ad-hoc count: it is then the
    inventory record (`vialbook export inventory --count ID` prints it)."""
    from ledger.services.inventories import sign_count

    database = open_db(db)
    signed = sign_count(database, acting_user(database, user), count)
    due = signed["next_inventory_due"]
    emit(
        as_json,
        signed,
        f"count {count} ({signed['kind']}) signed by {signed['signed_by']}"
        + (f"; next biennial inventory due {due}" if due else ""),
    )


# -- discrepancies ---------------------------------------------------------------------------
def _summary_text(d: dict[str, Any]) -> str:
    due = f"  notice due {d['notice_due']}, form due {d['form_due']}" if d["notice_due"] else ""
    return (
        f"{d['id']:>4}  {d['status']:<13} {d['vial']:<12} short {d['short_mg']} mg, "
        f"found {d['discovered_on']}{due}"
    )


@discrepancy_app.command("list")
@refusals_printed
def list_(
    status: Annotated[
        str | None,
        typer.Option("--status", help="open, investigating, resolved or escalated."),
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every discrepancy, or those with one status."""
    from ledger.services.discrepancies import list_discrepancies

    database = open_db(db)
    found = list_discrepancies(database, acting_user(database, user), status)
    emit(as_json, found, lambda: "\n".join(map(_summary_text, found)) or "no discrepancies")


@discrepancy_app.command("show")
@refusals_printed
def show(
    discrepancy: DiscrepancyId,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """One discrepancy with its notes (and its Form 106 draft once escalated)."""
    from ledger.services.discrepancies import show_discrepancy

    database = open_db(db)
    d = show_discrepancy(database, acting_user(database, user), discrepancy)

    def text() -> str:
        rows = [_summary_text(d)]
        rows += [f"  {n['at']} {n['by']}: {n['text']}" for n in d["notes"]]
        if d["explanation"]:
            rows.append(f"  resolved: {d['explanation']}")
        return "\n".join(rows)

    emit(as_json, d, text)


@discrepancy_app.command("note")
@refusals_printed
def note(
    discrepancy: DiscrepancyId,
    text: Annotated[str, typer.Option("--text")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an investigation note (notes are never edited)."""
    from ledger.services.discrepancies import add_note

    database = open_db(db)
    n = add_note(database, acting_user(database, user), discrepancy, text=text)
    emit(as_json, {"discrepancy": discrepancy, "note": n}, f"note {n} added")


@discrepancy_app.command("resolve")
@refusals_printed
def resolve(
    discrepancy: DiscrepancyId,
    explanation: Annotated[str, typer.Option("--explanation")],
    movement: Annotated[
        int | None, typer.Option("--movement", help="The correcting entry that explains it.")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Explained: closed with the explanation (and the entry that corrects the book)."""
    from ledger.services.discrepancies import resolve as resolve_it

    database = open_db(db)
    d = resolve_it(
        database, acting_user(database, user), discrepancy, explanation=explanation,
        movement=movement,
    )  # fmt: skip
    emit(as_json, d, f"discrepancy {discrepancy} resolved")


@discrepancy_app.command("escalate")
@refusals_printed
def escalate(
    discrepancy: DiscrepancyId,
    loss_type: Annotated[
        str, typer.Option("--type", help="theft, significant-loss or in-transit-loss.")
    ],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """The registrant escalates to the DEA: the Form 106 draft and its two deadlines."""
    from ledger.services.discrepancies import escalate as escalate_it

    database = open_db(db)
    draft = escalate_it(database, acting_user(database, user), discrepancy, loss_type=loss_type)

    def text() -> str:
        rows = [
            f"Form 106 draft for discrepancy {discrepancy} ({draft['loss_type']})",
            f"  {draft['registrant']}, {draft['address']}, DEA {draft['dea_number']}",
        ]
        for p in draft["products"]:
            rows.append(
                f"  {p['name']} NDC {p['ndc']} lot {p['lot']}: {p['quantity_lost_mg']} mg, "
                f"{p['containers_lost']} container(s)"
            )
        rows.append(f"  discovered {draft['discovered_on']}")
        rows.append(f"  written notice to the DEA Field Division due {draft['notice_due']}")
        rows.append(f"  Form 106 due {draft['form_due']}")
        return "\n".join(rows)

    emit(as_json, draft, text)


@discrepancy_app.command("confirm-loss")
@refusals_printed
def confirm_loss(
    discrepancy: DiscrepancyId,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Confirm the draft: the `loss` movement, linked to the discrepancy."""
    from ledger.services.discrepancies import confirm_loss as confirm

    database = open_db(db)
    movement = confirm(database, acting_user(database, user), discrepancy)
    emit(
        as_json,
        {"discrepancy": discrepancy, "movement": movement},
        f"loss recorded as movement {movement}",
    )


# -- the count's settings ----------------------------------------------------------------------
_ML = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,3})?)\s*(?:ml)?", re.IGNORECASE)


def ml_as_ul(text: str | None, option: str) -> int | None:
    """`0.1` or `0.1mL` -> 100 µL, exactly."""
    if text is None:
        return None
    m = _ML.fullmatch(text.strip())
    if m is None:
        raise CommandFailed("InvalidAmount", f"{option} {text!r} is not a volume like 0.1mL")
    return int(Decimal(m[1]) * 1000)


@refusals_printed
def alerts(db: DbOption = None, user: UserOption = None, as_json: JsonOption = False) -> None:
    """What needs acting on now: vials near or past their dates, counts and inventories due,
    discrepancies, Form 106 deadlines, the registration's renewal, late entries to review."""
    from ledger.queries.alerts import alerts as current_alerts

    database = open_db(db)
    found = current_alerts(database, acting_user(database, user))
    emit(
        as_json,
        [a.as_json() for a in found],
        lambda: (
            "\n".join(
                f"{a.kind:<22} {a.subject:<16} {str(a.due or ''):<10}  {a.message}" for a in found
            )
            or "no alerts"
        ),
    )


@refusals_printed
def review_late(
    movement: Annotated[int, typer.Argument(help="The late entry's movement number.")],
    note: Annotated[str | None, typer.Option("--note", help="What the review found.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """The registrant marks a late entry reviewed (the entry itself never changes)."""
    from ledger.services.reviews import review_late as review

    database = open_db(db)
    done = review(database, acting_user(database, user), movement, note=note)
    emit(as_json, done, f"late entry {movement} reviewed by {done['reviewed_by']}")
