"""Timing on a noisy machine: the product and its baseline run in alternating rounds.

Other engineers' test suites share the two cores, so an absolute figure drifts
from minute to minute. Alternating short rounds (and swapping which side goes
first) exposes both sides to the same noise, which is what makes the ratio mean
something.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

#: A block runs some fixed amount of work and returns the seconds it took (setup excluded).
Block = Callable[[], float]


@dataclass(frozen=True)
class Paired:
    product: list[float]
    baseline: list[float]

    @property
    def product_median(self) -> float:
        return statistics.median(self.product)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)


def interleaved(product: Block, baseline: Block, rounds: int) -> Paired:
    p: list[float] = []
    b: list[float] = []
    for i in range(rounds):
        if i % 2 == 0:
            p.append(product())
            b.append(baseline())
        else:
            b.append(baseline())
            p.append(product())
    return Paired(p, b)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Profiled:
    total: float
    stats: pstats.Stats

    def share(self, filename_end: str, function: str) -> float:
        """Cumulative share of the total spent inside one function (0..1)."""
        for (filename, _line, name), row in self.stats.stats.items():  # type: ignore[attr-defined]
            if name == function and filename.endswith(filename_end):
                return float(row[3]) / self.total if self.total else 0.0
        return 0.0

    def calls(self, filename_end: str, function: str) -> int:
        for (filename, _line, name), row in self.stats.stats.items():  # type: ignore[attr-defined]
            if name == function and filename.endswith(filename_end):
                return int(row[1])
        return 0

    def top(self, n: int = 12) -> list[tuple[str, float, float]]:
        """The n functions with most own time: (where, own share, cumulative share)."""
        rows = []
        for (filename, line, name), row in self.stats.stats.items():  # type: ignore[attr-defined]
            short = "/".join(filename.split("/")[-2:])
            rows.append((f"{short}:{line} {name}", row[2] / self.total, row[3] / self.total))
        rows.sort(key=lambda r: r[1], reverse=True)
        return rows[:n]


def profiled(fn: Callable[[], object]) -> Profiled:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    stats = pstats.Stats(prof)
    return Profiled(float(stats.total_tt), stats)  # type: ignore[attr-defined]
