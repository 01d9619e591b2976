"""What an account waits for next: each deadline once, earliest first."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sales.account.agenda import Due, DueKind, agenda, morning_of
from sales.account.policy import AccountPolicy
from sales.account.records import (
    AccountOrder,
    AccountSale,
    AccountTicket,
    ClockKind,
    Escalation,
    FollowUpTask,
    SaleKind,
    SlaClock,
)
from sales.account.state import AccountState
from sales.lead import Lead
from sales.sending import ZONES

PARIS = ZONES["Europe/Paris"]
NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)
LEAD = "lead@polderpack.example"
RENEWING = AccountPolicy.model_validate(
    {
        "support_lead": {"name": "Priya", "email": "lead@northwind.example"},
        "renewal": {"reminder_before": "P90D", "start_before": "P60D"},
    }
)


def account(**fields: Any) -> AccountState:
    return AccountState(
        workflow_id="support-x",
        lead=Lead(email=LEAD),
        playbook="default",
        sale_workflow_id="sale-x",
        **fields,
    )


def kinds(found: list[Due]) -> list[tuple[DueKind, str]]:
    return [(due.kind, due.key) for due in found]


def test_the_renewal_is_reminded_then_started_in_the_customers_morning() -> None:
    ends = date(2027, 12, 1)
    found = agenda(account(term_ends_on=ends), RENEWING, PARIS, NOW)
    assert [(d.kind, d.at) for d in found] == [
        (DueKind.RENEWAL_REMINDER, morning_of(date(2027, 9, 2), PARIS)),
        (DueKind.RENEWAL_START, morning_of(date(2027, 10, 2), PARIS)),
    ]


def test_a_reminder_sent_and_a_renewal_started_for_this_term_are_not_due_again() -> None:
    ends = date(2027, 12, 1)
    started = AccountSale(
        workflow_id="sale-x-r1",
        kind=SaleKind.RENEWAL,
        playbook="renewal",
        started_at=NOW,
        for_term_ending=ends,
    )
    state = account(term_ends_on=ends, renewal_reminded_for=ends, sales=[started])
    assert agenda(state, RENEWING, PARIS, NOW) == []
    # The next term (a renewal won) has its own reminder and start.
    assert (
        len(
            agenda(
                state.model_copy(update={"term_ends_on": date(2028, 12, 1)}), RENEWING, PARIS, NOW
            )
        )
        == 2
    )


def test_a_breach_goes_to_the_owner_then_to_the_support_lead_then_nowhere() -> None:
    clock = SlaClock(kind=ClockKind.RESOLUTION, due_at=NOW + DAY, lead_due_at=NOW + 2 * DAY)
    ticket = AccountTicket(ticket_id="T-1", opened_at=NOW, clocks=[clock])
    state = account(tickets=[ticket])
    assert [(d.kind, d.at) for d in agenda(state, RENEWING, PARIS, NOW)] == [
        (DueKind.TICKET_BREACH, NOW + DAY)
    ]
    clock.breached_at = NOW + DAY
    clock.escalations.append(Escalation(to="owner@northwind.example", at=NOW + DAY))
    assert [(d.kind, d.at) for d in agenda(state, RENEWING, PARIS, NOW)] == [
        (DueKind.TICKET_ESCALATION, NOW + 2 * DAY)
    ]
    # Without a support lead the owner's escalation is the last.
    assert agenda(state, AccountPolicy(), PARIS, NOW) == []
    clock.escalations.append(Escalation(to="lead@northwind.example", at=NOW + 2 * DAY))
    assert agenda(state, RENEWING, PARIS, NOW) == []


def test_a_stopped_clock_and_a_fulfilled_order_wait_for_nothing() -> None:
    clock = SlaClock(
        kind=ClockKind.FIRST_RESPONSE, due_at=NOW + DAY, lead_due_at=NOW + 2 * DAY, stopped_at=NOW
    )
    ticket = AccountTicket(ticket_id="T-1", opened_at=NOW, clocks=[clock])
    order = AccountOrder(order_number="PO-1", promised_by=NOW + DAY, fulfilled_at=NOW)
    late = AccountOrder(order_number="PO-2", promised_by=NOW + 3 * DAY)
    found = agenda(account(tickets=[ticket], orders=[order, late]), RENEWING, PARIS, NOW)
    assert kinds(found) == [(DueKind.ORDER_LATE, "PO-2")]


def test_a_check_in_held_for_the_window_says_when_and_health_changes_only_ahead() -> None:
    task = FollowUpTask(task_id="F-1", reason="scored 5", opened_at=NOW - 5 * DAY, due_at=NOW - DAY)
    state = account(
        next_check_in_at=NOW, check_in_scheduled="Mon 1 Mar 09:00 Europe/Paris", follow_ups=[task]
    )
    (check_in,) = agenda(state, RENEWING, PARIS, NOW)  # the overdue follow-up is past
    assert check_in.description == "check-in 1 scheduled Mon 1 Mar 09:00 Europe/Paris"
    later = task.model_copy(update={"due_at": NOW + DAY})
    found = agenda(state.model_copy(update={"follow_ups": [later]}), RENEWING, PARIS, NOW)
    assert kinds(found) == [(DueKind.CHECK_IN, "check_in"), (DueKind.HEALTH, "F-1")]
