"""Commands that move stock: receive, infusion, waste, destroy, return, loss, breakage,
transfer, adjust and reverse."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.cli.common import (
    DbOption,
    JsonOption,
    UserOption,
    acting_user,
    emit,
    open_db,
    refusals_printed,
    witness,
)

WitnessOption = Annotated[
    str | None,
    typer.Option(
        "--witness", help="Witness username; password from VIALBOOK_WITNESS_PASSWORD or a prompt."
    ),
]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why (required when late).")]
AtOption = Annotated[str | None, typer.Option("--at", help="When it happened (ISO); default now.")]


def _when(database, text: str | None):  # type: ignore[no-untyped-def]
    if not text:
        return None
    from ledger.services.settings import clinic_settings
    from ledger.units import parse_datetime

    with database.read() as session:
        tz = clinic_settings(session).timezone
    return parse_datetime(text, tz)


def _amount(database, vial: str, text: str, what: str) -> int:  # type: ignore[no-untyped-def]
    from ledger.queries.vials import vial_strength
    from ledger.units import parse_amount_ug

    return parse_amount_ug(text, vial_strength(database, vial), what)


def _posted(result, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from ledger.units import mg_text

    emit(
        as_json,
        {
            "movement_ids": result.movement_ids,
            "balances_ug": result.balances_ug,
            "balances_mg": {k: mg_text(v) for k, v in result.balances_ug.items()},
        },
        lambda: "\n".join(
            [f"recorded movements {', '.join(map(str, result.movement_ids))}"]
            + [f"  {k}: {mg_text(v)} mg left" for k, v in result.balances_ug.items()]
        ),
    )


@refusals_printed
def receive(
    supplier: Annotated[str, typer.Option("--supplier", help="Supplier name.")],
    invoice: Annotated[str, typer.Option("--invoice", help="Invoice number.")],
    product: Annotated[str, typer.Option("--product", help="Product NDC.")],
    lot: Annotated[str, typer.Option("--lot")],
    expires: Annotated[str, typer.Option("--expires", help="Lot expiry YYYY-MM-DD.")],
    vials: Annotated[str, typer.Option("--vials", help="Number of containers.")],
    received_at: Annotated[
        str | None, typer.Option("--received-at", help="ISO time received.")
    ] = None,
    registration: Annotated[str | None, typer.Option("--registration", help="DEA number.")] = None,
    reason: ReasonOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a receipt: one sealed, labelled vial per container."""
    from ledger.services.receiving import receive as receive_stock
    from ledger.units import parse_count, parse_date

    count = parse_count(vials, "number of vials", 1000)
    expiry = parse_date(expires, "expiry")
    database = open_db(db)
    when = _when(database, received_at)
    actor = acting_user(database, user)
    result = receive_stock(
        database,
        actor,
        supplier=supplier,
        invoice_number=invoice,
        ndc=product,
        lot=lot,
        expires=expiry,
        vials=count,
        received_at=when,
        registration=registration,
        reason=reason,
    )
    emit(
        as_json,
        {
            "receipt_id": result.receipt_id,
            "vials": result.vials,
            "movement_ids": result.movement_ids,
        },
        f"receipt {result.receipt_id}: {len(result.vials)} vials "
        f"{result.vials[0]}..{result.vials[-1]}",
    )


@refusals_printed
def infusion(
    patient: Annotated[str, typer.Option("--patient", help="MRN or id.")],
    vial: Annotated[str, typer.Option("--vial", help="Vial label, e.g. K-000123.")],
    drawn: Annotated[str, typer.Option("--drawn", help="e.g. 45mg or 0.9mL.")],
    given: Annotated[str, typer.Option("--given")],
    wasted: Annotated[str, typer.Option("--wasted")],
    witness_name: WitnessOption = None,
    weight: Annotated[str | None, typer.Option("--weight", help="e.g. 80kg.")] = None,
    protocol: Annotated[
        str | None, typer.Option("--protocol", help="depression, pain or 0.5mg/kg.")
    ] = None,
    started_at: Annotated[str | None, typer.Option("--started-at")] = None,
    ended_at: Annotated[str | None, typer.Option("--ended-at")] = None,
    drawn_at: Annotated[
        str | None, typer.Option("--drawn-at", help="When drawn; default now.")
    ] = None,
    reason: ReasonOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record an infusion: drawn = given + wasted, with a witness for the waste."""
    from ledger.services.infusions import record_infusion
    from ledger.units import mg_text, parse_weight_g

    database = open_db(db)
    amounts = {
        k: _amount(database, vial, t, k)
        for k, t in (("drawn", drawn), ("given", given), ("wasted", wasted))
    }
    weight_g = parse_weight_g(weight) if weight else None
    times = {
        k: _when(database, t)
        for k, t in (("started_at", started_at), ("ended_at", ended_at), ("drawn_at", drawn_at))
    }
    actor = acting_user(database, user)
    result = record_infusion(
        database,
        actor,
        patient=patient,
        vial=vial,
        drawn_ug=amounts["drawn"],
        given_ug=amounts["given"],
        wasted_ug=amounts["wasted"],
        witness=witness(witness_name),
        weight_g=weight_g,
        protocol=protocol,
        reason=reason,
        **times,
    )
    data = {
        "infusion_id": result.infusion_id,
        "movement_ids": result.movement_ids,
        "vial": result.vial,
        "balance_after_ug": result.balance_after_ug,
        "balance_after_mg": mg_text(result.balance_after_ug),
        "given_mg": mg_text(result.given_ug),
        "wasted_mg": mg_text(result.wasted_ug),
        "ordered_mg": mg_text(result.ordered_ug) if result.ordered_ug is not None else None,
        "late": result.late,
    }
    ordered = f"; ordered {data['ordered_mg']} mg" if result.ordered_ug is not None else ""
    emit(
        as_json,
        data,
        f"infusion {result.infusion_id}: gave {data['given_mg']} mg, wasted "
        f"{data['wasted_mg']} mg{ordered}; {result.vial} has {data['balance_after_mg']} mg left",
    )


@refusals_printed
def waste(
    vial: Annotated[str, typer.Option("--vial")],
    amount: Annotated[str, typer.Option("--amount", help="e.g. 5mg or 0.1mL.")],
    reason: Annotated[str, typer.Option("--reason")],
    method: Annotated[str, typer.Option("--method", help="e.g. drug-disposal container.")],
    witness_name: WitnessOption = None,
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Waste residue outside an infusion (witnessed)."""
    from ledger.services.disposal import waste as waste_residue

    database = open_db(db)
    ug = _amount(database, vial, amount, "amount")
    when = _when(database, at)
    actor = acting_user(database, user)
    _posted(
        waste_residue(
            database,
            actor,
            vial=vial,
            amount_ug=ug,
            reason=reason,
            method=method,
            witness=witness(witness_name),
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def destroy(
    vial: Annotated[list[str], typer.Option("--vial", help="Vial label; repeat for several.")],
    method: Annotated[str, typer.Option("--method", help="How it was made non-retrievable.")],
    reason: Annotated[str, typer.Option("--reason")],
    witness_name: WitnessOption = None,
    witness2: Annotated[
        str | None,
        typer.Option(
            "--witness2", help="Second witness; password from VIALBOOK_WITNESS2_PASSWORD."
        ),
    ] = None,
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Destroy stock on site, with two witnesses (DEA Form 41 data)."""
    from ledger.services.disposal import destroy as destroy_stock

    database = open_db(db)
    when = _when(database, at)
    actor = acting_user(database, user)
    _posted(
        destroy_stock(
            database,
            actor,
            vials=vial,
            method=method,
            reason=reason,
            witness=witness(witness_name),
            second_witness=witness(witness2, "VIALBOOK_WITNESS2_PASSWORD"),
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def return_(
    vial: Annotated[list[str], typer.Option("--vial", help="Vial label; repeat for several.")],
    distributor: Annotated[str, typer.Option("--distributor", help="Reverse distributor's name.")],
    distributor_address: Annotated[str, typer.Option("--distributor-address")],
    distributor_dea: Annotated[str, typer.Option("--distributor-dea")],
    invoice: Annotated[str, typer.Option("--invoice")],
    reason: Annotated[str, typer.Option("--reason")] = "expired stock returned for destruction",
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Return stock to a reverse distributor."""
    from ledger.services.disposal import return_to_reverse_distributor

    database = open_db(db)
    when = _when(database, at)
    actor = acting_user(database, user)
    _posted(
        return_to_reverse_distributor(
            database,
            actor,
            vials=vial,
            distributor_name=distributor,
            distributor_address=distributor_address,
            distributor_dea=distributor_dea,
            invoice_number=invoice,
            reason=reason,
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def loss(
    vial: Annotated[str, typer.Option("--vial")],
    reason: Annotated[str, typer.Option("--reason")],
    amount: Annotated[
        str | None, typer.Option("--amount", help="Default: all that is left.")
    ] = None,
    discovered_at: Annotated[str | None, typer.Option("--discovered-at")] = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a theft or loss as discovered."""
    from ledger.services.disposal import record_loss

    database = open_db(db)
    ug = _amount(database, vial, amount, "amount") if amount else None
    when = _when(database, discovered_at)
    actor = acting_user(database, user)
    _posted(
        record_loss(
            database,
            actor,
            vial=vial,
            amount_ug=ug,
            reason=reason,
            discovered_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def breakage(
    vial: Annotated[str, typer.Option("--vial")],
    reason: Annotated[str, typer.Option("--reason")],
    amount: Annotated[
        str | None, typer.Option("--amount", help="Default: all that is left.")
    ] = None,
    method: Annotated[str | None, typer.Option("--method", help="How it was cleaned up.")] = None,
    witness_name: WitnessOption = None,
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a witnessed breakage or spill."""
    from ledger.services.disposal import record_breakage

    database = open_db(db)
    ug = _amount(database, vial, amount, "amount") if amount else None
    when = _when(database, at)
    actor = acting_user(database, user)
    _posted(
        record_breakage(
            database,
            actor,
            vial=vial,
            amount_ug=ug,
            reason=reason,
            method=method,
            witness=witness(witness_name),
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def transfer(
    vial: Annotated[list[str], typer.Option("--vial", help="Vial label; repeat for several.")],
    to: Annotated[str, typer.Option("--to", help="Destination DEA registration number.")],
    reason: Annotated[str, typer.Option("--reason")],
    reference: Annotated[str | None, typer.Option("--reference", help="Transfer invoice.")] = None,
    at: AtOption = None,
    late_reason: Annotated[str | None, typer.Option("--late-reason")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move vials to another registration of the clinic."""
    from ledger.services.transfers import transfer as transfer_stock

    database = open_db(db)
    when = _when(database, at)
    actor = acting_user(database, user)
    _posted(
        transfer_stock(
            database,
            actor,
            vials=vial,
            to_registration=to,
            reason=reason,
            reference=reference,
            event_at=when,
            late_reason=late_reason,
        ),
        as_json,
    )


@refusals_printed
def adjust(
    vial: Annotated[str, typer.Option("--vial")],
    reason: Annotated[str, typer.Option("--reason")],
    up: Annotated[str | None, typer.Option("--up", help="Add this much to the book.")] = None,
    down: Annotated[str | None, typer.Option("--down", help="Take this much off the book.")] = None,
    witness_name: WitnessOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """A witnessed count adjustment (--up or --down)."""
    from ledger.services.corrections import adjust as adjust_book
    from tui.cli.common import CommandFailed

    if (up is None) == (down is None):
        raise CommandFailed("InvalidAmount", "give exactly one of --up or --down")
    database = open_db(db)
    ug = _amount(database, vial, up or down or "", "adjustment")
    actor = acting_user(database, user)
    _posted(
        adjust_book(
            database,
            actor,
            vial=vial,
            amount_ug=ug if up else -ug,
            reason=reason,
            witness=witness(witness_name),
        ),
        as_json,
    )


@refusals_printed
def reverse(
    movement_id: Annotated[int, typer.Argument(help="The movement to reverse.")],
    reason: Annotated[str, typer.Option("--reason")],
    witness_name: WitnessOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reverse a movement with a new, witnessed, linked entry."""
    from ledger.services.corrections import reverse as reverse_movement

    database = open_db(db)
    actor = acting_user(database, user)
    _posted(
        reverse_movement(
            database, actor, movement_id=movement_id, reason=reason, witness=witness(witness_name)
        ),
        as_json,
    )


@refusals_printed
def quarantine(
    vial: Annotated[str, typer.Option("--vial")],
    reason: Annotated[str, typer.Option("--reason")],
    release: Annotated[bool, typer.Option("--release", help="Return it to use.")] = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a suspect vial aside so nobody draws from it (or --release it)."""
    from ledger.services import quarantine as q

    database = open_db(db)
    actor = acting_user(database, user)
    act = q.release if release else q.quarantine
    state = act(database, actor, vial=vial, reason=reason)
    emit(
        as_json,
        {"vial": vial.strip().upper(), "state": state},
        f"{vial.strip().upper()} is now {state}",
    )
