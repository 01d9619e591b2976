"""The events a sale keeps for its steps: routing, typed waits, and seller commands' answers.

An event is applied once by the step that takes it, kept until that step runs,
or rejected with the reason (too late, no step for it, the sale is over). An
update's validator asks the same questions without recording anything.
"""

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar, cast

from temporalio import workflow
from temporalio.common import RawValue
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
    from sales.process import StepName, stage_of, takers
    from sales.resume import Ending, JournalEntry
    from sales.stages import LostReason
    from sales.state import AppliedEvent, SaleState

from workflows.inbox import EventInbox, Received, Refused, count_dropped
from workflows.sale import api
from workflows.sale.journal import Journal, Rest

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
            ending.reason,
            ending.notes,
            by=ending.by,
            address=ending.address,
            listed=ending.listed,
        )


class KeptEvents:
    """What a sale does with each event it receives, and the waits its steps make for them."""

    def __init__(
        self,
        state: SaleState,
        steps: tuple[StepName, ...],
        playbook: str,
        *,
        journal: Journal,
        history_limit: int,
    ) -> None:
        self.state = state
        self.steps = steps
        self._playbook = playbook
        self.journal = journal
        self.history_limit = history_limit
        self.events = EventInbox(api.MESSAGES, state.rejected_events, dropped=state.dropped_events)
        self.kept: list[Received[Event]] = []
        self.ending: SaleEnded | None = None
        self.current: int = -1
        # Seller commands whose update waits for the step to apply or reject them.
        self._commands: dict[int, tuple[Received[Event], str | None]] = {}
        self._waiting_for: tuple[type[Event], ...] = ()
        # Messages that arrive while a resumed step is replayed wait until it is live again.
        self._deferred: list[tuple[str, Sequence[RawValue]]] = []

    def now(self) -> datetime:
        """What every step reads the time from: the journal's clock while it is replayed."""
        return self.journal.now()

    @property
    def step(self) -> StepName | None:
        return self.steps[self.current] if 0 <= self.current < len(self.steps) else None

    def _over(self, step: StepName) -> bool:
        return self.steps.index(step) < self.current or self.state.stage.is_final

    def receive(self, name: str, args: Sequence[RawValue]) -> Received[Event] | str:
        """Validate, then end the sale, keep the event for its step, or reject it (the
        reason is returned, and recorded unless the event was dropped)."""
        if self.journal.replaying:
            self._deferred.append((name, args))
            return "deferred until the sale has resumed"
        self.journal.progressed = True  # a run that takes messages may rest again
        parsed = self.events.parse(name, args)
        if isinstance(parsed, Refused):
            self.events.record(parsed)
            return parsed.reason
        refusal = self._route(parsed)
        if refusal is not None:
            self.events.reject_received(parsed, refusal)
            return refusal
        # An event that ends the sale is never dropped: an opt-out must always stop it.
        if not isinstance(parsed.event, ENDS_SALE) and self.state.events_in_stage >= (
            EVENTS_PER_STAGE
        ):
            why = f"more than {EVENTS_PER_STAGE} events in one stage"
            count_dropped(
                self.state.dropped_events,
                signal=parsed.signal,
                why=why,
                at=parsed.at,
                stage=self.state.stage,
            )
            return f"dropped: {why}"
        self.journal.record(
            "event", signal=parsed.signal, data=parsed.event.model_dump(mode="json")
        )
        self._accept(parsed)
        return parsed

    def _accept(self, received: Received[Event]) -> None:
        if isinstance(received.event, ENDS_SALE):
            self._end_from(received)
            return
        self.state.events_in_stage += 1
        self.events.take(received)
        self.kept.append(received)

    def _replay_event(self, entry: JournalEntry) -> None:
        """An event the step saw before the last run stopped, accepted again as it was."""
        message = api.MESSAGES.named(entry.signal or "")
        event = message.model.model_validate(entry.data)
        self._accept(Received(signal=message.name, event=event, at=entry.at))

    def _route(self, received: Received[Event]) -> str | None:
        """Why the event cannot be taken now, or None when it can (now or at its step)."""
        stage = self.state.stage
        if stage.is_final:
            return f"the sale is already {stage}"
        if isinstance(received.event, RetryRequested):
            attention = self.state.attention
            return None if attention is not None else "nothing is waiting for a retry"
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

    def refusal(
        self, name: str, args: Sequence[RawValue], refuse: Callable[[Event], str | None]
    ) -> str | None:
        """Why a seller command would be refused, recording nothing (the update validator)."""
        if self.journal.replaying:
            return None  # the command itself answers, once the sale has resumed
        message = api.MESSAGES.get(name)
        if message is None or not message.command:
            commands = ", ".join(api.MESSAGES.commands())
            what = "an event, not a seller command: send it as a signal" if message else "unknown"
            return f"{name} is {what}; seller commands: {commands}"
        parsed = self.events.parse(name, args)
        if isinstance(parsed, Refused):
            return parsed.reason
        routed = self._route(parsed)
        if routed is not None:
            return routed
        if self.step in takers(self.steps, type(parsed.event)):
            return refuse(parsed.event)
        return None

    async def command(self, name: str, args: Sequence[RawValue]) -> api.CommandAnswer:
        """A seller command, once its validator accepted it: applied, or kept for its step."""
        await workflow.wait_condition(lambda: not self.journal.replaying)
        received = self.receive(name, args)
        if isinstance(received, str):
            raise ApplicationError(received, type="CommandRefused", non_retryable=True)
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
        self._commands[key] = (received, None)
        await workflow.wait_condition(lambda: self._commands[key][1] is not None)
        outcome = self._commands.pop(key)[1] or "not applied"
        if outcome != "applied":
            raise ApplicationError(outcome, type="CommandRefused", non_retryable=True)
        return api.CommandAnswer(status="applied", detail=f"applied in {self.state.stage}")

    def _end_from(self, received: Received[Event]) -> None:
        self.events.take(received)
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

    async def next(self, kind: type[E], due: datetime) -> Received[E] | None:
        """The first kept event of `kind`, or None at `due`; SaleEnded on an opt-out."""
        return cast(Received[E] | None, await self.next_of((kind,), due))

    async def next_of(
        self, kinds: tuple[type[Event], ...], due: datetime
    ) -> Received[Event] | None:
        """The first kept event of any of `kinds`, or None at `due`; SaleEnded on an opt-out.

        A long history ends the run here (`Rest`); the next run resumes at this wait.
        """
        names = ", ".join(kind.__name__ for kind in kinds) or "time"
        what = f"wait for {names} until {due.isoformat()}"
        if self.journal.replaying:
            entry = self.journal.upcoming(self._replay_event)
            if entry.kind == "rest":
                self.journal.go_live(what)
                deferred, self._deferred = self._deferred, []
                for name, args in deferred:
                    self.receive(name, args)
            else:
                if self.ending is not None:
                    raise self.ending
                index = self.journal.take(("wait",), what).data
                return self.kept.pop(index) if isinstance(index, int) else None

        def ready() -> bool:
            return self.ending is not None or any(isinstance(r.event, kinds) for r in self.kept)

        timeout = max(due - workflow.now(), timedelta(0))
        if not ready() and timeout > timedelta(0):
            action = self.state.next_action
            self._waiting_for = kinds
            try:
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: ready() or self._should_rest(),
                        timeout=timeout,
                        timeout_summary=action.description if action else None,
                    )
            finally:
                self._waiting_for = ()
            # Not at a wait that is over: its answer (time is up) is known now, while the
            # next run's clock may start later (by a fast-forward, under time skipping).
            if not ready() and workflow.now() < due and self._should_rest():
                self.journal.record("rest", what)
                raise Rest(what)
        if self.ending is not None:
            raise self.ending
        for index, received in enumerate(self.kept):
            if isinstance(received.event, kinds):
                self.journal.record("wait", what, data=index)
                return self.kept.pop(index)
        self.journal.record("wait", what, data=None)
        return None

    def _should_rest(self) -> bool:
        """Whether to continue as new at this wait: the history is long and no seller's
        command waits for an answer."""
        if not self.journal.progressed or self._commands:
            return False
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self.history_limit
            or info.get_current_history_size() > HISTORY_BYTES
        )

    def has_kept(self, kind: type[Event]) -> bool:
        return any(isinstance(r.event, kind) for r in self.kept)

    def first_kept(self, kinds: tuple[type[Event], ...]) -> Received[Event] | None:
        """The first kept event of any of `kinds`, left where it is."""
        return next((r for r in self.kept if kinds and isinstance(r.event, kinds)), None)

    def put_back(self, received: Received[Event]) -> None:
        """An event a step woke on but leaves for the step that applies it."""
        self.kept.insert(0, received)

    def applied(self, received: Received[Event]) -> None:
        self.state.applied_events.append(
            AppliedEvent(signal=received.signal, event_id=received.event.event_id, at=received.at)
        )
        self._settle(received, "applied")

    def reject(self, received: Received[Event], reason: str) -> None:
        if self.journal.replaying:
            self.events.forget(received)  # recorded by the run that saw it
        else:
            self.events.reject_received(received, reason)
        self._settle(received, reason)

    def _settle(self, received: Received[Event], outcome: str) -> None:
        if id(received) in self._commands:
            self._commands[id(received)] = (received, outcome)

    def _reject_leftovers(self) -> None:
        """Events kept for steps that are over are rejected, not lost."""
        keep: list[Received[Event]] = []
        for received in self.kept:
            steps = takers(self.steps, type(received.event))
            if self.state.stage.is_final or all(self._over(step) for step in steps):
                self.reject(received, f"not applied: the sale moved on to {self.state.stage}")
            else:
                keep.append(received)
        self.kept = keep
