"""The customer account: the one owner of its state, from the hand-off to the closing.

Events are applied as they come (every event acts at once, at any hour); between them the
account sleeps until the first deadline its state implies (`sales.account.agenda`): a
check-in, an order promised, a ticket's service level, a business review, the renewal. What
it did is recorded in the state, so a run continued as new finds every deadline again and
acts on none twice.
"""

from contextlib import suppress
from datetime import date, datetime, time, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.account.agenda import Due, DueKind, agenda, renewal_dates
    from sales.account.calendar import BusinessCalendar, add_months
    from sales.account.handoff import items_of
    from sales.account.health import Score, assess
    from sales.account.records import AccountOrder, Escalation
    from sales.account.state import AccountState, Concern
    from sales.events import Event
    from sales.sending import parse_window, scheduled
    from sales.state import AppliedEvent, NextAction

from workflows.holidays import Holidays
from workflows.inbox import EventInbox, Payload
from workflows.messages import Message
from workflows.received import Received, Refused
from workflows.support import api
from workflows.support.events import AccountEvents, Rejected
from workflows.support.mail import AccountMail
from workflows.support.sales import AccountSales
from workflows.support.visibility import AccountVisibility
from workflows.support.words import day_text, target_text


class Account:
    """A customer's account: its state, and everything the events and deadlines do to it."""

    def __init__(self, input: api.SupportInput) -> None:
        self.input = input
        self.playbook = input.playbook
        self.policy = input.playbook.account
        lead = input.lead
        if input.carried_state is not None:
            self.state = input.carried_state
            self.state.runs += 1
        else:
            self.state = AccountState(
                workflow_id=workflow.info().workflow_id,
                lead=lead,
                playbook=input.playbook.name,
                sale_workflow_id=input.sale_workflow_id,
                order_number=input.order_number,
                stage=api.STAGE,
                owner=self.policy.owner_for(lead.lead_id),
                handoff=input.handoff,
                currency=input.playbook.currency,
                items=items_of(input.handoff) if input.handoff else list(lead.items),
            )
        self.zone = input.playbook.outreach.zone_for(lead)
        self.inbox: list[Received[Event]] = []
        self.events = EventInbox(
            api.MESSAGES,
            self.state.rejected_events,
            self.state.seen_event_ids,
            dropped=self.state.dropped_events,
        )
        self.mail = AccountMail(self.state, self.playbook, input.process_version)
        self.sales = AccountSales(self)
        self.applier = AccountEvents(self)
        self._holidays = Holidays()

    # --- receiving -------------------------------------------------------------------

    def receive(self, message: Message[Any], payload: Payload) -> None:
        """Every account event: checked and de-duplicated, then applied in order or rejected."""
        closed = "the account is closed" if self.state.closed_reason is not None else None
        admitted = self.events.admit(message, payload, closed=closed)
        if admitted is not None:
            self.inbox.append(admitted)

    def refusal(self, message: Message[Any], payload: Payload) -> str | None:
        """Why a command would not be taken now (an update's validator); None: it would."""
        checked = self.events.check(message, payload)
        if isinstance(checked, Refused):
            return checked.reason
        if self.state.closed_reason is not None:
            return "the account is closed"
        return None

    # --- the account's life ----------------------------------------------------------

    async def run(self) -> AccountState:
        """Runs until the account is closed; returns the final state."""
        state = self.state
        self.visibility = AccountVisibility()
        if self.input.carried_state is None:
            await self._begin()
        while state.closed_reason is None:
            self._refresh()
            due = self._next()
            timeout = max(due.at - workflow.now(), timedelta(0)) if due else None
            with suppress(TimeoutError):  # a deadline came before any event
                await workflow.wait_condition(
                    lambda: bool(self.inbox),
                    timeout=timeout,
                    timeout_summary=due.description if due else None,
                )
            while self.inbox:
                await self._apply(self.inbox.pop(0))
            for due in self._due_now():
                if state.closed_reason is None:
                    await self._act(due)
            if state.closed_reason is None and self._history_is_long():
                self._refresh()
                await workflow.wait_condition(workflow.all_handlers_finished)
                while self.inbox:  # an event that came while handlers finished
                    await self._apply(self.inbox.pop(0))
                state.seen_event_ids = self.events.seen
                workflow.continue_as_new(self.input.model_copy(update={"carried_state": state}))
        self._refresh()
        self.visibility.ended()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return state

    async def _begin(self) -> None:
        """The hand-off: the term, the first order, the welcome and the owner's note."""
        state = self.state
        now = workflow.now()
        handoff = state.handoff
        if handoff is not None and handoff.term_months:
            start = handoff.contract_signed_on or now.astimezone(self.zone).date()
            self._start_term(start, handoff.term_months)
        if state.order_number:
            placed = handoff.ordered_at if handoff and handoff.ordered_at else now
            amount = handoff.order_amount if handoff else None
            self.add_order(
                AccountOrder(
                    order_number=state.order_number,
                    amount=amount
                    if amount is not None
                    else (handoff.net_total if handoff else None),
                    placed_at=placed,
                    promised_by=self.promised(placed, None),
                )
            )
        if self.policy.business_reviews_every is not None:
            state.next_review_at = now + self.policy.business_reviews_every
        self._refresh()
        first = state.orders[0] if state.orders else None
        delivery = day_text(first.promised_by, self.zone) if first and first.promised_by else None
        await self.mail.to_customer(
            "welcome",
            "welcome",
            {
                "order_number": state.order_number,
                "delivery_by": delivery,
                "check_in_after_text": target_text(self.playbook.support.check_in_after),
            },
        )
        await self.mail.to_team(
            "handoff_note",
            "handoff_note",
            {
                "handoff": handoff.model_dump(mode="json") if handoff else None,
                "term_ends_on": day_text(state.term_ends_on) if state.term_ends_on else None,
                "delivery_by": delivery,
                "sale_workflow_id": state.sale_workflow_id,
            },
        )

    def _start_term(self, start: date, months: int) -> None:
        self.state.term_started_on = start
        self.state.term_ends_on = add_months(start, months)

    def extend_term(self, months: int | None) -> None:
        """A renewal won: the next term, as long as the contract it signed says (else as the
        account's own), follows the one ending."""
        state = self.state
        if state.term_ends_on is not None:
            self._start_term(state.term_ends_on, months or self.playbook.contract.term_months)

    def add_order(self, order: AccountOrder) -> None:
        self.state.orders.append(order)
        if order.amount is not None:
            self.state.value += order.amount

    def promised(self, placed: datetime, promised_by: date | None) -> datetime | None:
        """An order's promised moment: the end of its promised day (the customer's), else
        the playbook's delivery time after it was placed; None: nothing was promised."""
        if promised_by is not None:
            return datetime.combine(promised_by + timedelta(days=1), time(0), self.zone)
        within = self.policy.delivery_within
        return placed + within if within is not None else None

    async def _apply(self, received: Received[Event]) -> None:
        try:
            # The state (health too) reads as applied before the emails the event sends.
            await self.applier.apply(received, then=self._assess)
        except Rejected as rejected:
            self.events.reject_received(received, str(rejected))
            return
        self.state.applied_events.append(
            AppliedEvent(signal=received.signal, event_id=received.event.event_id, at=received.at)
        )

    # --- deadlines -------------------------------------------------------------------

    def _agenda(self) -> list[Due]:
        return agenda(self.state, self.policy, self.zone, workflow.now())

    def _next(self) -> Due | None:
        found = self._agenda()
        return found[0] if found else None

    def _due_now(self) -> list[Due]:
        now = workflow.now()
        return [due for due in self._agenda() if due.at <= now and due.kind is not DueKind.HEALTH]

    async def _act(self, due: Due) -> None:
        acts = {
            DueKind.CHECK_IN: self._check_in,
            DueKind.BUSINESS_REVIEW: self._business_review,
            DueKind.ORDER_LATE: self._order_late,
            DueKind.TICKET_BREACH: self._ticket_breach,
            DueKind.TICKET_ESCALATION: self._ticket_escalation,
            DueKind.RENEWAL_REMINDER: self._renewal_reminder,
            DueKind.RENEWAL_START: self._renewal_start,
        }
        await acts[due.kind](due)

    async def _held(self, due: Due) -> bool:
        """Whether a customer email due now waits for the customer's sending window."""
        outreach = self.playbook.outreach
        if not outreach.waits("check_in"):
            return False
        now = workflow.now()
        send_at = outreach.opens(now, self.zone, await self.holidays(now))
        if send_at <= now:
            self.state.held_at.pop(due.key, None)
            self.state.held_until.pop(due.key, None)
            return False
        if due.kind is DueKind.CHECK_IN:  # as the support of old kept it
            self.state.next_check_in_at = send_at
            self.state.check_in_scheduled = scheduled(send_at, self.zone)
        else:
            self.state.held_at[due.key] = send_at
            self.state.held_until[due.key] = scheduled(send_at, self.zone)
        return True

    async def _check_in(self, due: Due) -> None:
        if await self._held(due):
            return
        state = self.state
        number = state.check_ins_sent + 1
        await self.mail.to_customer(f"check_in_{number}", "check_in", {"number": number})
        state.check_ins_sent = number
        state.check_in_scheduled = None
        state.next_check_in_at = workflow.now() + self.playbook.support.check_in_every

    async def _business_review(self, due: Due) -> None:
        every = self.policy.business_reviews_every
        if every is None or await self._held(due):
            return
        state = self.state
        number = state.reviews_sent + 1
        await self.mail.to_customer(
            f"business_review_{number}",
            "business_review",
            {"number": number, "period_text": target_text(every)},
        )
        state.reviews_sent = number
        state.next_review_at = (state.next_review_at or workflow.now()) + every

    async def _order_late(self, due: Due) -> None:
        order = self.state.order(due.key)
        if order is None or order.promised_by is None:
            return
        address = self.mail.team[1]
        order.escalations.append(Escalation(to=address, at=workflow.now()))
        self.concern(f"order:{order.order_number}", f"order {order.order_number} is late")
        await self.mail.to_team(
            f"order_late_{order.order_number}",
            "order_late",
            {
                "order": {
                    "order_number": order.order_number,
                    "promised_by": day_text(order.promised_by - timedelta(seconds=1), self.zone),
                    "placed_at": day_text(order.placed_at, self.zone) if order.placed_at else None,
                    "shipped_at": day_text(order.shipped_at, self.zone)
                    if order.shipped_at
                    else None,
                }
            },
        )

    async def _ticket_breach(self, due: Due) -> None:
        name, address = self.mail.team
        await self._escalate(due, level=1, to_name=name, to=address)

    async def _ticket_escalation(self, due: Due) -> None:
        lead = self.policy.support_lead
        if lead is not None:
            await self._escalate(due, level=2, to_name=lead.name, to=str(lead.email))

    async def _escalate(self, due: Due, *, level: int, to_name: str, to: str) -> None:
        ticket_id, _, kind = due.key.rpartition(":")
        ticket = next(t for t in self.state.tickets if t.ticket_id == ticket_id)
        clock = next(c for c in ticket.clocks if c.kind == kind)
        now = workflow.now()
        if level == 1:
            clock.breached_at = now
        clock.escalations.append(Escalation(to=to, at=now))
        what = str(clock.kind).replace("_", " ")
        self.concern(
            f"ticket:{ticket_id}:{clock.kind}",
            f"ticket {ticket_id} ({ticket.priority}) missed its {what} target",
        )
        level_service = self.policy.service_levels[ticket.priority]
        target = getattr(level_service, str(clock.kind))
        await self.mail.send(
            f"ticket_breach_{ticket_id}_{clock.kind}_{level}",
            "ticket_breach",
            to,
            {
                "ticket": {
                    "ticket_id": ticket.ticket_id,
                    "subject": ticket.subject,
                    "priority": str(ticket.priority),
                    "opened_at": scheduled(ticket.opened_at, self.zone),
                },
                "clock": what,
                "due": scheduled(clock.due_at if level == 1 else clock.lead_due_at, self.zone),
                "target": target_text(target, business=self.policy.business_hours_only),
                "level": level,
                "to_name": to_name,
            },
        )

    async def _renewal_reminder(self, due: Due) -> None:
        state = self.state
        ends = state.term_ends_on
        dates = renewal_dates(ends, self.policy) if ends else None
        if ends is None or dates is None or await self._held(due):
            return
        assert self.policy.renewal is not None
        state.renewal_reminded_for = ends
        await self.mail.to_team(
            f"renewal_due_{ends}",
            "renewal_due",
            {
                "term_ends_on": day_text(ends),
                "renewal_starts": day_text(dates[1]),
                "renewal_playbook": self.policy.renewal.playbook,
            },
        )
        await self.mail.to_customer(
            f"renewal_reminder_{ends}", "renewal_reminder", {"term_ends_on": day_text(ends)}
        )

    async def _renewal_start(self, due: Due) -> None:
        await self.sales.start_renewal()

    # --- what ops see ----------------------------------------------------------------

    def concern(self, key: str, what: str) -> None:
        if all(concern.key != key for concern in self.state.concerns):
            self.state.concerns.append(Concern(key=key, what=what, since=workflow.now()))

    def resolved(self, prefix: str) -> None:
        """Concerns about something now put right (an order fulfilled, a ticket answered)."""
        self.state.concerns = [c for c in self.state.concerns if not c.key.startswith(prefix)]

    def _refresh(self) -> None:
        """Health, the next action and what the UI shows, from the state as it now stands."""
        state = self.state
        self._assess()
        due = self._next() if state.closed_reason is None else None
        if due is None:
            waiting = "an order fulfilled (order_fulfilled)" if not state.orders_fulfilled else ""
            state.next_action = NextAction(description=waiting or "the customer's next event")
        else:
            state.next_action = NextAction(description=due.description, due_at=due.at)
        self.visibility.show(state, self.playbook.name, self.zone)

    def _assess(self) -> None:
        state = self.state
        state.health, state.health_reasons = assess(
            workflow.now(),
            tickets=state.tickets,
            orders=state.orders,
            scores=[Score(f.score, f.at) for f in state.feedback],
            follow_ups=state.follow_ups,
            sales=state.sales,
            low_score=self.policy.low_score,
            scores_count_for=self.policy.scores_count_for,
        )

    def _history_is_long(self) -> bool:
        info = workflow.info()
        too_long = info.get_current_history_length() > self.input.history_limit
        return too_long or info.is_continue_as_new_suggested()

    # --- the customer's calendar -----------------------------------------------------

    async def holidays(self, now: datetime) -> frozenset[date]:
        """The customer country's public holidays of this year and the next."""
        country = self.state.lead.country
        if not self.playbook.outreach.public_holidays or not country:
            return frozenset()
        return await self._holidays.of(country, now.astimezone(self.zone).year)

    async def business_calendar(self, now: datetime) -> BusinessCalendar:
        """The hours a service level counts: the customer's business hours, or every hour."""
        outreach = self.playbook.outreach
        if not self.policy.business_hours_only:
            return BusinessCalendar(zone=self.zone)
        return BusinessCalendar(
            zone=self.zone,
            window=parse_window(outreach.window) if outreach.window else None,
            business_days_only=outreach.business_days_only,
            holidays=await self.holidays(now),
        )
