"""`vialbook price ...`, `package ...` and `billing ...`: the price list, packages and the
billing reports (pending charges, liability, aging, statements). Amounts are typed 2400.00
or 2400 and printed the same way; with --json they are integer cents."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.cli.billing_json import plain
from tui.cli.common import (
    DbOption,
    JsonOption,
    UserOption,
    acting_user,
    emit,
    open_db,
    refusals_printed,
)

price_app = typer.Typer(
    help="The price list: service items and their prices.", no_args_is_help=True
)
package_app = typer.Typer(
    help="Packages: series and booster packs sold as prepaid credits.", no_args_is_help=True
)
billing_app = typer.Typer(
    help="Billing reports: pending charges, prepaid liability, aging, statements.",
    no_args_is_help=True,
)

PatientOption = Annotated[str, typer.Option("--patient", help="The patient's MRN.")]
OnOption = Annotated[
    str | None, typer.Option("--on", help="The day, YYYY-MM-DD (default: today at the clinic).")
]


def money(cents: int) -> str:
    from ledger.money import cents_text

    return cents_text(cents)


def day(text: str | None, what: str):  # type: ignore[no-untyped-def]
    from ledger.units import parse_date

    return parse_date(text, what) if text else None


@price_app.command("set")
@refusals_printed
def price_set(
    code: Annotated[str, typer.Option("--code", help="The item's code (MOOD, BOOSTER).")],
    description: Annotated[str, typer.Option("--description")],
    price: Annotated[str, typer.Option("--price", help="Unit price: 450.00 or 450.")],
    cpt: Annotated[str | None, typer.Option("--cpt", help="CPT code (96365, 96366).")] = None,
    hcpcs: Annotated[str | None, typer.Option("--hcpcs", help="HCPCS code (J3490).")] = None,
    other: Annotated[str | None, typer.Option("--code-text", help="Any other code.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="In force from YYYY-MM-DD (default today).")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Price a service item from a date. Issued invoices and sold packages keep their price."""
    from ledger.money import parse_cents
    from ledger.services.billing.prices import set_price

    cents = parse_cents(price, "--price")
    database = open_db(db)
    actor = acting_user(database, user)
    result = set_price(
        database,
        actor,
        code=code,
        description=description,
        price_cents=cents,
        cpt=cpt,
        hcpcs=hcpcs,
        other_code=other,
        effective_from=day(start, "--from"),
    )
    emit(
        as_json,
        plain(result),
        f"{result.code} {money(result.unit_price_cents)} from {result.effective_from}",
    )


@price_app.command("list")
@refusals_printed
def price_list(
    on: OnOption = None, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Every item's price in force on a day."""
    from ledger.services.billing.prices import list_prices

    database = open_db(db)
    rows = list_prices(database, acting_user(database, user), on=day(on, "--on"))
    emit(
        as_json,
        plain(rows),
        lambda: (
            "\n".join(
                f"{p.code:<10} {money(p.unit_price_cents):>10}  {p.cpt or '':<6} "
                f"{p.hcpcs or '':<6} {p.description}  (from {p.effective_from})"
                for p in rows
            )
            or "no prices"
        ),
    )


@package_app.command("define")
@refusals_printed
def package_define(
    code: Annotated[str, typer.Option("--code")],
    name: Annotated[str, typer.Option("--name")],
    sessions: Annotated[int, typer.Option("--sessions", help="Credits it grants.")],
    price: Annotated[str, typer.Option("--price", help="2400.00")],
    valid_days: Annotated[int, typer.Option("--valid-days", help="Days a credit stays valid.")],
    covers: Annotated[
        str,
        typer.Option(
            "--covers",
            help="Item codes a credit pays for: MOOD[,BOOSTER]; the "
            "first is the single infusion a refund counts used sessions at.",
        ),
    ],
    start: Annotated[str | None, typer.Option("--from", help="In force from YYYY-MM-DD.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Define a package (or its new version from a date)."""
    from ledger.money import parse_cents
    from ledger.services.billing.packages import define_package

    cents = parse_cents(price, "--price")
    database = open_db(db)
    result = define_package(
        database,
        acting_user(database, user),
        code=code,
        name=name,
        sessions=sessions,
        price_cents=cents,
        valid_days=valid_days,
        covers=covers.split(","),
        effective_from=day(start, "--from"),
    )
    emit(
        as_json,
        plain(result),
        f"{result.code}: {result.sessions} sessions for {money(result.price_cents)}, valid "
        f"{result.valid_days} days, covers {','.join(result.covers)}",
    )


@package_app.command("list")
@refusals_printed
def package_list(
    on: OnOption = None, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Every package's definition in force on a day."""
    from ledger.services.billing.packages import list_packages

    database = open_db(db)
    rows = list_packages(database, acting_user(database, user), on=day(on, "--on"))
    emit(
        as_json,
        plain(rows),
        lambda: (
            "\n".join(
                f"{p.code:<10} {p.sessions:>3} × for {money(p.price_cents):>10}  "
                f"{p.valid_days} days  covers {','.join(p.covers)}  {p.name}"
                for p in rows
            )
            or "no packages"
        ),
    )


@package_app.command("refund")
@refusals_printed
def package_refund(
    invoice: Annotated[str, typer.Argument(help="The invoice that sold it (id or number).")],
    reason: Annotated[str, typer.Option("--reason")],
    package: Annotated[
        str | None, typer.Option("--package", help="Which package, if it sold several.")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Refund a package's unused credits: paid − sessions used × single price − admin fee."""
    from ledger.services.billing.refunds import refund_package

    database = open_db(db)
    r = refund_package(
        database, acting_user(database, user), invoice, reason=reason, package=package
    )
    emit(
        as_json,
        plain(r),
        f"refunded {money(r.amount_cents)}: paid {money(r.paid_cents)} − {r.sessions_used} used "
        f"× {money(r.single_price_cents)} − fee {money(r.admin_fee_cents)}; "
        f"{r.credits_closed} credits closed"
        + (f"; credit note {r.credit_note}" if r.credit_note else ""),
    )


@billing_app.command("pending")
@refusals_printed
def pending(
    patient: Annotated[str | None, typer.Option("--patient", help="Only this MRN.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Infusions no credit paid for, waiting to be billed."""
    from ledger.services.billing.pending import pending_charges

    database = open_db(db)
    rows = pending_charges(database, acting_user(database, user), patient=patient)
    emit(
        as_json,
        plain(rows),
        lambda: (
            "\n".join(
                f"infusion {p.infusion_id:<6} {p.service_on}  {p.mrn:<10} {p.code:<8} "
                f"{money(p.unit_cents):>10}"
                + (f"  (on draft {p.draft_invoice_id})" if p.draft_invoice_id else "")
                for p in rows
            )
            or "no pending charges"
        ),
    )


@billing_app.command("liability")
@refusals_printed
def liability(
    on: OnOption = None, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Prepaid liability: unused, unexpired credits × their allocated price."""
    from ledger.services.billing.liability import prepaid_liability

    database = open_db(db)
    owed = prepaid_liability(database, acting_user(database, user), on=day(on, "--on"))
    data = {
        "on": owed.on.isoformat(),
        "total_cents": owed.total_cents,
        "credits": owed.credits,
        "patients": plain(owed.patients),
    }
    emit(
        as_json,
        data,
        lambda: "\n".join(
            [
                f"{p.mrn:<10} {p.credits:>3} credits {money(p.liability_cents):>12}  "
                f"(first expires {p.next_expiry})  {p.patient}"
                for p in owed.patients
            ]
            + [f"total on {owed.on}: {owed.credits} credits, {money(owed.total_cents)}"]
        ),
    )


@billing_app.command("aging")
@refusals_printed
def aging(
    on: OnOption = None, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Accounts receivable by age: current, 31-60, 61-90, over 90 days."""
    from ledger.services.billing.aging import ar_aging

    database = open_db(db)
    aged = ar_aging(database, acting_user(database, user), on=day(on, "--on"))
    data = {
        "on": aged.on.isoformat(),
        "totals_cents": aged.totals,
        "total_cents": aged.total_cents,
        "invoices": plain(aged.invoices),
    }
    emit(
        as_json,
        data,
        lambda: "\n".join(
            [
                f"{a.number}  {a.mrn:<10} {a.issued_on}  {a.days:>4} days  {a.bucket:<8} "
                f"{money(a.balance_cents):>10}"
                for a in aged.invoices
            ]
            + [
                "  ".join(f"{k}: {money(v)}" for k, v in aged.totals.items())
                + f"  total: {money(aged.total_cents)}"
            ]
        ),
    )


@billing_app.command("statement")
@refusals_printed
def statement(
    patient: PatientOption,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """A patient's statement: opening balance, what happened, closing balance."""
    from ledger.services.billing.statement import patient_statement
    from ledger.units import parse_date

    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    database = open_db(db)
    s = patient_statement(
        database, acting_user(database, user), patient=patient, start=first, end=last
    )
    data = {
        "patient": s.mrn,
        "patient_name": s.patient,
        "from": s.start.isoformat(),
        "to": s.end.isoformat(),
        "opening_cents": s.opening_cents,
        "lines": plain(s.lines),
        "closing_cents": s.closing_cents,
    }
    emit(
        as_json,
        data,
        lambda: "\n".join(
            [
                f"{s.patient} ({s.mrn}) {s.start} to {s.end}",
                f"opening balance {money(s.opening_cents):>12}",
            ]
            + [
                f"{ln.on}  {ln.document:<16} {ln.description[:40]:<40} "
                f"{money(ln.amount_cents):>10} {money(ln.balance_cents):>12}"
                for ln in s.lines
            ]
            + [f"closing balance {money(s.closing_cents):>12}"]
        ),
    )
