"""Wraps a service so that its refusals land in the audit trail after the rollback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ledger import audit
from ledger.errors import Refusal

F = TypeVar("F", bound=Callable[..., Any])


def audited(action: str) -> Callable[[F], F]:
    """Record each refusal of `action` (who, which rule, why) once the transaction is gone."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(db, actor, *args, **kwargs):  # type: ignore[no-untyped-def]
            try:
                return fn(db, actor, *args, **kwargs)
            except Refusal as exc:
                audit.record(
                    db,
                    action=action,
                    outcome="refused",
                    username=actor.username,
                    rule=exc.rule,
                    detail=exc.message,
                )
                raise

        return run  # type: ignore[return-value]

    return wrap
