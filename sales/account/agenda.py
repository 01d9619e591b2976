"""What an account waits for next: every deadline its state implies, earliest first.

Pure: the account workflow sleeps until the first of these (or an event), acts on what is
due, records it in its state, and asks again; a deadline acted on never comes back.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from sales.account.policy import AccountPolicy
from sales.account.records import SaleKind
from sales.account.state import AccountState

# Renewal reminders and starts happen in the customer's morning.
MORNING = time(9)


class DueKind(StrEnum):
    """The kinds of deadline an account keeps."""

    CHECK_IN = "check_in"
    BUSINESS_REVIEW = "business_review"
    ORDER_LATE = "order_late"
    TICKET_BREACH = "ticket_breach"
    TICKET_ESCALATION = "ticket_escalation"
    RENEWAL_REMINDER = "renewal_reminder"
    RENEWAL_START = "renewal_start"
    HEALTH = "health"


@dataclass(frozen=True)
class Due:
    """One deadline: what, about which (order number, ticket and clock), when."""

    kind: DueKind
    at: datetime
    key: str
    description: str


def morning_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, MORNING, zone)


def renewal_dates(term_ends_on: date, policy: AccountPolicy) -> tuple[date, date] | None:
    """The days of the renewal reminder and of the renewal sale's start, for a term end."""
    if policy.renewal is None:
        return None
    reminder = term_ends_on - timedelta(days=policy.renewal.reminder_before.days)
    start = term_ends_on - timedelta(days=policy.renewal.start_before.days)
    return reminder, start


def agenda(state: AccountState, policy: AccountPolicy, zone: tzinfo, now: datetime) -> list[Due]:
    """Every deadline still to act on, earliest first; health changes only in the future."""
    found: list[Due] = []
    if state.next_check_in_at is not None:
        found.append(Due(DueKind.CHECK_IN, state.next_check_in_at, "check_in", _check_in(state)))
    if state.next_review_at is not None:
        found.append(
            Due(
                DueKind.BUSINESS_REVIEW,
                state.next_review_at,
                "business_review",
                f"business review {state.reviews_sent + 1}",
            )
        )
    for order in state.orders:
        if order.promised_by and order.fulfilled_at is None and not order.escalations:
            found.append(
                Due(
                    DueKind.ORDER_LATE,
                    order.promised_by,
                    order.order_number,
                    f"order {order.order_number} fulfilled (promised)",
                )
            )
    for ticket in state.tickets:
        for clock in ticket.clocks:
            if not clock.running():
                continue
            what = f"ticket {ticket.ticket_id} {str(clock.kind).replace('_', ' ')}"
            key = f"{ticket.ticket_id}:{clock.kind}"
            if clock.breached_at is None:
                found.append(Due(DueKind.TICKET_BREACH, clock.due_at, key, f"{what} due"))
            elif len(clock.escalations) < 2 and policy.support_lead is not None:
                found.append(
                    Due(DueKind.TICKET_ESCALATION, clock.lead_due_at, key, f"{what} to the lead")
                )
    if state.term_ends_on is not None and state.closed_reason is None:
        found += _renewal(state, policy, zone)
    found += [due for due in _health_changes(state, policy) if due.at > now]
    found = [_held(due, state) for due in found]
    return sorted(found, key=lambda due: (due.at, due.kind))


def _check_in(state: AccountState) -> str:
    held = f" scheduled {state.check_in_scheduled}" if state.check_in_scheduled else ""
    return f"check-in {state.check_ins_sent + 1}{held}"


def _renewal(state: AccountState, policy: AccountPolicy, zone: tzinfo) -> list[Due]:
    assert state.term_ends_on is not None
    dates = renewal_dates(state.term_ends_on, policy)
    if dates is None:
        return []
    reminder, start = dates
    ends = f"{state.term_ends_on:%d %b %Y}"
    found = []
    if state.renewal_reminded_for != state.term_ends_on:
        found.append(
            Due(
                DueKind.RENEWAL_REMINDER,
                morning_of(reminder, zone),
                str(state.term_ends_on),
                f"renewal reminder (term ends {ends})",
            )
        )
    started = any(
        sale.kind is SaleKind.RENEWAL and sale.for_term_ending == state.term_ends_on
        for sale in state.sales
    )
    if not started:
        found.append(
            Due(
                DueKind.RENEWAL_START,
                morning_of(start, zone),
                str(state.term_ends_on),
                f"renewal sale starts (term ends {ends})",
            )
        )
    return found


def _health_changes(state: AccountState, policy: AccountPolicy) -> list[Due]:
    """Moments the health may change without an event: a follow-up overdue, a score ageing."""
    found = [
        Due(DueKind.HEALTH, task.due_at, task.task_id, f"follow-up {task.task_id} due")
        for task in state.follow_ups
        if task.done_at is None
    ]
    last = state.feedback[-1] if state.feedback else None
    if last is not None and last.score <= policy.low_score:
        found.append(
            Due(DueKind.HEALTH, last.at + policy.scores_count_for, "score", "last score ages")
        )
    return found


def _held(due: Due, state: AccountState) -> Due:
    """A customer email due that waits for the window: due when the window opens."""
    held = state.held_at.get(due.key) if due.kind in HELD_KINDS else None
    if held is None or held <= due.at:
        return due
    local = state.held_until.get(due.key, "")
    return Due(due.kind, held, due.key, f"{due.description} scheduled {local}".strip())


# The customer emails of a due that wait for the customer's sending window (outreach).
HELD_KINDS = (DueKind.CHECK_IN, DueKind.BUSINESS_REVIEW, DueKind.RENEWAL_REMINDER)
