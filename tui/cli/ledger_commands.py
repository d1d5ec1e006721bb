"""Commands at the shelf and the chair: receive, infusion, waste and quarantine."""

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
from tui.cli.ledger_options import (
    AtOption,
    LateReasonOption,
    OldLateReasonOption,
    WitnessOption,
    clinic_time,
    late_reason_given,
    print_posted,
    vial_amount,
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
    late_reason: LateReasonOption = None,
    old_reason: OldLateReasonOption = None,
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
    when = clinic_time(database, received_at)
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
        reason=late_reason_given(late_reason, old_reason),
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
        str | None,
        typer.Option("--protocol", help="A protocol from `protocol list`, or a dose: 0.5mg/kg."),
    ] = None,
    confirm_over_order: Annotated[
        bool,
        typer.Option(
            "--confirm-over-order", help="Given more than 10% above the order, on purpose."
        ),
    ] = False,
    over_order_reason: Annotated[
        str | None,
        typer.Option("--over-order-reason", help="Why the dose is above the order."),
    ] = None,
    started_at: Annotated[str | None, typer.Option("--started-at")] = None,
    ended_at: Annotated[str | None, typer.Option("--ended-at")] = None,
    service: Annotated[
        str | None,
        typer.Option("--service", help="Price-list item it is billed as (default: by protocol)."),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            help="Username of the rendering provider, when not the medical director "
            "(printed on the superbill).",
        ),
    ] = None,
    drawn_at: Annotated[
        str | None, typer.Option("--drawn-at", help="When drawn; default now.")
    ] = None,
    late_reason: LateReasonOption = None,
    old_reason: OldLateReasonOption = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record an infusion: drawn = given + wasted, with a witness for the waste."""
    from ledger.services.infusions import record_infusion
    from ledger.units import mg_text, parse_weight_g

    database = open_db(db)
    amounts = {
        k: vial_amount(database, vial, t, k)
        for k, t in (("drawn", drawn), ("given", given), ("wasted", wasted))
    }
    weight_g = parse_weight_g(weight) if weight else None
    times = {
        k: clinic_time(database, t)
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
        service=service,
        rendering_provider=provider,
        reason=late_reason_given(late_reason, old_reason),
        confirm_over_order=confirm_over_order,
        over_order_reason=over_order_reason,
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
        "over_order": result.over_order,
    }
    ordered = f"; ordered {data['ordered_mg']} mg" if result.ordered_ug is not None else ""
    if result.over_order:
        ordered += " (over the order, confirmed)"
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
    ug = vial_amount(database, vial, amount, "amount")
    when = clinic_time(database, at)
    actor = acting_user(database, user)
    print_posted(
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
