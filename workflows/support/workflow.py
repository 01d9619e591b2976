"""CustomerSupportWorkflow: hands a new customer to support, follows fulfilment, keeps in touch.

Lives as long as the customer does, so it continues as new whenever the
server suggests it, carrying its whole state in the input.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    from activities.calendar import public_holidays
    from sales import events as ev
    from sales.events import (
        AccountClosed,
        Event,
        FeedbackReceived,
        OrderFulfilled,
        TicketOpened,
        TicketResolved,
    )
    from sales.requests import EmailRequest, HolidaysRequest
    from sales.sending import scheduled
    from sales.state import (
        AppliedEvent,
        NextAction,
        SupportState,
        Ticket,
    )
    from sales.unreadable import Unreadable

from workflows import search_attributes as sa
from workflows.emailing import Suppressed, Undeliverable, send_email
from workflows.inbox import EventInbox, Payload, Received, Refused, unknown_message
from workflows.messages import Message
from workflows.support import api
from workflows.versions import EARLY_PATCHES, OUTREACH_RULES, follows


@workflow.defn(name=api.WORKFLOW_TYPE)
class CustomerSupportWorkflow:
    """Welcomes the customer, follows fulfilment, checks in on a cadence, ends on account_closed."""

    @workflow.init
    def __init__(self, input: api.SupportInput) -> None:
        self._input = input
        self._state = input.carried_state or SupportState(
            workflow_id=workflow.info().workflow_id,
            lead=input.lead,
            playbook=input.playbook.name,
            sale_workflow_id=input.sale_workflow_id,
            order_number=input.order_number,
        )
        self._inbox: list[Received[Event]] = []
        self._holiday_dates: set[date] = set()
        self._holiday_years: set[int] = set()
        self._events = EventInbox(
            api.MESSAGES,
            self._state.rejected_events,
            self._state.seen_event_ids,
            dropped=self._state.dropped_events,
        )

    @workflow.query(name=api.STATE_QUERY)
    def state(self) -> SupportState:
        """The customer's support: orders fulfilled, tickets, feedback, emails, next check-in."""
        return self._state

    @workflow.signal(name=api.ORDER_FULFILLED.name, description=api.ORDER_FULFILLED.description)
    def order_fulfilled(self, event: ev.OrderFulfilled | Unreadable) -> None:
        self._receive(api.ORDER_FULFILLED, event)

    @workflow.signal(name=api.TICKET_OPENED.name, description=api.TICKET_OPENED.description)
    def ticket_opened(self, event: ev.TicketOpened | Unreadable) -> None:
        self._receive(api.TICKET_OPENED, event)

    @workflow.signal(name=api.TICKET_RESOLVED.name, description=api.TICKET_RESOLVED.description)
    def ticket_resolved(self, event: ev.TicketResolved | Unreadable) -> None:
        self._receive(api.TICKET_RESOLVED, event)

    @workflow.signal(name=api.FEEDBACK_RECEIVED.name, description=api.FEEDBACK_RECEIVED.description)
    def feedback_received(self, event: ev.FeedbackReceived | Unreadable) -> None:
        self._receive(api.FEEDBACK_RECEIVED, event)

    @workflow.signal(name=api.ACCOUNT_CLOSED.name, description=api.ACCOUNT_CLOSED.description)
    def account_closed(self, event: ev.AccountClosed | Unreadable) -> None:
        self._receive(api.ACCOUNT_CLOSED, event)

    @workflow.signal(dynamic=True, description="any other name: recorded as rejected")
    def unknown(self, name: str, args: Sequence[RawValue]) -> None:
        """A message of a name the account does not know: recorded, never dropped."""
        self._events.record(unknown_message(api.MESSAGES, name, args))

    def _receive(self, message: Message[Any], payload: Payload) -> None:
        """Every support event: checked and de-duplicated, then applied or rejected."""
        checked = self._events.check(message, payload)
        if isinstance(checked, Refused):
            self._events.record(checked)
            return
        if self._state.closed_reason is not None:
            self._events.reject_received(checked, "the account is closed")
            return
        self._events.take(checked)
        self._inbox.append(checked)

    @workflow.run
    async def run(self, input: api.SupportInput) -> SupportState:
        """Runs until the account is closed; returns the final state."""
        state = self._state
        if input.carried_state is None:
            updates = [sa.SALES_STAGE.value_set(api.STAGE)]
            # Added after the first release: support workflows already running replay without it.
            if follows(input.process_version, EARLY_PATCHES, "support-lead-attributes"):
                updates += sa.lead_attribute_updates(input.lead, input.playbook.name)
            workflow.upsert_search_attributes(updates)
            await self._email("welcome", "welcome", {"order_number": state.order_number})
        while state.closed_reason is None:
            self._plan()
            timeout = None
            if state.next_check_in_at is not None:
                timeout = max(state.next_check_in_at - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(
                    lambda: bool(self._inbox),
                    timeout=timeout,
                    timeout_summary="next check-in",
                )
            except TimeoutError:
                await self._check_in()
                continue
            while self._inbox:
                self._apply(self._inbox.pop(0))
            if state.closed_reason is None and self._history_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                state.seen_event_ids = self._events.seen
                workflow.continue_as_new(input.model_copy(update={"carried_state": state}))
        workflow.upsert_search_attributes([sa.NEXT_ACTION_AT.value_unset()])
        return state

    def _history_is_long(self) -> bool:
        info = workflow.info()
        too_long = info.get_current_history_length() > self._input.history_limit
        return too_long or info.is_continue_as_new_suggested()

    def _apply(self, received: Received[Event]) -> None:
        state = self._state
        event = received.event
        now = received.at
        if isinstance(event, OrderFulfilled):
            state.orders_fulfilled.append(event.order_number)
            if state.next_check_in_at is None:
                state.next_check_in_at = now + self._input.playbook.support.check_in_after
        elif isinstance(event, TicketOpened):
            state.tickets.append(
                Ticket(ticket_id=event.ticket_id, subject=event.subject, opened_at=now)
            )
        elif isinstance(event, TicketResolved):
            ticket = next((t for t in state.tickets if t.ticket_id == event.ticket_id), None)
            if ticket is None or ticket.resolved_at is not None:
                what = "is already resolved" if ticket else "was never opened"
                self._events.reject_received(received, f"ticket {event.ticket_id} {what}")
                return
            ticket.resolved_at = now
        elif isinstance(event, FeedbackReceived):
            state.feedback_scores.append(event.score)
        elif isinstance(event, AccountClosed):
            state.closed_reason = event.reason
        state.applied_events.append(
            AppliedEvent(signal=received.signal, event_id=event.event_id, at=now)
        )

    def _plan(self) -> None:
        state = self._state
        if state.next_check_in_at is None:
            state.next_action = NextAction(description="order fulfilled (order_fulfilled)")
            workflow.upsert_search_attributes([sa.NEXT_ACTION_AT.value_unset()])
        else:
            held = f" scheduled {state.check_in_scheduled}" if state.check_in_scheduled else ""
            state.next_action = NextAction(
                description=f"check-in {state.check_ins_sent + 1}{held}",
                due_at=state.next_check_in_at,
            )
            workflow.upsert_search_attributes([sa.NEXT_ACTION_AT.value_set(state.next_check_in_at)])
        workflow.set_current_details(f"**Support:** next is {state.next_action.description}")

    async def _check_in(self) -> None:
        state = self._state
        # Check-ins are outreach: they wait for the customer's sending window, and the loop
        # goes on meanwhile, so an account closed in the wait cancels the check-in.
        # Versioned: accounts that checked in before this replay as they ran.
        if self._windowed_check_ins() and await self._held_for_window():
            return
        number = state.check_ins_sent + 1
        await self._email(f"check_in_{number}", "check_in", {"number": number})
        state.check_ins_sent = number
        state.check_in_scheduled = None
        state.next_check_in_at = workflow.now() + self._input.playbook.support.check_in_every

    def _windowed_check_ins(self) -> bool:
        """Whether check-ins wait for the window (process version 2)."""
        return follows(self._input.process_version, OUTREACH_RULES, api.CHECK_IN_WINDOW)

    async def _held_for_window(self) -> bool:
        """Whether the check-in due now waits for the customer's next sending window."""
        outreach = self._input.playbook.outreach
        if not outreach.waits("check_in"):
            return False
        zone = outreach.zone_for(self._state.lead)
        now = workflow.now()
        send_at = outreach.opens(now, zone, await self._holidays(now.astimezone(zone).year))
        if send_at <= now:
            return False
        self._state.next_check_in_at = send_at
        self._state.check_in_scheduled = scheduled(send_at, zone)
        return True

    async def _holidays(self, year: int) -> frozenset[date]:
        """The customer country's public holidays of this year and the next."""
        country = self._state.lead.country
        if not self._input.playbook.outreach.public_holidays or not country:
            return frozenset()
        if year not in self._holiday_years:
            found = await workflow.execute_activity(
                public_holidays,
                HolidaysRequest(country=country, years=[year, year + 1]),
                start_to_close_timeout=timedelta(seconds=30),
                summary=f"public holidays of {country}",
            )
            self._holiday_dates |= set(found)
            self._holiday_years |= {year, year + 1}
        return frozenset(self._holiday_dates)

    async def _email(self, step: str, template: str, context: dict[str, Any]) -> None:
        support = self._input.playbook.support
        request = EmailRequest(
            workflow_id=self._state.workflow_id,
            step=step,
            template=template,
            to=self._state.lead.email,
            lead=self._state.lead,
            playbook=self._input.playbook,
            context={"support": support.model_dump(mode="json"), **context},
        )
        try:
            record = await send_email(request, process_version=self._input.process_version)
        except (Undeliverable, Suppressed) as refused:
            # A customer who opted out still has an account: the email is just not sent.
            self._state.undelivered.append(f"{step}: {refused}")
            return
        self._state.emails.append(record)
