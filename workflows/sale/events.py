"""The events of a sale: each received once, kept for the step that takes it, then applied or
rejected with the reason; the waits steps make for them; seller commands' answers.

An event is applied once by the step that takes it, kept until that step runs, or rejected
with the reason (too late, no step for it, the sale is over). An update's validator asks
the same questions without recording anything. A wait is also where a long history ends
the run: the sale continues as new from its snapshot (`ContinueAsNew`).
"""

import contextlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.events import (
        ENDS_SALE,
        EmailBounced,
        Event,
        MarkLost,
        RetryRequested,
        Unsubscribed,
    )
    from sales.limits import EVENTS_PER_STAGE
    from sales.process import StepName, stage_of, takers, waits_for
    from sales.refusals import COMMAND_REFUSED, Refusal
    from sales.stages import LostReason, SalesStage
    from sales.state import AppliedEvent, SaleState

from workflows.alarm import Alarm
from workflows.inbox import EventInbox, Payload, count_dropped
from workflows.messages import Message
from workflows.received import Received, Refused
from workflows.sale import api
from workflows.sale.snapshot import Ending, KeptEvent

E = TypeVar("E", bound=Event)

# A run continues as new well before the server's 50 MB history limit: a flood of big
# signals must not reach it before the next workflow task can act.
HISTORY_BYTES = 4 * 1024 * 1024


class SaleEnded(Exception):
    """Raised inside the workflow to leave the steps for LOST.

    `by` says who or what ended it; `address` is the one to put on the opt-out list when
    the reason is an opt-out or a bounce (None: the lead's, or already on the list).
    """

    def __init__(
        self,
        reason: LostReason,
        notes: str | None = None,
        *,
        by: str = "the playbook",
        address: str | None = None,
        listed: bool = False,
    ) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.notes = notes
        self.by = by
        self.address = address
        self.listed = listed

    def as_ending(self) -> Ending:
        return Ending(
            reason=self.reason,
            notes=self.notes,
            by=self.by,
            address=self.address,
            listed=self.listed,
        )

    @classmethod
    def of(cls, ending: Ending) -> "SaleEnded":
        return cls(
            ending.reason, ending.notes, by=ending.by, address=ending.address, listed=ending.listed
        )


class ContinueAsNew(Exception):
    """Raised at a wait: the history is long, and the sale goes on in a new run."""


def refused(refusal: Refusal) -> ApplicationError:
    """The failure a seller command's update ends with when the sale does not apply it."""
    return ApplicationError(
        refusal.reason, refusal.model_dump(), type=COMMAND_REFUSED, non_retryable=True
    )


def not_a_command(name: str) -> Refusal:
    """An update of a name that is no seller command: an event, or unknown."""
    commands = ", ".join(api.MESSAGES.commands())
    what = (
        "an event, not a seller command: send it as a signal"
        if api.MESSAGES.get(name)
        else ("unknown")
    )
    return Refusal(reason=f"{name} is {what}; seller commands: {commands}")


class Events:
    """What a sale does with each event it receives, and the waits its steps make for them."""

    def __init__(
        self,
        state: SaleState,
        steps: tuple[StepName, ...],
        playbook: str,
        *,
        history_limit: int,
        seen: Iterable[str] = (),
        ending: Ending | None = None,
        fresh: bool = True,
        alarm: Alarm | None = None,
        before_wait: Callable[[], None] = lambda: None,
    ) -> None:
        self._state = state
        # Process version 5: one timer for every wait (`workflows.alarm`), and the search
        # attributes upserted together before each wait.
        self._alarm = alarm
        self._before_wait = before_wait
        self.steps = steps
        self._playbook = playbook
        self._history_limit = history_limit
        self._inbox = EventInbox(
            api.MESSAGES, state.rejected_events, seen, dropped=state.dropped_events
        )
        self.kept: list[Received[Event]] = []
        self.ending: SaleEnded | None = SaleEnded.of(ending) if ending else None
        self.current: int = -1
        # Seller commands whose update waits for the step to apply or reject them.
        # A command waiting for its step: its outcome, and the stage it was applied in (the
        # sale may have moved on by the time the command's answer is sent).
        self._commands: dict[int, tuple[Received[Event], str | None, SalesStage]] = {}
        self._waiting_for: tuple[type[Event], ...] = ()
        # A run continues as new only once it went on a little, so a new run cannot loop.
        self.progressed = fresh

    # --- receiving ------------------------------------------------------------------

    def receive(self, message: Message[Any], payload: Payload) -> Received[Event] | str:
        """Check, then end the sale, keep the event for its step, or reject it (the reason is
        returned, and recorded unless the event was dropped)."""
        self.progressed = True
        checked = self._inbox.check(message, payload)
        if isinstance(checked, Refused):
            self._inbox.record(checked)
            return checked.reason
        refusal = self._route(checked)
        if refusal is not None:
            self._inbox.reject_received(checked, refusal)
            return refusal
        # An event that ends the sale is never dropped: an opt-out must always stop it.
        if not isinstance(checked.event, ENDS_SALE) and self._state.events_in_stage >= (
            EVENTS_PER_STAGE
        ):
            why = f"more than {EVENTS_PER_STAGE} events in one stage"
            count_dropped(
                self._state.dropped_events,
                signal=checked.signal,
                why=why,
                at=checked.at,
                stage=self._state.stage,
            )
            return f"dropped: {why}"
        self._accept(checked)
        return checked

    def record_refused(self, refused_message: Refused) -> None:
        """A message no handler takes (the dynamic fallback's): recorded, never dropped."""
        self.progressed = True
        self._inbox.record(refused_message)

    def _accept(self, received: Received[Event]) -> None:
        if isinstance(received.event, ENDS_SALE):
            self._end_from(received)
            return
        self._state.events_in_stage += 1
        self._inbox.take(received)
        self.kept.append(received)

    def _route(self, received: Received[Event]) -> str | None:
        """Why the event cannot be taken now, or None when it can (now or at its step)."""
        stage = self._state.stage
        if stage.is_final:
            return f"the sale is already {stage}"
        if isinstance(received.event, RetryRequested):
            return None if self._state.attention is not None else "nothing is waiting for a retry"
        if isinstance(received.event, ENDS_SALE):
            if self.ending is not None:
                return f"the sale is already ending ({self.ending.reason})"
            return None
        steps = takers(self.steps, type(received.event))
        if not steps:
            return (
                f"the playbook {self._playbook!r} has no step that takes {received.signal} "
                f"(its steps: {', '.join(self.steps)})"
            )
        if all(self._over(step) for step in steps):
            stages = ", ".join(
                dict.fromkeys(stage_of(self.steps, self.steps.index(s)) for s in steps)
            )
            return f"arrived in {stage}; applies in {stages} only"
        return None

    def _over(self, step: StepName) -> bool:
        return self.steps.index(step) < self.current or self._state.stage.is_final

    @property
    def step(self) -> StepName | None:
        return self.steps[self.current] if 0 <= self.current < len(self.steps) else None

    def _end_from(self, received: Received[Event]) -> None:
        self._inbox.take(received)
        self.applied(received)
        event = received.event
        if isinstance(event, MarkLost):
            self.ending = SaleEnded(event.reason, event.notes, by=received.signal)
        elif isinstance(event, EmailBounced):
            self.ending = SaleEnded(
                LostReason.BOUNCED, event.reason, by=received.signal, address=event.address
            )
        elif isinstance(event, Unsubscribed):
            self.ending = SaleEnded(
                LostReason.OPTED_OUT, event.reason, by=received.signal, address=event.address
            )

    # --- seller commands --------------------------------------------------------------

    def refusal(
        self, message: Message[Any], payload: Payload, refuse: Callable[[Event], str | None]
    ) -> Refusal | None:
        """Why a seller command would be refused, recording nothing (the update validator)."""
        checked = self._inbox.check(message, payload)
        if isinstance(checked, Refused):
            return Refusal(reason=checked.reason)
        routed = self._route(checked)
        if routed is not None:
            return Refusal(reason=routed)
        if self.step in takers(self.steps, type(checked.event)):
            reason = refuse(checked.event)
            return Refusal(reason=reason) if reason is not None else None
        return None

    async def command(self, message: Message[Any], payload: Payload) -> api.CommandAnswer:
        """A seller command, once its validator accepted it: applied, or kept for its step."""
        received = self.receive(message, payload)
        if isinstance(received, str):
            raise refused(Refusal(reason=received, recorded=True))
        if isinstance(received.event, ENDS_SALE):
            return api.CommandAnswer(status="applied", detail="the sale ends")
        retry = isinstance(received.event, RetryRequested)
        if not retry and self.step not in takers(self.steps, type(received.event)):
            later = ", ".join(takers(self.steps, type(received.event)))
            return api.CommandAnswer(status="kept", detail=f"kept until the sale reaches {later}")
        if not isinstance(received.event, self._waiting_for):
            # Its step runs but waits for something else first (a manager's approval, an
            # activity): the command is kept, and a rejection then lands in rejected_events.
            return api.CommandAnswer(
                status="kept", detail=f"kept until {self.step} is ready for it"
            )
        key = id(received)
        self._commands[key] = (received, None, self._state.stage)
        await workflow.wait_condition(lambda: self._commands[key][1] is not None)
        _, outcome, stage = self._commands.pop(key)
        if outcome != "applied":
            raise refused(Refusal(reason=outcome or "not applied", recorded=True))
        return api.CommandAnswer(status="applied", detail=f"applied in {stage}")

    # --- waits ------------------------------------------------------------------------

    async def next(self, kind: type[E], due: datetime) -> Received[E] | None:
        """The first kept event of `kind`, or None at `due`; SaleEnded on an opt-out."""
        return cast(Received[E] | None, await self.next_of((kind,), due))

    async def next_of(
        self, kinds: tuple[type[Event], ...], due: datetime
    ) -> Received[Event] | None:
        """The first kept event of any of `kinds`, or None at `due`; SaleEnded on an opt-out.

        A long history ends the run here (`ContinueAsNew`); the next run comes back to this
        wait from the sale's snapshot.
        """
        self._check_takes(kinds)

        def ready() -> bool:
            return self.ending is not None or self.first_kept(kinds) is not None

        timeout = max(due - workflow.now(), timedelta(0))
        if not ready() and timeout > timedelta(0):
            action = self._state.next_action
            summary = action.description if action else None
            self._waiting_for = kinds
            try:
                if self._alarm is not None:
                    await self._wait_on_alarm(self._alarm, ready, due, summary)
                else:
                    with contextlib.suppress(TimeoutError):
                        await workflow.wait_condition(
                            lambda: ready() or self.should_continue_as_new(),
                            timeout=timeout,
                            timeout_summary=summary,
                        )
            finally:
                self._waiting_for = ()
            # Not at a wait that is over: its answer (time is up) is known now, while the
            # next run's clock may start later (by a fast-forward, under time skipping).
            if not ready() and workflow.now() < due and self.should_continue_as_new():
                raise ContinueAsNew()
        self.progressed = True
        if self.ending is not None:
            raise self.ending
        first = self.first_kept(kinds)
        if first is not None:
            self.kept.remove(first)
        return first

    async def _wait_on_alarm(
        self, alarm: Alarm, ready: Callable[[], bool], due: datetime, summary: str | None
    ) -> None:
        """Until `ready()`, `due`, or time to continue as new; the alarm rings at `due` or
        earlier (set for an earlier wait), and is set again for the rest when it does."""
        while not ready() and workflow.now() < due and not self.should_continue_as_new():
            alarm.cover(due, summary)
            self._before_wait()
            await workflow.wait_condition(
                lambda: ready() or alarm.rang or self.should_continue_as_new()
            )

    def _check_takes(self, kinds: tuple[type[Event], ...]) -> None:
        """A step waits only for the events its kind declares (`sales.process.waits_for`)."""
        step = self.step
        if step is None:
            return
        declared = (*waits_for(self.steps, step), RetryRequested)
        stray = [kind.__name__ for kind in kinds if kind not in declared]
        if stray:
            raise ApplicationError(
                f"{step} waits for {', '.join(stray)}, which sales.process does not declare",
                type="ProcessError",
                non_retryable=True,
            )

    def should_continue_as_new(self) -> bool:
        """Whether to continue as new at this wait: the history is long, the run went on a
        little, and no seller's command waits for an answer."""
        if not self.progressed or self._commands:
            return False
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self._history_limit
            or info.get_current_history_size() > HISTORY_BYTES
        )

    def first_kept(self, kinds: tuple[type[Event], ...]) -> Received[Event] | None:
        """The first kept event of any of `kinds`, left where it is."""
        return next((r for r in self.kept if kinds and isinstance(r.event, kinds)), None)

    def has_kept(self, kind: type[Event]) -> bool:
        return self.first_kept((kind,)) is not None

    def put_back(self, received: Received[Event]) -> None:
        """An event a step woke on but leaves for the step that applies it."""
        self.kept.insert(0, received)

    # --- outcomes ---------------------------------------------------------------------

    def applied(self, received: Received[Event]) -> None:
        self._state.applied_events.append(
            AppliedEvent(signal=received.signal, event_id=received.event.event_id, at=received.at)
        )
        self._settle(received, "applied")

    def reject(self, received: Received[Event], reason: str) -> None:
        self._inbox.reject_received(received, reason)
        self._settle(received, reason)

    def _settle(self, received: Received[Event], outcome: str) -> None:
        if id(received) in self._commands:
            self._commands[id(received)] = (received, outcome, self._state.stage)

    def reject_leftovers(self) -> None:
        """Events kept for steps that are over are rejected, not lost."""
        keep: list[Received[Event]] = []
        for received in self.kept:
            steps = takers(self.steps, type(received.event))
            if self._state.stage.is_final or all(self._over(step) for step in steps):
                self.reject(received, f"not applied: the sale moved on to {self._state.stage}")
            else:
                keep.append(received)
        self.kept = keep

    # --- continuing as new ------------------------------------------------------------

    def carried(self) -> tuple[list[KeptEvent], list[str], Ending | None]:
        """What a new run takes over: the kept events, the event ids taken, a pending end."""
        kept = [
            KeptEvent(signal=r.signal, event=r.event.model_dump(mode="json"), at=r.at)
            for r in self.kept
        ]
        return kept, self._inbox.seen, self.ending.as_ending() if self.ending else None

    def restore(self, kept: Iterable[KeptEvent]) -> None:
        """The kept events of the last run, as they were accepted there."""
        for event in kept:
            message = api.MESSAGES.named(event.signal)
            received = Received(
                signal=message.name,
                event=message.model.model_validate(event.event),
                at=event.at,
            )
            if isinstance(received.event, ENDS_SALE):
                if self.ending is None:
                    self._end_from(received)
                continue
            self._inbox.take(received)
            self.kept.append(received)
