"""What an alert on the dashboard opens: the vial or lot in the vials screen, the count in the
count screen, the discrepancy in the discrepancy screen, a late entry's review and a
registration's renewal for those who may record them. Read off the alert's kind and subject
(ledger/queries/alerts.py), so a new kind opens nothing until it is named here."""

from __future__ import annotations

from functools import partial
from typing import Any

from ledger.queries.alerts import Alert

#: Alerts about a vial (its label) or a lot (its number): the vials screen, at that row.
VIAL_KINDS = {"bud_soon", "past_bud", "expiring", "expired_on_hand"}
#: Alerts about the shelf's counts: the count screen.
COUNT_KINDS = {"count_overdue", "count_open", "inventory_due"}
#: Alerts about a discrepancy ("discrepancy N"): the discrepancy screen, at that one.
DISCREPANCY_KINDS = {"discrepancy_open", "form106_notice_due", "form106_due"}


def _number(subject: str) -> int | None:
    last = subject.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else None


def open_alert(dashboard: Any, alert: Alert) -> None:
    """Open what `alert` is about from the dashboard, as far as the user may."""
    if alert.kind in VIAL_KINDS:
        dashboard.action_show_vials(at=alert.subject)
    elif alert.kind in COUNT_KINDS:
        dashboard.action_show_counts(_number(alert.subject))
    elif alert.kind in DISCREPANCY_KINDS:
        dashboard.action_show_discrepancies(at=_number(alert.subject))
    elif alert.kind == "late_entry" and _may(dashboard, "late.review"):
        from tui.app.late_review_modal import LateReviewModal

        movement = _number(alert.subject)
        assert movement is not None  # the subject is "movement N"
        modal = LateReviewModal(dashboard.actor, movement, alert.message)
        dashboard.app.push_screen(modal, partial(_done, dashboard))
    elif alert.kind == "registration_expiring" and _may(dashboard, "registration.renew"):
        from tui.app.renewal_modal import RenewalModal

        renewal = RenewalModal(dashboard.actor, alert.subject, alert.message)
        dashboard.app.push_screen(renewal, partial(_done, dashboard))
    else:
        dashboard.show_status(alert.message)


def _may(dashboard: Any, permission: str) -> bool:
    return dashboard.info is not None and dashboard.info.may(permission)


def _done(dashboard: Any, said: str | None) -> None:
    """Back on the dashboard: say what was recorded, and read the alerts again (it cleared)."""
    if said:
        dashboard.show_status(said, ok=True)
        dashboard.action_refresh()
