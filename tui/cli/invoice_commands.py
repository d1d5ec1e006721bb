"""`vialbook invoice ...` and `payment refund`: drafts, lines, issue, void, credit notes and
payments. INVOICE is a draft's id or an issued number (INV-2026-000123)."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.cli.billing_commands import money
from tui.cli.billing_json import invoice_json, line_json, plain
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

invoice_app = typer.Typer(
    help="Invoices: draft, add lines, issue, show, void, credit note, pay.", no_args_is_help=True
)
payment_app = typer.Typer(help="Payments: refunds.", no_args_is_help=True)

InvoiceArg = Annotated[str, typer.Argument(help="A draft's id or an issued number.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (printed on the record).")]
AmountOption = Annotated[str, typer.Option("--amount", help="100.00 or 100.")]


def _show_text(view) -> str:  # type: ignore[no-untyped-def]
    head = f"{view.number or f'draft {view.id}'} ({view.status}) {view.patient} ({view.mrn})"
    lines = [
        f"  {ln.id:>5} {ln.kind:<9} {ln.description[:44]:<44} {ln.quantity:>3} × "
        f"{money(ln.unit_cents):>10} = {money(ln.line_cents):>10}"
        for ln in view.lines
    ]
    tail = [
        f"  total {money(view.total_cents)}  credited {money(view.credited_cents)}  "
        f"paid {money(view.paid_cents)}  balance {money(view.balance_cents)}"
    ]
    if view.void_reason:
        tail.append(f"  void: {view.void_reason}")
    return "\n".join([head, *lines, *tail])


@invoice_app.command("new")
@refusals_printed
def new(
    patient: Annotated[str, typer.Option("--patient", help="The patient's MRN.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a draft invoice for a patient."""
    from ledger.services.billing.invoices import new_invoice

    database = open_db(db)
    invoice = new_invoice(database, acting_user(database, user), patient=patient)
    emit(as_json, {"invoice": invoice, "status": "draft"}, f"draft invoice {invoice}")


@invoice_app.command("add-line")
@refusals_printed
def add_line(
    invoice: InvoiceArg,
    item: Annotated[str | None, typer.Option("--item", help="A price-list item code.")] = None,
    qty: Annotated[int, typer.Option("--qty", help="Quantity of --item.")] = 1,
    package: Annotated[str | None, typer.Option("--package", help="A package code.")] = None,
    infusion: Annotated[
        int | None, typer.Option("--infusion", help="A delivered infusion's pending charge.")
    ] = None,
    discount: Annotated[
        str | None, typer.Option("--discount", help="A percentage of the lines above: 10%.")
    ] = None,
    discount_amount: Annotated[
        str | None, typer.Option("--discount-amount", help="A fixed discount: 50.00.")
    ] = None,
    manual: Annotated[str | None, typer.Option("--manual", help="A line typed by hand.")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="The --manual line's amount.")] = (
        None
    ),
    reason: Annotated[str | None, typer.Option("--reason", help="Why the discount.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add one line to a draft: an item, a package, an infusion, a discount or a manual line."""
    from ledger.money import parse_cents, parse_percent
    from ledger.services.billing import lines

    chosen = [x is not None for x in (item, package, infusion, discount, discount_amount, manual)]
    if sum(chosen) != 1:
        raise CommandFailed(
            "LineKindRequired",
            "give exactly one of --item, --package, --infusion, --discount, --discount-amount, "
            "--manual",
        )
    if manual is not None and amount is None:
        raise CommandFailed("AmountRequired", "a --manual line needs its --amount")
    if (discount or discount_amount) and not reason:
        raise CommandFailed("ReasonRequired", "a discount needs its --reason")
    percent = parse_percent(discount, "--discount") if discount is not None else None
    off = parse_cents(discount_amount, "--discount-amount") if discount_amount else None
    manual_cents = parse_cents(amount, "--amount") if manual is not None else None
    database = open_db(db)
    actor = acting_user(database, user)
    if item is not None:
        line = lines.add_item_line(database, actor, invoice, code=item, quantity=qty)
    elif package is not None:
        line = lines.add_package_line(database, actor, invoice, code=package)
    elif infusion is not None:
        line = lines.add_infusion_line(database, actor, invoice, infusion_id=infusion)
    elif manual is not None:
        assert manual_cents is not None
        line = lines.add_manual_line(
            database, actor, invoice, description=manual, amount_cents=manual_cents
        )
    else:
        line = lines.add_discount_line(
            database, actor, invoice, reason=str(reason), percent_bp=percent, amount_cents=off
        )
    emit(
        as_json,
        {"invoice": invoice, "line": line_json(line)},
        f"line {line.id}: {line.description} {money(line.line_cents)}",
    )


@invoice_app.command("remove-line")
@refusals_printed
def remove_line(
    invoice: InvoiceArg,
    line: Annotated[int, typer.Option("--line", help="The line's id, as `show` lists it.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a line off a draft."""
    from ledger.services.billing import lines

    database = open_db(db)
    lines.remove_line(database, acting_user(database, user), invoice, line_id=line)
    emit(as_json, {"invoice": invoice, "removed_line": line}, f"line {line} removed")


@invoice_app.command("issue")
@refusals_printed
def issue(
    invoice: InvoiceArg, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Issue a draft: it gets the next number and never changes again."""
    from ledger.services.billing.invoices import issue_invoice

    database = open_db(db)
    r = issue_invoice(database, acting_user(database, user), invoice)
    emit(
        as_json,
        {"invoice": r.invoice_id, "number": r.number, "total_cents": r.total_cents},
        f"issued {r.number} for {money(r.total_cents)}"
        + (f"; {len(r.credit_ids)} credits granted" if r.credit_ids else ""),
    )


@invoice_app.command("show")
@refusals_printed
def show(
    invoice: InvoiceArg, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """An invoice with its lines, total, what was paid and what it still owes."""
    from ledger.services.billing.invoices import show_invoice

    database = open_db(db)
    view = show_invoice(database, acting_user(database, user), invoice)
    emit(as_json, invoice_json(view), lambda: _show_text(view))


@invoice_app.command("void")
@refusals_printed
def void(
    invoice: InvoiceArg,
    reason: ReasonOption,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Void an issued invoice (refused once a credit from it was used or a payment applied)."""
    from ledger.services.billing.corrections import void_invoice

    database = open_db(db)
    void_id = void_invoice(database, acting_user(database, user), invoice, reason=reason)
    emit(as_json, {"invoice": invoice, "void": void_id, "status": "void"}, f"{invoice} voided")


@invoice_app.command("credit-note")
@refusals_printed
def credit_note(
    invoice: InvoiceArg,
    amount: AmountOption,
    reason: ReasonOption,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Credit part of an issued invoice; the invoice itself stays as issued."""
    from ledger.money import parse_cents
    from ledger.services.billing.corrections import credit_note as write

    cents = parse_cents(amount, "--amount")
    database = open_db(db)
    r = write(database, acting_user(database, user), invoice, amount_cents=cents, reason=reason)
    emit(
        as_json,
        {"credit_note": r.credit_note_id, "number": r.number, "invoice": r.invoice_id,
         "amount_cents": r.amount_cents},
        f"credit note {r.number} for {money(r.amount_cents)}",
    )  # fmt: skip


@invoice_app.command("pay")
@refusals_printed
def pay(
    invoice: InvoiceArg,
    amount: AmountOption,
    method: Annotated[
        str, typer.Option("--method", help="cash, card, check, hsa (HSA/FSA), or credit.")
    ],
    reference: Annotated[
        str | None, typer.Option("--reference", help="Card slip, check number...")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a payment; above the balance it becomes patient credit (`--method credit` uses it)."""
    from ledger.money import parse_cents
    from ledger.services.billing.payments import pay_invoice

    cents = parse_cents(amount, "--amount")
    database = open_db(db)
    r = pay_invoice(
        database, acting_user(database, user), invoice, amount_cents=cents, method=method,
        reference=reference,
    )  # fmt: skip
    data = plain(r)
    data = {"payment": data.pop("payment_id"), **data}
    emit(
        as_json,
        data,
        f"payment {r.payment_id}: {money(r.applied_cents)} applied"
        + (f", {money(r.credit_cents)} kept as credit" if r.credit_cents else "")
        + f"; balance {money(r.balance_cents)}",
    )


@payment_app.command("refund")
@refusals_printed
def refund(
    payment: Annotated[int, typer.Argument(help="The payment's id.")],
    amount: AmountOption,
    reason: ReasonOption,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give back part or all of a payment."""
    from ledger.money import parse_cents
    from ledger.services.billing.payments import refund_payment

    cents = parse_cents(amount, "--amount")
    database = open_db(db)
    refund_id = refund_payment(
        database, acting_user(database, user), payment, amount_cents=cents, reason=reason
    )
    emit(
        as_json,
        {"refund": refund_id, "payment": payment, "amount_cents": cents},
        f"refund {refund_id}: {money(cents)} of payment {payment}",
    )
