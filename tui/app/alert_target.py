"""What an alert on the dashboard opens: the vial or lot in the vials screen, the count in the
count screen, the discrepancy in the discrepancy screen. Read off the alert's kind and subject
(ledger/queries/alerts.py), so a new kind opens nothing until it is named here."""

from __future__ import annotations

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
    else:
        dashboard.show_status(alert.message)
