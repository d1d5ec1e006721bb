"""The demo clinic's counts: an initial inventory at the close of its first day, signed; a
blind count every Friday evening, mostly clean, with a few small variances accepted or
approved; one discrepancy resolved by an infusion charted late; one still under
investigation at the end. Counts read the shelf as the book has it, varied on purpose.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ledger.models import Product, Vial, VialBalance
from ledger.models.base import table_of
from ledger.services import counts, discrepancies, infusions
from ledger.services.inventories import sign_count
from ledger.services.reviews import review_late

if TYPE_CHECKING:
    from ledger.demo import _Clinic

#: Demos shorter than this (the tests' small ones) get clean counts only.
STORY_DAYS = 60


def _ml(ug: int, strength: int) -> str | None:
    """The mL a counter reads for `ug`, when it is a whole number of µL."""
    ul = Decimal(ug) * 1000 / strength
    return f"{ul / 1000}mL" if ul == ul.to_integral_value() else None


class DemoCounts:
    """Decides, day by day, which count the demo clinic takes and what it finds."""

    def __init__(self, c: _Clinic, first_day: date, last_day: date, mrns: list[str]) -> None:
        self.c, self.mrns = c, mrns
        self.first_day, self.last_day = first_day, last_day
        self.story = (last_day - first_day).days >= STORY_DAYS
        self.initial_done = False
        self.fridays = 0
        self.last_friday = last_day - timedelta(days=(last_day.weekday() - 4) % 7)
        middle = first_day + timedelta(days=(last_day - first_day).days * 2 // 5)
        self.late_friday = middle + timedelta(days=(4 - middle.weekday()) % 7)
        self.late_done = False
        self.notes: list[str] = []

    # -- the shelf as the book has it -----------------------------------------------------------
    def _shelf(self) -> list[tuple[str, bool, int, int]]:
        """(label, sealed, balance µg, strength) of every vial holding stock."""
        v, b, p = table_of(Vial), table_of(VialBalance), table_of(Product)
        with self.c.db.read() as session:
            rows = session.execute(
                sa.select(v.c.label, v.c.opened_at, b.c.balance_ug, p.c.strength_ug_per_ml)
                .join(b, b.c.vial_id == v.c.id)
                .join(p, p.c.id == v.c.product_id)
                .where(b.c.balance_ug > 0)
                .order_by(v.c.label)
            ).all()
        return [(r.label, r.opened_at is None, int(r.balance_ug), int(r.strength_ug_per_ml))
                for r in rows]  # fmt: skip

    def _take(self, when: datetime, kind: str, short: dict[str, int]) -> int:
        """A count of the whole shelf; `short` reads these open vials this many µg low."""
        c = self.c
        c.act(when)
        maria = c.actor("maria")
        count = counts.start_count(
            c.db, maria, kind=kind, at="close" if kind != "routine" else None, witness="omar"
        )
        lines = []
        for label, sealed, balance, strength in self._shelf():
            reading = "present" if sealed else _ml(balance - short.get(label, 0), strength)
            if reading is not None:
                lines.append(f"{label},{reading}")
        c.act(when + timedelta(minutes=20))
        counts.import_lines(c.db, maria, count, "\n".join(lines))
        counts.submit_count(c.db, maria, count)
        return count

    def _open_vial(self, at_least_ug: int) -> tuple[str, int] | None:
        """The vial in use, if it is open and holds enough for the variance to be read."""
        label = self.c.open_vial
        for found, sealed, balance, strength in self._shelf():
            if found == label and not sealed and balance >= at_least_ug:
                return found, strength
        return None

    # -- each evening --------------------------------------------------------------------------
    def after_day(self, day: date) -> None:
        close = self.c.at(day, 18, 0)
        if not self.initial_done:
            self.initial_done = True
            count = self._take(close, "initial", {})
            self.c.act(close + timedelta(minutes=30))
            sign_count(self.c.db, self.c.actor("drkim"), count)
            self.notes.append(f"initial inventory (count {count}) on {day}, signed")
            return
        if day.weekday() != 4:
            return
        self.fridays += 1
        if not self.story:
            self._take(close, "routine", {})
        elif day >= self.late_friday and not self.late_done and day != self.last_friday:
            self._late_charted(day, close)
        elif day == self.last_friday:
            self._under_investigation(day, close)
        else:
            self._weekly(day, close)

    def _weekly(self, day: date, close: datetime) -> None:
        """Mostly clean; now and then a drop's worth accepted, or a spill signed off."""
        rng = random.Random(day.toordinal())
        roll = rng.random()
        short: dict[str, int] = {}
        in_use = self._open_vial(50_000)
        if in_use and roll < 0.25:
            short[in_use[0]] = in_use[1] // 20  # 0.05 mL: within the accepted tier
        elif in_use and roll < 0.40:
            short[in_use[0]] = in_use[1] * 2 // 5  # 0.4 mL: the registrant signs it off
        count = self._take(close, "routine", short)
        if in_use and short.get(in_use[0], 0) > in_use[1] // 10:
            c = self.c
            c.act(close + timedelta(minutes=40))
            counts.approve(
                c.db, c.actor("drkim"), count, vial=in_use[0],
                reason="0.4 mL lost priming the line; seen by the witness",
                witness=c.witness("nina"),
            )  # fmt: skip
            self.notes.append(f"count {count} on {day}: {in_use[0]} 0.4 mL short, approved")

    def _late_charted(self, day: date, close: datetime) -> None:
        """An afternoon infusion nobody charted: the count finds the vial short, the nurse
        charts it late, the discrepancy is resolved by that entry, the registrant reviews it."""
        drawn, given = 85_000, 82_500  # 0.75 mg/kg for 110 kg, drawn to the next 0.1 mL
        in_use = self._open_vial(drawn + 50_000)
        if in_use is None:
            self._weekly(day, close)  # the vial in use is nearly empty: next Friday, then
            return
        self.late_done = True
        label = in_use[0]
        count = self._take(close, "routine", {label: drawn})
        c = self.c
        found = [d for d in discrepancies.list_discrepancies(c.db, c.actor("maria"), "open")
                 if d["vial"] == label]  # fmt: skip
        c.act(close + timedelta(minutes=40))
        started = c.at(day, 15, 0)
        done = infusions.record_infusion(
            c.db, c.actor("nina"), patient=self.mrns[1], vial=label, drawn_ug=drawn,
            given_ug=given, wasted_ug=drawn - given, witness=c.witness("nina"),
            weight_g=110_000, protocol="0.75mg/kg", started_at=started,
            ended_at=started + timedelta(minutes=40), drawn_at=started,
            reason="charted after the evening count found the vial short",
        )  # fmt: skip
        c.act(close + timedelta(minutes=50))
        for d in found:
            discrepancies.resolve(
                c.db, c.actor("maria"), d["id"],
                explanation="the 15:00 infusion was given but not charted; charted late",
                movement=done.movement_ids[0],
            )  # fmt: skip
        c.act(close + timedelta(minutes=60))
        for movement in done.movement_ids:
            review_late(c.db, c.actor("drkim"), movement, note="chart and pump log agree")
        self.notes.append(f"count {count} on {day}: {label} short, resolved by a late chart")

    def _under_investigation(self, day: date, close: datetime) -> None:
        """The last Friday: an open vial 1.5 mL short, still being investigated."""
        in_use = self._open_vial(100_000)
        if in_use is None:
            self._take(close, "routine", {})
            return
        label, strength = in_use
        count = self._take(close, "routine", {label: strength * 3 // 2})
        c = self.c
        c.act(close + timedelta(minutes=40))
        for d in discrepancies.list_discrepancies(c.db, c.actor("maria"), "open"):
            if d["vial"] == label:
                discrepancies.add_note(
                    c.db, c.actor("maria"), d["id"],
                    text="checking the week's charts against the pump logs",
                )  # fmt: skip
        self.notes.append(f"count {count} on {day}: {label} 1.5 mL short, under investigation")
