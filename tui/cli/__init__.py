"""The `vialbook` command line. Heavy libraries load inside the commands that need them."""

from __future__ import annotations

import typer

from tui.cli import (
    billing_check_commands,
    billing_commands,
    billing_export_commands,  # noqa: F401 - registers the billing documents under `export`
    correction_commands,
    count_commands,
    demo_commands,
    disposal_commands,
    export_commands,
    gfe_commands,
    invoice_commands,
    ledger_commands,
    maintenance_commands,
    query_commands,
    setup_commands,
    user_commands,  # noqa: F401 - registers user unlock/enable/reset-password/password
)

app = typer.Typer(
    name="vialbook",
    help="Controlled-substance ledger for ketamine infusion clinics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("init")(setup_commands.init)
app.add_typer(setup_commands.user_app, name="user")
app.add_typer(setup_commands.registration_app, name="registration")
app.add_typer(setup_commands.supplier_app, name="supplier")
app.add_typer(setup_commands.product_app, name="product")
app.add_typer(setup_commands.patient_app, name="patient")
app.add_typer(setup_commands.db_app, name="db")
app.add_typer(setup_commands.settings_app, name="settings")
setup_commands.patient_app.command("diagnose")(billing_check_commands.patient_diagnose)
app.add_typer(gfe_commands.gfe_app, name="gfe")

app.command("receive")(ledger_commands.receive)
app.command("infusion")(ledger_commands.infusion)
app.command("waste")(ledger_commands.waste)
app.command("destroy")(disposal_commands.destroy)
app.command("return")(disposal_commands.return_)
app.command("loss")(disposal_commands.loss)
app.command("breakage")(disposal_commands.breakage)
app.command("transfer")(correction_commands.transfer)
app.command("adjust")(correction_commands.adjust)
app.command("reverse")(correction_commands.reverse)
app.command("quarantine")(ledger_commands.quarantine)

app.add_typer(count_commands.count_app, name="count")
app.add_typer(count_commands.discrepancy_app, name="discrepancy")
# Beside `settings set` (tui/cli/setup_commands.py) until its options take these three.
app.command("alerts")(count_commands.alerts)

app.command("stock")(query_commands.stock)
app.command("log")(query_commands.log)
app.command("check")(query_commands.check)
app.command("backup")(maintenance_commands.backup)
app.command("restore")(maintenance_commands.restore)
app.add_typer(export_commands.export_app, name="export")

app.add_typer(billing_commands.price_app, name="price")
app.add_typer(billing_commands.package_app, name="package")
app.add_typer(invoice_commands.invoice_app, name="invoice")
app.add_typer(invoice_commands.payment_app, name="payment")
app.add_typer(billing_commands.billing_app, name="billing")
# `billing crosscheck` and `billing gfe-check` join the same group.
billing_check_commands.register(billing_commands.billing_app)
app.command("verify-export")(export_commands.verify_export)

app.command("demo")(demo_commands.demo)
app.command("app")(demo_commands.app_command)


def main() -> None:
    import signal

    # `vialbook log | head` should stop quietly, like any Unix tool, not report an error.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()
