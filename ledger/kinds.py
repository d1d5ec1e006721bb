"""The one table of movement kinds: what each needs, what it leaves, and where it is counted.

The services (who must witness), `check` (was it witnessed as its rule asked), corrections
(may it be reversed; may stock come back to the vial), disposal (the state a vial is left in)
and the reports (which column of the accountability audit) all read this table, so no rule
about a kind is written twice and two readers can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.models import MovementKind, VialState


@dataclass(frozen=True)
class KindRule:
    """What the law and the ledger ask of one kind of movement."""

    kind: MovementKind
    #: Witnesses the movement carries: 0, 1, or 2 (DEA Form 41 destruction).
    witnesses: int
    #: Whether the clinic's witness policy `recommended` lets it stand without its witness.
    policy_relaxes: bool
    #: Whether a reversal may negate it. Final kinds are corrected on their own record.
    reversible: bool
    #: The state the vial is left in, or None when its balance decides (open, empty).
    leaves: VialState | None
    #: -1 takes from the vial, +1 adds to it, 0 either way (adjustments, reversals).
    sign: int
    #: The accountability audit's column heading for it (before " mg").
    column: str

    def witnesses_needed(self, policy: str) -> int:
        """How many witnesses this kind needs under the witness policy in force."""
        if self.policy_relaxes and policy != "required":
            return 0
        return self.witnesses

    def witnesses_always(self) -> int:
        """The witnesses this kind needs under every witness policy: what a service may
        demand before it has read the settings in force (and before any password is
        checked)."""
        return 0 if self.policy_relaxes else self.witnesses


K = MovementKind
#: In the order the accountability audit shows its columns.
RULES: dict[str, KindRule] = {
    rule.kind.value: rule
    for rule in (
        KindRule(K.RECEIVE, 0, False, True, VialState.SEALED, +1, "Received"),
        KindRule(K.TRANSFER_IN, 0, False, False, None, +1, "Transferred in"),
        KindRule(K.ADMINISTER, 0, False, True, None, -1, "Administered"),
        KindRule(K.WASTE, 1, True, True, None, -1, "Wasted"),
        # Breakage is witnessed like waste, and the same policy governs it.
        KindRule(K.BREAKAGE, 1, True, True, None, -1, "Broken"),
        # Destroyed, returned and transferred-out stock has left this registration for good:
        # a mistake there is corrected on the destruction or return record, with the
        # witnesses that record needed, never by putting stock back into the vial.
        KindRule(K.DESTROY, 2, False, False, VialState.DESTROYED, -1, "Destroyed"),
        KindRule(K.RETURN, 0, False, False, VialState.RETURNED, -1, "Returned"),
        KindRule(K.LOSS, 0, False, True, None, -1, "Lost"),
        KindRule(K.TRANSFER_OUT, 0, False, False, None, -1, "Transferred out"),
        KindRule(K.ADJUSTMENT, 1, False, True, None, 0, "Adjustments"),
        KindRule(K.REVERSAL, 1, False, False, None, 0, "Reversals"),
    )
}

#: Kinds that bring stock in and take it out, in the audit's column order.
IN_KINDS = tuple(r.kind for r in RULES.values() if r.sign > 0)
OUT_KINDS = tuple(r.kind for r in RULES.values() if r.sign < 0)

#: Vial states no movement may add stock to: the vial has left the clinic's shelf.
FINAL_STATES = frozenset({VialState.DESTROYED, VialState.RETURNED})


def rule_of(kind: str) -> KindRule:
    return RULES[str(kind)]
