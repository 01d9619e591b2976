"""Random sequences of what a sale may be sent: the happy path of its playbook, disturbed.

A scenario is the playbook's happy path (each event sent with a high chance, now and then
sent again as a retrying sender does, the rest left out when the other side goes quiet, a few
swapped: out of order) with noise inserted anywhere: valid events of any
message (for a stage the sale has left, has not reached, or that its playbook lacks),
the same `event_id` resent (same payload or another one), malformed and oversized
payloads, and now and then an event that ends the sale. Commands go as signals or as
updates.

Everything shrinks towards fewer events: a failing example comes out short.
"""

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import holidays
from hypothesis import strategies as st
from temporalio.common import RawValue

from sales.sending import COUNTRY_ZONES, ZONES
from tests.properties.payloads import Json, malformed, oversized, positive, valid
from workflows.messages import Message
from workflows.sale import api

Via = Literal["signal", "update"]

PLAYBOOKS = ("default", "quick", "enterprise", "public-sector")

# Each playbook's path to WON: each message with its chance in ten of being sent. A revision
# or a redline round is sent half the time: steps that take an event more than once are where
# a resent event_id would be applied twice.
HAPPY_PATHS: dict[str, tuple[tuple[Message[Any], int], ...]] = {
    "default": (
        (api.INTEREST_EXPRESSED, 9),
        (api.NEEDS_IDENTIFIED, 9),
        (api.REVISION_REQUESTED, 5),
        (api.PROPOSAL_ACCEPTED, 9),
        (api.CONTRACT_SIGNED, 9),
        (api.ORDER_PLACED, 9),
    ),
    "quick": (
        (api.NEEDS_IDENTIFIED, 9),
        (api.REVISION_REQUESTED, 5),
        (api.PROPOSAL_ACCEPTED, 9),
        (api.ORDER_PLACED, 9),
    ),
    "enterprise": (
        (api.LEAD_QUALIFIED, 9),
        (api.INTEREST_EXPRESSED, 9),
        (api.NEEDS_IDENTIFIED, 9),
        (api.REVISION_REQUESTED, 5),
        (api.PROPOSAL_ACCEPTED, 9),
        (api.CONTRACT_REDLINED, 5),
        (api.LEGAL_APPROVED, 9),
        (api.CONTRACT_SIGNED, 9),
        (api.ORDER_PLACED, 9),
    ),
    "public-sector": (
        (api.NEEDS_IDENTIFIED, 9),
        (api.TENDER_AWARDED, 9),
        (api.CONTRACT_SIGNED, 9),
        (api.ORDER_PLACED, 9),
    ),
}

# Events that end a sale at once (ENDS_SALE) or at their step, whatever else it was sent.
ENDERS: tuple[Message[Any], ...] = (
    api.UNSUBSCRIBED,
    api.EMAIL_BOUNCED,
    api.MARK_LOST,
    api.PROPOSAL_REJECTED,
    api.TENDER_LOST,
    api.EXPORT_LICENSE_DENIED,
)
OTHERS = tuple(m for m in api.MESSAGES.all if m not in ENDERS)


def _short(value: Any) -> str:
    text = f"RawValue({value.payload.data!r})" if isinstance(value, RawValue) else repr(value)
    return text if len(text) <= 90 else f"{text[:60]}...<{len(text):,} chars>"


@dataclass(frozen=True)
class Send:
    """One message sent to the sale: its name, arguments, how, and the id the sale can read."""

    name: str
    args: tuple[Any, ...]
    via: Via
    kind: str
    event_id: str | None

    def __repr__(self) -> str:
        args = ", ".join(_short(a) for a in self.args)
        return f"{self.via} {self.name} [{self.kind}] id={self.event_id} ({args})"


# Lead countries whose zones and public holidays differ.
COUNTRIES = ("NL", "FR", "US", "JP")


@dataclass(frozen=True)
class Instant:
    """When a sale begins, in its lead's own time: a weekday at a time, or a public holiday of
    the lead's country at that time."""

    country: str
    weekday: int
    hour: int
    minute: int
    holiday: bool

    def days_off(self, year: int) -> frozenset[date]:
        return frozenset(holidays.country_holidays(self.country, years=[year, year + 1]))

    def at(self, now: datetime) -> datetime:
        """The first such moment at least an hour after `now`."""
        zone = ZONES[COUNTRY_ZONES[self.country]]
        soon = (now + timedelta(hours=1)).astimezone(zone)
        if self.holiday:
            day = min(d for d in self.days_off(soon.year) if d > soon.date())
        else:
            day = soon.date() + timedelta(days=(self.weekday - soon.weekday()) % 7 or 7)
        return datetime.combine(day, time(self.hour, self.minute), zone).astimezone(UTC)

    def __repr__(self) -> str:
        day = (
            "a public holiday"
            if self.holiday
            else (["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])[self.weekday]
        )
        return f"{day} {self.hour:02d}:{self.minute:02d} in {self.country}"


def instants() -> st.SearchStrategy[Instant]:
    return st.builds(
        Instant,
        country=st.sampled_from(COUNTRIES),
        weekday=st.integers(0, 6),
        hour=st.integers(0, 23),
        minute=st.integers(0, 59),
        holiday=st.integers(0, 5).map(lambda n: n == 5),
    )


@dataclass(frozen=True)
class Scenario:
    playbook: str
    sends: tuple[Send, ...]
    start: Instant = Instant("NL", 0, 10, 0, False)

    def __repr__(self) -> str:
        lines = "".join(f"\n    {number}. {send!r}" for number, send in enumerate(self.sends, 1))
        return f"Scenario(playbook={self.playbook!r}, start={self.start!r}, sends:{lines})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis prints a failing example: one message a line, big payloads cut."""
        printer.text(repr(self))


class _Ids:
    """Event ids unique within a scenario: e1, e2, ..."""

    def __init__(self) -> None:
        self._next = itertools.count(1)

    def new(self) -> str:
        return f"e{next(self._next)}"


def _via(draw: st.DrawFn, message: Message[Any]) -> Via:
    return draw(st.sampled_from(["signal", "update"])) if message.command else "signal"


def _send(draw: st.DrawFn, message: Message[Any], payload: Json, ids: _Ids, kind: str) -> Send:
    """A valid send; one in eight carries no event_id (it cannot be de-duplicated then)."""
    if draw(st.integers(0, 7)) == 7:
        return Send(message.name, (payload,), _via(draw, message), f"{kind}, no id", None)
    event_id = ids.new()
    return Send(
        message.name, ({**payload, "event_id": event_id},), _via(draw, message), kind, event_id
    )


@st.composite
def _noise(draw: st.DrawFn, ids: _Ids, earlier: list[Send]) -> Send:
    """One disturbing send: valid for any stage, a resent id, malformed, oversized or unknown."""
    what = draw(st.sampled_from(["any", "duplicate", "malformed", "oversized", "unknown_name"]))
    tracked = [s for s in earlier if s.event_id is not None]
    if what == "duplicate" and tracked:
        first = draw(st.sampled_from(tracked))
        message = api.MESSAGES.named(first.name)
        if draw(st.booleans()):  # the same id, another payload
            payload = {**draw(valid(message)), "event_id": first.event_id}
            return Send(first.name, (payload,), _via(draw, message), "duplicate id", first.event_id)
        return replace(first, via=_via(draw, message), kind="duplicate")
    message = draw(st.sampled_from(OTHERS))
    if what in ("any", "duplicate"):
        return _send(draw, message, draw(valid(message)), ids, "any stage")
    event_id = ids.new()
    payload = {**draw(valid(message)), "event_id": event_id}
    if what == "unknown_name":
        return Send(f"{message.name}_v2", (payload,), "signal", "unknown name", None)
    broken = draw(
        malformed(message, payload) if what == "malformed" else oversized(message, payload)
    )
    readable = event_id if broken.id_readable else None
    return Send(message.name, broken.args, _via(draw, message), broken.kind, readable)


@st.composite
def scenarios(
    draw: st.DrawFn,
    playbooks: tuple[str, ...] = PLAYBOOKS,
    max_noise: int = 6,
    must_end: bool = False,
) -> Scenario:
    """A playbook and what its sale is sent; `must_end` adds an opt-out somewhere."""
    playbook = draw(st.sampled_from(playbooks))
    ids = _Ids()
    ops: list[Send] = []
    path = HAPPY_PATHS[playbook]
    # A third of the time the other side goes quiet before the end of the path.
    quiet = draw(st.integers(0, len(path) - 1)) if draw(st.integers(0, 2)) == 2 else len(path)
    for message, chance in path[:quiet]:
        if draw(st.integers(0, 9)) < 10 - chance:  # shrinks to not sent
            continue
        ops.append(_send(draw, message, draw(positive(message)), ids, "path"))
        if ops[-1].event_id is not None and draw(st.integers(0, 3)) == 3:
            # The sender did not hear back and sends it again, as it was.
            ops.append(replace(ops[-1], via=_via(draw, message), kind="resent"))
    for _ in range(draw(st.integers(0, 2))):  # out of order
        if len(ops) > 1:
            at = draw(st.integers(0, len(ops) - 2))
            ops[at], ops[at + 1] = ops[at + 1], ops[at]
    for _ in range(draw(st.integers(0, max_noise))):
        ops.insert(draw(st.integers(0, len(ops))), draw(_noise(ids, ops)))
    endings = [draw(st.sampled_from(ENDERS))] if draw(st.integers(0, 4)) == 4 else []
    if must_end:
        endings.append(api.UNSUBSCRIBED)
    for ender in endings:
        payload = draw(positive(ender))
        ops.insert(draw(st.integers(0, len(ops))), _send(draw, ender, payload, ids, "ends"))
    return Scenario(playbook, tuple(ops), draw(instants()))
