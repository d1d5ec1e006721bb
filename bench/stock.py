"""Metric 3: stock on hand at a large scale vs the same query at scale 1.

The comparable question is one site's shelf (`stock_on_hand(..., registration=)`):
a site's shelf holds about the same vials whatever the chain's history, so any
growth in time is growth with history, which is what the target forbids. The
whole chain's stock is timed too, as context: it grows with the number of sites.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench import history
from bench.clinic import site_dea
from bench.timing import interleaved, timed
from ledger.auth import login
from ledger.database import Database, open_database
from ledger.queries.stock import stock_on_hand


@dataclass
class StockResult:
    large_scale: float
    large_ms: float
    small_ms: float
    large_vials: int
    small_vials: int
    chain_ms: float
    chain_vials: int

    @property
    def ratio(self) -> float:
        return self.large_ms / self.small_ms


def measure(small_path: str, large_path: str, large_scale: float, rounds: int) -> StockResult:
    small, large = open_database(small_path), open_database(large_path)
    password = history.password("admin")
    small_actor, large_actor = login(small, "admin", password), login(large, "admin", password)
    site = site_dea(1)
    calls = 20

    def block(db: Database, actor) -> float:  # type: ignore[no-untyped-def]
        return timed(lambda: [stock_on_hand(db, actor, site) for _ in range(calls)]) / calls

    for _ in range(3):  # warm the page cache and the statement cache
        block(small, small_actor), block(large, large_actor)
    paired = interleaved(
        lambda: block(large, large_actor), lambda: block(small, small_actor), rounds
    )
    whole = min(timed(lambda: stock_on_hand(large, large_actor)) for _ in range(max(5, rounds)))
    result = StockResult(
        large_scale=large_scale,
        large_ms=paired.product_median * 1000,
        small_ms=paired.baseline_median * 1000,
        large_vials=len(stock_on_hand(large, large_actor, site).vials),
        small_vials=len(stock_on_hand(small, small_actor, site).vials),
        chain_ms=whole * 1000,
        chain_vials=len(stock_on_hand(large, large_actor).vials),
    )
    small.dispose()
    large.dispose()
    return result
