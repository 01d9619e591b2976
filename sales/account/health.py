"""An account's health from what happened to it: tickets, orders, scores and renewals.

Gainsight-style and explainable: every reason is kept, so ops see why an account is at
risk, and the account moves back to good once the reasons are gone.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sales.account.records import (
    AccountOrder,
    AccountSale,
    AccountTicket,
    FollowUpTask,
    Health,
    SaleKind,
)

# A score at or below this is a detractor's (NPS): the account is churning, not only at risk.
DETRACTOR = 3
# This many reasons together make an account churning.
MANY_REASONS = 3


@dataclass(frozen=True)
class Score:
    """A score the customer gave, and when."""

    value: int
    at: datetime


def assess(
    now: datetime,
    *,
    tickets: Sequence[AccountTicket],
    orders: Sequence[AccountOrder],
    scores: Sequence[Score],
    follow_ups: Sequence[FollowUpTask],
    sales: Sequence[AccountSale],
    low_score: int,
    scores_count_for: timedelta,
) -> tuple[Health, list[str]]:
    """The account's health and the reasons for it (none when good)."""
    reasons: list[str] = []
    churning = False
    for ticket in tickets:
        if ticket.resolved_at is None and ticket.breached():
            kinds = " and ".join(str(clock.kind).replace("_", " ") for clock in ticket.breached())
            reasons.append(f"ticket {ticket.ticket_id} ({ticket.priority}) missed its {kinds}")
    for order in orders:
        if order.fulfilled_at is None and order.late(now):
            reasons.append(f"order {order.order_number} is late")
    recent = [score for score in scores if now - score.at <= scores_count_for]
    if recent and recent[-1].value <= low_score:
        reasons.append(f"the last score was {recent[-1].value}")
        churning |= recent[-1].value <= DETRACTOR
    for task in follow_ups:
        if task.done_at is None and task.due_at < now:
            reasons.append(f"follow-up {task.task_id} is overdue")
    renewals = [sale for sale in sales if sale.kind is SaleKind.RENEWAL and sale.outcome]
    if renewals and renewals[-1].outcome == "LOST":
        reasons.append(f"the renewal {renewals[-1].workflow_id} was lost")
        churning = True
    if churning or len(reasons) >= MANY_REASONS:
        return Health.CHURNING, reasons
    return (Health.AT_RISK if reasons else Health.GOOD), reasons
