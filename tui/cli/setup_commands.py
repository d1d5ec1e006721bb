"""Commands that set the clinic up: init, users, registrations, suppliers, products, patients."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tui.cli.common import (
    CommandFailed,
    DbOption,
    JsonOption,
    UserOption,
    acting_user,
    emit,
    open_db,
    password_for,
    refusals_printed,
)

user_app = typer.Typer(help="Staff accounts and their roles.", no_args_is_help=True)
registration_app = typer.Typer(help="DEA registrations (locations).", no_args_is_help=True)
supplier_app = typer.Typer(help="Suppliers of controlled drugs.", no_args_is_help=True)
product_app = typer.Typer(help="Drug products (NDC, strength, container).", no_args_is_help=True)
patient_app = typer.Typer(help="Patients.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@refusals_printed
def init(
    clinic: Annotated[str, typer.Option("--clinic", help="The clinic's name.")],
    admin: Annotated[str, typer.Option("--admin", help="Username of the first admin.")],
    admin_name: Annotated[
        str | None, typer.Option("--admin-name", help="Admin's full name.")
    ] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="IANA zone.")] = "America/New_York",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create (or upgrade) the schema and the first admin; on an existing clinic, only upgrade."""
    from ledger import schema
    from ledger.database import open_database
    from ledger.services.users import init_clinic
    from ledger.settings import clinic_settings

    database = open_database(db)
    schema.upgrade(database)
    with database.read() as session:
        try:
            existing = clinic_settings(session).name
        except Exception:  # noqa: BLE001 - no settings row yet means a new clinic
            existing = None
    if existing is not None:
        revision = schema.current_revision(database)
        emit(
            as_json,
            {"upgraded": True, "clinic": existing, "revision": revision},
            f"clinic {existing!r} already set up; schema upgraded to {revision}",
        )
        return
    password = password_for(admin, "VIALBOOK_PASSWORD", "New admin password", new=True)
    admin_id = init_clinic(
        database,
        clinic_name=clinic,
        admin_username=admin,
        admin_full_name=admin_name or admin,
        admin_password=password,
        timezone=timezone,
    )
    emit(
        as_json,
        {"clinic": clinic, "admin_id": admin_id, "admin": admin},
        f"clinic {clinic!r} created; admin {admin!r} (id {admin_id})",
    )


@user_app.command("add")
@refusals_printed
def user_add(
    username: str,
    name: Annotated[str, typer.Option("--name", help="Full name.")],
    role: Annotated[list[str], typer.Option("--role", help="Role; repeat for several.")],
    npi: Annotated[
        str | None, typer.Option("--npi", help="A provider's 10-digit NPI (check digit verified).")
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a staff account (admin only). Password from VIALBOOK_NEW_PASSWORD or a prompt."""
    from ledger.services.users import add_user, normalize_username

    database = open_db(db)
    actor = acting_user(database, user)
    stored = normalize_username(username)
    password = password_for(stored, "VIALBOOK_NEW_PASSWORD", "New user's password", new=True)
    uid = add_user(
        database, actor, username=username, full_name=name, roles=role, password=password, npi=npi
    )
    # Say the name as stored: it is the one the new user signs in with.
    emit(as_json, {"user_id": uid, "username": stored}, f"user {stored} added (id {uid})")


@user_app.command("list")
@refusals_printed
def user_list(db: DbOption = None, user: UserOption = None, as_json: JsonOption = False) -> None:
    """List staff accounts."""
    from ledger.services.users import list_users

    database = open_db(db)
    rows = list_users(database, acting_user(database, user))
    emit(
        as_json,
        {"users": rows},
        lambda: "\n".join(
            f"{r['username']:<16} {r['full_name']:<28} {','.join(r['roles']):<24} "  # type: ignore[arg-type]
            f"{'active' if r['active'] else 'disabled'}{' LOCKED' if r['locked'] else ''}"
            for r in rows
        ),
    )


@user_app.command("disable")
@refusals_printed
def user_disable(
    username: str, db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Disable an account: it can no longer log in, act or witness."""
    from ledger.services.users import disable_user

    database = open_db(db)
    uid = disable_user(database, acting_user(database, user), username)
    emit(
        as_json,
        {"user_id": uid, "username": username, "active": False},
        f"user {username} disabled",
    )


@registration_app.command("add")
@refusals_printed
def registration_add(
    dea: Annotated[str, typer.Option("--dea", help="DEA registration number.")],
    registrant: Annotated[str, typer.Option("--registrant")],
    address: Annotated[str, typer.Option("--address")],
    schedules: Annotated[str, typer.Option("--schedules", help="Covered schedules, e.g. 3,4.")],
    expires: Annotated[str, typer.Option("--expires", help="Expiry date YYYY-MM-DD.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a DEA registration (a registered location)."""
    from ledger.identifiers import parse_schedules
    from ledger.services.catalogue import add_registration
    from ledger.units import parse_date

    covered = parse_schedules(schedules)
    expiry = parse_date(expires, "expiry")
    database = open_db(db)
    rid = add_registration(
        database,
        acting_user(database, user),
        dea_number=dea,
        registrant=registrant,
        address=address,
        schedules=covered,
        expires=expiry,
    )
    emit(
        as_json,
        {"registration_id": rid, "dea_number": dea.strip().upper()},
        f"registration {dea.strip().upper()} added (id {rid})",
    )


@registration_app.command("renew")
@refusals_printed
def registration_renew(
    dea: Annotated[str, typer.Option("--dea", help="DEA registration number.")],
    expires: Annotated[str, typer.Option("--expires", help="The new expiry date YYYY-MM-DD.")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a renewed DEA registration's new expiry (it clears registration_expiring)."""
    from ledger.services.catalogue import renew_registration
    from ledger.units import parse_date

    expiry = parse_date(expires, "expiry")
    database = open_db(db)
    replaced = renew_registration(
        database, acting_user(database, user), dea_number=dea, expires=expiry
    )
    number = dea.strip().upper()
    emit(
        as_json,
        {"dea_number": number, "expires": expiry.isoformat(), "replaced": replaced.isoformat()},
        f"registration {number} renewed: expires {expiry} (was {replaced})",
    )


@supplier_app.command("add")
@refusals_printed
def supplier_add(
    name: Annotated[str, typer.Option("--name")],
    address: Annotated[str, typer.Option("--address")],
    dea: Annotated[str, typer.Option("--dea")],
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a supplier (name, address, DEA number)."""
    from ledger.services.catalogue import add_supplier

    database = open_db(db)
    sid = add_supplier(
        database, acting_user(database, user), name=name, address=address, dea_number=dea
    )
    emit(
        as_json,
        {"supplier_id": sid, "name": name.strip()},
        f"supplier {name.strip()!r} added (id {sid})",
    )


@product_app.command("add")
@refusals_printed
def product_add(
    name: Annotated[str, typer.Option("--name")],
    ndc: Annotated[str, typer.Option("--ndc")],
    schedule: Annotated[str, typer.Option("--schedule", help="2-5 or II-V.")],
    strength: Annotated[str, typer.Option("--strength", help="e.g. 50mg/mL.")],
    volume: Annotated[str, typer.Option("--volume", help="Container volume, e.g. 10mL.")],
    single_dose: Annotated[bool, typer.Option("--single-dose", help="Single-dose vial.")] = False,
    bud_days: Annotated[int | None, typer.Option("--bud-days", help="Beyond-use days.")] = None,
    prefix: Annotated[str | None, typer.Option("--prefix", help="Vial label prefix.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a product."""
    from ledger.services.catalogue import add_product
    from ledger.units import parse_strength, parse_volume_ul

    ug_per_ml = parse_strength(strength)
    ul = parse_volume_ul(volume)
    database = open_db(db)
    pid = add_product(
        database,
        acting_user(database, user),
        name=name,
        ndc=ndc,
        schedule=schedule,
        strength_ug_per_ml=ug_per_ml,
        volume_ul=ul,
        multi_dose=not single_dose,
        bud_days=bud_days,
        label_prefix=prefix,
    )
    from ledger.identifiers import normalize_ndc

    emit(
        as_json,
        {"product_id": pid, "ndc": normalize_ndc(ndc)},
        f"product {name!r} added (id {pid})",
    )


@patient_app.command("add")
@refusals_printed
def patient_add(
    name: Annotated[str, typer.Option("--name")],
    address: Annotated[str, typer.Option("--address")],
    dob: Annotated[str, typer.Option("--dob", help="Date of birth YYYY-MM-DD.")],
    mrn: Annotated[str | None, typer.Option("--mrn")] = None,
    weight: Annotated[str | None, typer.Option("--weight", help="e.g. 80kg.")] = None,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate",
            help="A different person with the same name and date of birth as a patient held.",
        ),
    ] = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a patient."""
    from ledger.services.patients import NewPatient, add_patient
    from ledger.units import parse_date, parse_weight_g

    new = NewPatient(
        name=name,
        address=address,
        dob=parse_date(dob, "date of birth"),
        mrn=mrn,
        weight_g=parse_weight_g(weight) if weight else None,
    )
    database = open_db(db)
    row = add_patient(database, acting_user(database, user), new, allow_duplicate=allow_duplicate)
    emit(
        as_json, {"patient_id": row.id, "mrn": row.mrn}, f"patient {row.name} added (MRN {row.mrn})"
    )


@patient_app.command("correct")
@refusals_printed
def patient_correct(
    mrn: Annotated[str, typer.Argument(help="The patient's MRN.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the record was wrong.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth YYYY-MM-DD.")] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct a patient's name, address or date of birth: kept beside the patient, audited."""
    from ledger.services.patient_corrections import correct_patient
    from ledger.units import parse_date

    database = open_db(db)
    row = correct_patient(
        database,
        acting_user(database, user),
        mrn=mrn,
        reason=reason,
        name=name,
        address=address,
        dob=parse_date(dob, "date of birth") if dob else None,
    )
    emit(
        as_json,
        {"correction": row.id, "patient_id": row.patient_id},
        f"patient {row.new_name} corrected (correction {row.id})",
    )


@patient_app.command("import")
@refusals_printed
def patient_import(
    path: Path,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate",
            help="Rows may be different people with the same name and date of birth.",
        ),
    ] = False,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import patients from CSV (name,address,dob[,mrn][,weight]): all rows or none."""
    from ledger.services.patients import import_patients

    if path.is_dir():
        raise CommandFailed("FileUnreadable", f"{path} is a directory, not a CSV file")
    try:
        # Streamed, never read whole: a clinic's list can be hundreds of thousands of rows.
        stream = path.open("rb")
    except OSError as exc:
        raise CommandFailed("FileUnreadable", f"cannot read {path}: {exc.strerror}") from None
    database = open_db(db)
    with stream:
        ids = import_patients(
            database, acting_user(database, user), stream, allow_duplicate=allow_duplicate
        )
    emit(as_json, {"imported": len(ids), "patient_ids": ids}, f"imported {len(ids)} patients")


@db_app.command("upgrade")
@refusals_printed
def db_upgrade(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Upgrade the schema to this program's revision."""
    from ledger import schema
    from ledger.database import open_database

    database = open_database(db)
    before = schema.current_revision(database)
    schema.upgrade(database)
    after = schema.current_revision(database)
    emit(as_json, {"from": before, "to": after}, f"schema at {after}")


settings_app = typer.Typer(help="Clinic settings (admin changes them).", no_args_is_help=True)


@settings_app.command("show")
@refusals_printed
def settings_show(
    db: DbOption = None, user: UserOption = None, as_json: JsonOption = False
) -> None:
    """Show the clinic's settings."""
    from ledger.services.settings import settings_as_dict

    database = open_db(db)
    values = settings_as_dict(database, acting_user(database, user))
    emit(as_json, values, lambda: "\n".join(f"{k:<26} {v}" for k, v in values.items()))


@settings_app.command("set")
@refusals_printed
def settings_set(
    name: Annotated[str | None, typer.Option("--name")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    timezone: Annotated[str | None, typer.Option("--timezone")] = None,
    npi: Annotated[str | None, typer.Option("--npi")] = None,
    tax_id: Annotated[str | None, typer.Option("--tax-id", help="Like 12-3456789.")] = None,
    witness_policy: Annotated[
        str | None, typer.Option("--witness-policy", help="required or recommended.")
    ] = None,
    bud_days: Annotated[int | None, typer.Option("--bud-days")] = None,
    count_interval_days: Annotated[int | None, typer.Option("--count-interval-days")] = None,
    inventory_interval_months: Annotated[
        int | None, typer.Option("--inventory-interval-months")
    ] = None,
    retention_years: Annotated[int | None, typer.Option("--retention-years")] = None,
    late_entry_minutes: Annotated[int | None, typer.Option("--late-entry-minutes")] = None,
    exact_open_counts: Annotated[
        bool | None, typer.Option("--exact-open-counts/--estimated-open-counts")
    ] = None,
    count_accept_ml: Annotated[
        str | None, typer.Option("--count-accept-ml", help="Count variance accepted with a note.")
    ] = None,
    count_signoff_ml: Annotated[
        str | None,
        typer.Option("--count-signoff-ml", help="Count variance the registrant signs off."),
    ] = None,
    holidays: Annotated[
        str | None, typer.Option("--holidays", help="ISO dates: 2026-12-25,2027-01-01.")
    ] = None,
    medical_director: Annotated[
        str | None,
        typer.Option(
            "--medical-director",
            help="Username of the rendering provider on superbills and estimates (has an NPI).",
        ),
    ] = None,
    idle_lock_minutes: Annotated[
        int | None,
        typer.Option("--idle-lock-minutes", help="Idle minutes before the app locks its screen."),
    ] = None,
    refund_admin_fee: Annotated[
        str | None,
        typer.Option(
            "--refund-admin-fee",
            help="Admin fee kept from a refund of unused package credits, like 25.00.",
        ),
    ] = None,
    infusion_item: Annotated[
        str | None,
        typer.Option(
            "--infusion-item",
            help="Price item code an infusion is billed as when no service is named.",
        ),
    ] = None,
    db: DbOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change clinic settings (admin only; every change is audited and kept in the history)."""
    from ledger.money import parse_cents
    from ledger.services.settings import update_settings
    from tui.cli.count_commands import ml_as_ul

    changes = {
        "name": name,
        "address": address,
        "timezone": timezone,
        "npi": npi,
        "tax_id": tax_id,
        "witness_policy": witness_policy,
        "bud_days": bud_days,
        "count_interval_days": count_interval_days,
        "inventory_interval_months": inventory_interval_months,
        "retention_years": retention_years,
        "late_entry_minutes": late_entry_minutes,
        "exact_open_counts": exact_open_counts,
        "count_accept_ul": ml_as_ul(count_accept_ml, "--count-accept-ml"),
        "count_signoff_ul": ml_as_ul(count_signoff_ml, "--count-signoff-ml"),
        "holidays": holidays,
        "medical_director": medical_director,
        "idle_lock_minutes": idle_lock_minutes,
        # Money is typed as text and parsed exactly to cents.
        "refund_admin_fee_cents": (
            None
            if refund_admin_fee is None
            else parse_cents(refund_admin_fee, "--refund-admin-fee")
        ),
        "infusion_item_code": infusion_item,
    }
    if all(v is None for v in changes.values()):
        raise CommandFailed("NothingToChange", "name at least one setting to change")
    database = open_db(db)
    values = update_settings(database, acting_user(database, user), **changes)
    emit(as_json, values, "settings saved")
