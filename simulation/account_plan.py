"""The moments a simulated customer acts on its account, from its persona's `AccountBehaviour`.

Pure and seeded: the same persona and sale number give the same moments, scores and renewal
decisions on every run. Orders and tickets are planned up front, one in each equal slot of
the years at a seeded moment of it; scores, follow-ups and renewals answer what the account
does (a check-in sent, a follow-up task opened, a renewal sale started) and are drawn when it
happens, each from a generator of its own, so that one does not shift the others.
"""

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from simulation.behaviour import AccountBehaviour

T = TypeVar("T")

# How long a simulated account is followed from its start (the issue: its first two years).
ACCOUNT_YEARS = 2

# An order on time is shipped, then fulfilled, within these parts of the time promised for it.
ON_TIME_SHIPPED, ON_TIME_FULFILLED = 0.3, 0.5
# When the playbook promises no delivery time: fulfilled this long after it was placed.
UNPROMISED_FULFILMENT = timedelta(days=14)
YEAR = timedelta(days=365)


def seeded(*parts: str) -> random.Random:
    """A generator of its own for what `parts` name: the same numbers on every run."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    """One key of `weights`, drawn by its weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


@dataclass(order=True)
class CustomerEvent:
    """A signal the customer (or its shop, helpdesk or owner) sends to the account, and when."""

    at: datetime
    number: int
    signal: str = field(compare=False)
    payload: dict[str, Any] = field(compare=False)


class AccountPlan:
    """The customer events of one account still to send, earliest first."""

    def __init__(self, behaviour: AccountBehaviour, seed: str) -> None:
        self.behaviour = behaviour
        self.events: list[CustomerEvent] = []
        self._added = 0
        self._plan = seeded(seed, "plan")
        self._scores = seeded(seed, "scores")
        self._renewals = seeded(seed, "renewals")

    def add(self, at: datetime, signal: str, payload: dict[str, Any]) -> None:
        self._added += 1
        self.events.append(CustomerEvent(at, self._added, signal, payload))
        self.events.sort()

    def due(self, now: datetime) -> list[CustomerEvent]:
        """The events due by `now`, in order, taken off the plan."""
        found = [event for event in self.events if event.at <= now]
        self.events = self.events[len(found) :]
        return found

    def next_at(self) -> datetime | None:
        return self.events[0].at if self.events else None

    # --- what the customer does of its own accord ------------------------------------

    def first_order(self, order_number: str, placed: datetime, promised: datetime | None) -> None:
        """The order the sale placed: shipped and fulfilled, on time or late."""
        late = self._plan.random() < self.behaviour.late_orders
        self._deliver(order_number, placed, promised, late=late)

    def orders(self, start: datetime, end: datetime, within: timedelta | None) -> None:
        """The further orders, one in each equal slot of the years, each delivered."""
        count = round(self.behaviour.orders_per_year * ((end - start) / YEAR))
        for number, placed in enumerate(self._moments(start, end, count), start=1):
            order_number = f"SO-SIM-A{number}"
            self.add(placed, "order_placed", {"order_number": order_number})
            late = self._plan.random() < self.behaviour.late_orders
            promised = placed + within if within is not None else None
            self._deliver(order_number, placed, promised, late=late)

    def tickets(self, start: datetime, end: datetime) -> None:
        """The tickets, one in each equal slot of the years, answered and then resolved."""
        b = self.behaviour
        count = round(b.tickets_per_quarter * 4 * ((end - start) / YEAR))
        for number, opened in enumerate(self._moments(start, end, count), start=1):
            ticket_id = f"T-SIM-{number}"
            priority = pick(self._plan, b.priorities)
            responded = opened + timedelta(hours=pick(self._plan, b.response_hours))
            resolved = responded + timedelta(hours=pick(self._plan, b.resolution_hours))
            subject = f"Simulated {priority} issue {number}"
            self.add(
                opened,
                "ticket_opened",
                {"ticket_id": ticket_id, "subject": subject, "priority": str(priority)},
            )
            self.add(responded, "ticket_responded", {"ticket_id": ticket_id, "by": "sim.support"})
            self.add(resolved, "ticket_resolved", {"ticket_id": ticket_id})

    def _moments(self, start: datetime, end: datetime, count: int) -> list[datetime]:
        slot = (end - start) / count if count else timedelta(0)
        return [start + slot * (index + self._plan.random()) for index in range(count)]

    def _deliver(
        self, order_number: str, placed: datetime, promised: datetime | None, *, late: bool
    ) -> None:
        if promised is None:  # nothing promised, nothing late
            shipped = placed + UNPROMISED_FULFILMENT * ON_TIME_SHIPPED
            fulfilled = placed + UNPROMISED_FULFILMENT
        elif late:
            shipped, fulfilled = promised, promised + self.behaviour.late_by
        else:
            shipped = placed + (promised - placed) * ON_TIME_SHIPPED
            fulfilled = placed + (promised - placed) * ON_TIME_FULFILLED
        self.add(shipped, "order_shipped", {"order_number": order_number})
        self.add(fulfilled, "order_fulfilled", {"order_number": order_number})

    # --- what the customer does in answer to the account -------------------------------

    def feedback(self, check_in_sent: datetime) -> None:
        """A score some time after a check-in asked for it."""
        score = pick(self._scores, self.behaviour.scores)
        self.add(
            check_in_sent + self.behaviour.feedback_after,
            "feedback_received",
            {"score": score, "comment": f"simulated score {score}"},
        )

    def follow_up(self, task_id: str, opened: datetime) -> None:
        """The owner's follow-up of a low score, unless the behaviour says it never comes."""
        after = self.behaviour.follow_up_after
        if after is not None:
            self.add(opened + after, "follow_up_done", {"task_id": task_id, "by": "sim.owner"})

    def renews(self) -> bool:
        """Whether the customer accepts the renewal now starting."""
        return self._renewals.random() < self.behaviour.renews
