"""Writing the planned history through the public service layer, the clock pinned per event.

This is the reference: whatever the services write is, by definition, what the
ledger looks like. The bulk path is proven against it (tests/test_bench_generator.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from bench import history
from bench.clinic import Chain
from bench.history import (
    Breakage,
    CountAdjustment,
    Event,
    Infuse,
    Receive,
    Reverse,
    VialRef,
    WasteResidue,
)
from ledger import clock
from ledger.auth import Credentials
from ledger.database import Database
from ledger.services import corrections, disposal, infusions, receiving


def _witness(username: str) -> Credentials:
    return Credentials(username, history.password(username))


def write_with_services(db: Database, chain: Chain, events: Iterable[Event]) -> int:
    """Record every event; returns how many infusions were written."""
    labels: dict[VialRef, str] = {}
    first_movement: dict[tuple[int, int], int] = {}
    count = 0
    for e in events:
        when = e.when
        clock.set_clock(lambda when=when: when)
        if isinstance(e, Receive):
            got = receiving.receive(
                db,
                chain.actors[e.actor],
                supplier=e.supplier,
                invoice_number=e.invoice,
                ndc=history.KETAMINE_NDC,
                lot=e.lot,
                expires=e.expires,
                vials=e.vials,
                registration=chain.registration_deas[e.site],
            )
            for i, label in enumerate(got.vials):
                labels[(e.site, e.first_k + i)] = label
        elif isinstance(e, Infuse):
            done = infusions.record_infusion(
                db,
                chain.actors[e.nurse],
                patient=e.mrn,
                vial=labels[e.vial],
                drawn_ug=e.drawn_ug,
                given_ug=e.given_ug,
                wasted_ug=e.wasted_ug,
                witness=_witness(e.witness),
                weight_g=e.weight_g,
                protocol=e.protocol,
                started_at=e.when,
                ended_at=e.when + timedelta(minutes=40),
            )
            first_movement[(e.site, e.key)] = done.movement_ids[0]
            count += 1
        elif isinstance(e, WasteResidue):
            disposal.waste(
                db,
                chain.actors[e.nurse],
                vial=labels[e.vial],
                amount_ug=None,
                reason=e.reason,
                method=e.method,
                witness=_witness(e.witness),
            )
        elif isinstance(e, Breakage):
            disposal.record_breakage(
                db,
                chain.actors[e.nurse],
                vial=labels[e.vial],
                amount_ug=None,
                reason=e.reason,
                method=e.method,
                witness=_witness(e.witness),
            )
        elif isinstance(e, CountAdjustment):
            corrections.adjust(
                db,
                chain.actors[e.actor],
                vial=labels[e.vial],
                amount_ug=e.amount_ug,
                reason=e.reason,
                witness=_witness(e.witness),
            )
        elif isinstance(e, Reverse):
            corrections.reverse(
                db,
                chain.actors[e.actor],
                movement_id=first_movement[e.infusion],
                reason=e.reason,
                witness=_witness(e.witness),
            )
        else:
            raise TypeError(f"unplanned event {e!r}")
    return count
