"""What each account event does: orders, tickets and their clocks, feedback, sales, closing.

`Rejected` names why an event cannot be applied; the account records it in the state.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.account.events import (
        FollowUpDone,
        OrderShipped,
        SaleConcluded,
        TicketResponded,
        UpsellRequested,
    )
    from sales.account.records import AccountOrder, ClockKind, FollowUpTask, SlaClock
    from sales.account.records import AccountTicket as Ticket
    from sales.account.state import Feedback
    from sales.events import (
        AccountClosed,
        Event,
        FeedbackReceived,
        OrderFulfilled,
        OrderPlaced,
        TicketOpened,
        TicketResolved,
    )

from workflows.received import Received
from workflows.support.words import day_text

if TYPE_CHECKING:
    from workflows.support.account import Account


class Rejected(Exception):
    """The event cannot be applied to the account as it stands; the message says why."""


class AccountEvents:
    """Applies one event at a time to the account, in the order they came."""

    def __init__(self, account: "Account") -> None:
        self._account = account
        self._then: Callable[[], None] = lambda: None

    async def apply(self, received: Received[Event], *, then: Callable[[], None]) -> None:
        """Apply one event; `then` runs once the state changed, before any email it sends."""
        self._then = then
        event = received.event
        account = self._account
        state = account.state
        at = received.at
        match event:
            case OrderPlaced():
                if state.order(event.order_number) is not None:
                    raise Rejected(f"order {event.order_number} was already placed")
                account.add_order(
                    AccountOrder(
                        order_number=event.order_number,
                        amount=event.amount,
                        placed_at=at,
                        promised_by=account.promised(at, event.promised_by),
                    )
                )
            case OrderShipped():
                order = self._order(event.order_number)
                if order.shipped_at is not None:
                    raise Rejected(f"order {event.order_number} was already shipped")
                order.shipped_at = at
            case OrderFulfilled():
                order = self._order(event.order_number)
                if order.fulfilled_at is not None:
                    raise Rejected(f"order {event.order_number} was already fulfilled")
                order.fulfilled_at = at
                state.orders_fulfilled.append(event.order_number)
                account.resolved(f"order:{event.order_number}")
                if state.next_check_in_at is None and state.check_ins_sent == 0:
                    state.next_check_in_at = at + account.playbook.support.check_in_after
            case TicketOpened():
                await self._open(event, received)
            case TicketResponded():
                ticket = self._ticket(event.ticket_id)
                if ticket.responded_at is not None:
                    raise Rejected(f"ticket {event.ticket_id} was already answered")
                ticket.responded_at = at
                self._stop(ticket, ClockKind.FIRST_RESPONSE, received)
            case TicketResolved():
                ticket = self._ticket(event.ticket_id)
                if ticket.resolved_at is not None:
                    raise Rejected(f"ticket {event.ticket_id} is already resolved")
                ticket.resolved_at = at
                ticket.responded_at = ticket.responded_at or at
                for kind in ClockKind:
                    self._stop(ticket, kind, received)
            case FeedbackReceived():
                await self._feedback(event, received)
            case FollowUpDone():
                task = next((t for t in state.follow_ups if t.task_id == event.task_id), None)
                if task is None or task.done_at is not None:
                    raise Rejected(
                        f"follow-up {event.task_id} "
                        + ("is already done" if task else "was never opened")
                    )
                task.done_at, task.done_by = at, event.by
            case UpsellRequested():
                await account.sales.start_upsell(event)
            case SaleConcluded():
                account.sales.concluded(event)
            case AccountClosed():
                state.closed_reason = event.reason
                state.closed_at = at
        then()

    def _order(self, number: str) -> AccountOrder:
        order = self._account.state.order(number)
        if order is None:
            raise Rejected(f"order {number} was never placed on this account")
        return order

    def _ticket(self, ticket_id: str) -> Ticket:
        found = next((t for t in self._account.state.tickets if t.ticket_id == ticket_id), None)
        if found is None:
            raise Rejected(f"ticket {ticket_id} was never opened")
        if found.resolved_at is not None:
            raise Rejected(f"ticket {ticket_id} is already resolved")
        return found

    async def _open(self, event: TicketOpened, received: Received[Event]) -> None:
        account = self._account
        if any(t.ticket_id == event.ticket_id for t in account.state.tickets):
            raise Rejected(f"ticket {event.ticket_id} was already opened")
        priority = event.priority or account.policy.default_priority
        ticket = Ticket(
            ticket_id=event.ticket_id,
            subject=event.subject,
            priority=priority,
            opened_at=received.at,
        )
        level = account.policy.service_levels.get(priority)
        if level is not None:
            calendar = await account.business_calendar(received.at)
            for kind, target in (
                (ClockKind.FIRST_RESPONSE, level.first_response),
                (ClockKind.RESOLUTION, level.resolution),
            ):
                due = calendar.add(received.at, target)
                ticket.clocks.append(
                    SlaClock(kind=kind, due_at=due, lead_due_at=calendar.add(due, target))
                )
        account.state.tickets.append(ticket)

    def _stop(self, ticket: Ticket, kind: ClockKind, received: Received[Event]) -> None:
        for clock in ticket.clocks:
            if clock.kind is kind and clock.running():
                clock.stopped_at = received.at
        self._account.resolved(f"ticket:{ticket.ticket_id}:{kind}")

    async def _feedback(self, event: FeedbackReceived, received: Received[Event]) -> None:
        account = self._account
        state = account.state
        state.feedback_scores.append(event.score)
        state.feedback.append(Feedback(score=event.score, comment=event.comment, at=received.at))
        if event.score > account.policy.low_score:
            return
        task = FollowUpTask(
            task_id=f"F-{len(state.follow_ups) + 1}",
            reason=f"scored {event.score}" + (f": {event.comment}" if event.comment else ""),
            opened_at=received.at,
            due_at=received.at + account.policy.follow_up_within,
        )
        state.follow_ups.append(task)
        self._then()
        await account.mail.to_team(
            f"follow_up_task_{task.task_id}",
            "follow_up_task",
            {
                "task": {
                    "task_id": task.task_id,
                    "reason": task.reason,
                    "due": day_text(task.due_at, account.zone),
                },
                "score": event.score,
                "comment": event.comment,
            },
        )
