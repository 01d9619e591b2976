"""The support of process versions before 4: a welcome, fulfilment, check-ins, closing.

Support workflows begun on older code run this to their end, exactly as they ran, so their
histories replay; every new customer gets the account (`workflows.support.account`).
"""

from datetime import date, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.account.records import AccountTicket as Ticket
    from sales.account.state import AccountState
    from sales.events import (
        AccountClosed,
        Event,
        FeedbackReceived,
        OrderFulfilled,
        TicketOpened,
        TicketResolved,
    )
    from sales.requests import EmailRequest
    from sales.sending import scheduled
    from sales.state import AppliedEvent, NextAction
    from sales.unreadable import unreadable

from workflows import search_attributes as sa
from workflows.emailing import Suppressed, Undeliverable, send_email
from workflows.holidays import Holidays
from workflows.inbox import EventInbox, Payload
from workflows.messages import Message
from workflows.received import Received, Refused
from workflows.support import api
from workflows.versions import EARLY_PATCHES, OUTREACH_RULES, follows


class SupportOfOld:
    """Welcomes the customer, follows fulfilment, checks in on a cadence, ends on account_closed."""

    def __init__(self, input: api.SupportInput) -> None:
        self._input = input
        self.state = input.carried_state or AccountState(
            workflow_id=workflow.info().workflow_id,
            lead=input.lead,
            playbook=input.playbook.name,
            sale_workflow_id=input.sale_workflow_id,
            order_number=input.order_number,
        )
        self._inbox: list[Received[Event]] = []
        self._read_holidays = Holidays()
        self.events = EventInbox(
            api.LEGACY_MESSAGES,
            self.state.rejected_events,
            self.state.seen_event_ids,
            dropped=self.state.dropped_events,
        )

    def receive(self, message: Message[Any], payload: Payload) -> None:
        """Every support event: checked and de-duplicated, then applied or rejected."""
        if api.LEGACY_MESSAGES.get(message.name) is None:
            # A message this support never knew: recorded as the dynamic fallback did.
            known = ", ".join(api.LEGACY_MESSAGES.names())
            raw = payload.model_dump_json(exclude_none=True).encode()
            self.events.record(
                Refused(message.name, unreadable(raw, f"unknown signal; known: {known}"))
            )
            return
        closed = "the account is closed" if self.state.closed_reason is not None else None
        admitted = self.events.admit(message, payload, closed=closed)
        if admitted is not None:
            self._inbox.append(admitted)

    def refusal(self, message: Message[Any], payload: Payload) -> str | None:
        """Commands are the account's: this support takes none."""
        return f"{message.name}: this customer's support runs an older process without it"

    async def run(self) -> AccountState:
        """Runs until the account is closed; returns the final state."""
        input = self._input
        state = self.state
        if input.carried_state is None:
            updates = [sa.SALES_STAGE.value_set(api.LEGACY_STAGE)]
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
                state.seen_event_ids = self.events.seen
                workflow.continue_as_new(input.model_copy(update={"carried_state": state}))
        workflow.upsert_search_attributes([sa.NEXT_ACTION_AT.value_unset()])
        return state

    def _history_is_long(self) -> bool:
        info = workflow.info()
        too_long = info.get_current_history_length() > self._input.history_limit
        return too_long or info.is_continue_as_new_suggested()

    def _apply(self, received: Received[Event]) -> None:
        state = self.state
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
                self.events.reject_received(received, f"ticket {event.ticket_id} {what}")
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
        state = self.state
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
        state = self.state
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
        zone = outreach.zone_for(self.state.lead)
        now = workflow.now()
        send_at = outreach.opens(now, zone, await self._holidays(now.astimezone(zone).year))
        if send_at <= now:
            return False
        self.state.next_check_in_at = send_at
        self.state.check_in_scheduled = scheduled(send_at, zone)
        return True

    async def _holidays(self, year: int) -> frozenset[date]:
        """The customer country's public holidays of this year and the next."""
        country = self.state.lead.country
        if not self._input.playbook.outreach.public_holidays or not country:
            return frozenset()
        return await self._read_holidays.of(country, year)

    async def _email(self, step: str, template: str, context: dict[str, Any]) -> None:
        support = self._input.playbook.support
        request = EmailRequest(
            workflow_id=self.state.workflow_id,
            step=step,
            template=template,
            to=self.state.lead.email,
            lead=self.state.lead,
            playbook=self._input.playbook,
            context={"support": support.model_dump(mode="json"), **context},
        )
        try:
            record = await send_email(request, process_version=self._input.process_version)
        except (Undeliverable, Suppressed) as refused:
            # A customer who opted out still has an account: the email is just not sent.
            self.state.undelivered.append(f"{step}: {refused}")
            return
        self.state.emails.append(record)
