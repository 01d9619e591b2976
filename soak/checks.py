"""What a soak run found: outcomes, and every invariant checked against what really happened.

Emails are checked against what arrived at the SMTP server, transaction by transaction:
every email a sale recorded arrived, nothing arrived that no sale recorded, no step went
out under two Message-IDs, none was decided after the sale recorded an opt-out or its loss
(one already in flight then, scheduled before it, is counted apart: it was recorded, and its
last look asked the server just before SMTP),
and a Message-ID seen twice is a retry that a fault explains (a worker killed before it
could record the delivery, the SMTP server stopped mid-transaction); a receiving mailbox
keeps such a retry once, as `devstack.mailbox` does. Events are counted by `event_id`:
each one the server took is applied, rejected or dropped by the sale (or still kept
for its step, in a sale that is open), and none is applied twice.
"""

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sales.stages import SalesStage
from sales.state import EmailRecord
from soak.driver import SaleRun
from soak.stack import Arrival

ENDING_SIGNALS = ("unsubscribed", "email_bounced", "mark_lost")
# An email activity runs at most this long (workflows.emailing.ACTIVITY_TIMEOUT) plus slack:
# a transaction that began longer before a fault cannot have been cut off by it.
IN_FLIGHT = 70.0
EXAMPLES = 3


@dataclass(frozen=True)
class Fault:
    what: str
    start: float  # time.time()
    end: float


@dataclass
class Line:
    """One figure; `ok` None is information, False a broken invariant."""

    label: str
    value: str
    ok: bool | None = None
    examples: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)

    def add(
        self, label: str, value: object, ok: bool | None = None, examples: list[str] | None = None
    ) -> None:
        self.lines.append(Line(label, str(value), ok, (examples or [])[:EXAMPLES]))

    def invariant(self, label: str, found: list[str], *, total: object = None) -> None:
        """A count that must be 0, with a few of the cases that broke it."""
        value = f"{len(found)}" + (f" of {total}" if total is not None else "")
        self.add(label, value, not found, found)


def outcome_section(runs: list[SaleRun]) -> Section:
    section = Section("Sales by outcome")
    outcomes: Counter[str] = Counter()
    for run in runs:
        outcomes[outcome_of(run)] += 1
    for name, count in sorted(outcomes.items(), key=lambda kv: (kv[0].split()[0], -kv[1])):
        section.add(name, count)
    failed = [f"{r.workflow_id or r.plan.index}: {r.failure}" for r in runs if r.failure]
    section.invariant("sales failed or not started", failed)
    by_persona: dict[str, list[SaleRun]] = defaultdict(list)
    for run in runs:
        by_persona[run.plan.persona].append(run)
    differs = []
    for persona, group in sorted(by_persona.items()):
        done = [r for r in group if r.outcome is not None]
        as_meant = [r for r in done if str(r.plan.expected) == outcome_of(r)]
        section.add(f"persona {persona}", f"{len(as_meant)} of {len(group)} as scripted")
        differs += [
            f"{r.workflow_id} ({persona}): {outcome_of(r)}, scripted {r.plan.expected}"
            for r in done
            if str(r.plan.expected) != outcome_of(r)
        ]
    section.invariant("closed sales that ended otherwise than scripted", differs)
    return section


def outcome_of(run: SaleRun) -> str:
    if run.failure:
        return "FAILED"
    if run.outcome is None:
        stage = run.state.stage if run.state else "?"
        return f"open at the deadline ({stage})"
    reason = run.outcome.lost_reason
    return f"{run.outcome.stage} {reason}" if reason else str(run.outcome.stage)


def email_section(runs: list[SaleRun], arrivals: list[Arrival], faults: list[Fault]) -> Section:
    section = Section("Emails (SMTP server against each sale's state)")
    by_sale: dict[str, list[Arrival]] = defaultdict(list)
    for arrival in arrivals:
        by_sale[arrival.workflow_id].append(arrival)
    known = {run.workflow_id for run in runs} | {run.support_id for run in runs}
    recorded_total = 0
    missing: list[str] = []
    unrecorded: list[str] = []
    two_ids: list[str] = []
    late: list[str] = []
    in_flight: list[str] = []
    after_cancel: list[float] = []
    explained: list[str] = []
    unexplained: list[str] = []
    unread = [run.workflow_id for run in runs if run.state is None]
    unread += [
        run.support_id
        for run in runs
        if run.outcome and run.outcome.stage is SalesStage.WON and run.support is None
    ]
    per_sale: Counter[int] = Counter()
    exact = 0
    for run in runs:
        if run.state is None:
            continue
        recorded: list[EmailRecord] = list(run.state.emails)
        mine = by_sale[run.workflow_id] + (by_sale[run.support_id] if run.support else [])
        if run.support is not None:
            recorded += run.support.emails
        recorded_total += len(recorded)
        per_sale[len(recorded)] += 1
        ids = {email.message_id for email in recorded}
        arrived = Counter(a.message_id for a in mine)
        missing += [
            f"{run.workflow_id}: {e.step} {e.message_id}"
            for e in recorded
            if not arrived[e.message_id]
        ]
        stray = [a for a in mine if a.message_id not in ids]
        exact += set(arrived) == ids and len(ids) == len(recorded)
        if run.outcome is not None or run.failure:
            unrecorded += [f"{run.workflow_id}: {a.step} {a.message_id}" for a in stray]
        steps: dict[str, set[str]] = defaultdict(set)
        for arrival in mine:
            steps[f"{arrival.workflow_id} {arrival.step}"].add(arrival.message_id)
        two_ids += [f"{step}: {sorted(mids)}" for step, mids in steps.items() if len(mids) > 1]
        for message_id, count in arrived.items():
            if count > 1:
                times = sorted((a for a in mine if a.message_id == message_id), key=began)
                why = repeat_cause(times, faults)
                text = f"{message_id} x{count}" + (f" ({why})" if why else "")
                (explained if why else unexplained).append(text)
        ends = after_the_end(run, by_sale[run.workflow_id])
        late += ends.decided
        in_flight += ends.in_flight
        after_cancel += [gap for gap in ends.after_cancel if gap > 0]
    stray_sales = [a.message_id for a in arrivals if a.workflow_id not in known]
    unique = len({a.message_id for a in arrivals})
    section.add("recorded by the sales (state queries)", recorded_total)
    section.add("SMTP transactions / distinct Message-IDs", f"{len(arrivals)} / {unique}")
    spread = ", ".join(f"{n} emails: {c}" for n, c in sorted(per_sale.items()))
    section.add("sales by emails recorded", spread)
    section.add("sales whose arrivals match their record exactly", f"{exact} of {len(runs)}")
    section.invariant("sales or supports whose state could not be read", unread)
    section.invariant("recorded but never arrived", missing)
    section.invariant("arrived but recorded by no sale (closed sales)", unrecorded)
    section.invariant("arrived for no sale of this run", stray_sales)
    section.invariant("one step sent under two Message-IDs", two_ids)
    section.invariant(
        "duplicates: a Message-ID delivered again, no fault cut the first", unexplained
    )
    section.add(
        "a Message-ID sent again after a fault cut the first (a mailbox keeps one)",
        len(explained),
        None,
        explained,
    )
    section.invariant("emails decided after an opt-out or after LOST", late)
    section.add(
        "emails in flight at an opt-out or LOST (scheduled before it; recorded)",
        len(in_flight),
        None,
        in_flight,
    )
    latest = f" (latest {max(after_cancel):+.3f} s)" if after_cancel else ""
    section.add(
        "of those, begun after the server had the sale's cancel", f"{len(after_cancel)}{latest}"
    )
    return section


@dataclass
class AfterTheEnd:
    """A lost sale's emails that began after its end: decided after it, or in flight then."""

    decided: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    after_cancel: list[float] = field(default_factory=list)  # SMTP start less the cancel


def after_the_end(run: SaleRun, arrivals: list[Arrival]) -> AfterTheEnd:
    found = AfterTheEnd()
    ended = ended_at(run)
    for arrival in arrivals if ended is not None else []:
        if ended is None or arrival.began <= ended:
            continue
        gap = arrival.began - ended
        text = f"{run.workflow_id}: {arrival.step} began {gap:+.2f} s after it ended"
        send = run.sends.get(f"{run.workflow_id} {arrival.step}")
        if send is None or send.scheduled_at >= ended:
            found.decided.append(text)
            continue
        cancel = send.cancel_requested_at
        when = f"{arrival.began - cancel:+.3f} s from the cancel" if cancel else "no cancel yet"
        found.in_flight.append(f"{text}, scheduled {send.scheduled_at - ended:+.2f} s, {when}")
        if cancel is not None:
            found.after_cancel.append(arrival.began - cancel)
    return found


def repeat_cause(arrivals: list[Arrival], faults: list[Fault]) -> str | None:
    """The fault that explains every repeat of one Message-ID, or None."""
    causes = []
    for first, again in itertools.pairwise(arrivals):
        cause = next(
            (
                f.what
                for f in faults
                if f.start - IN_FLIGHT <= first.began <= f.end and again.began >= f.start
            ),
            None,
        )
        if cause is None:
            return None
        causes.append(cause)
    return ", ".join(dict.fromkeys(causes))


def began(arrival: Arrival) -> float:
    return arrival.began


def ended_at(run: SaleRun) -> float | None:
    """When a lost sale recorded its end: the opt-out, bounce or mark_lost, else its loss."""
    state = run.state
    if state is None or state.stage is not SalesStage.LOST:
        return None
    ending = [e.at for e in state.applied_events if e.signal in ENDING_SIGNALS]
    lost = [c.at for c in state.timeline if c.stage is SalesStage.LOST]
    moments = ending or lost
    return min(moments).timestamp() if moments else None


def event_section(runs: list[SaleRun]) -> Section:
    section = Section("Events (counted by event_id, per sale)")
    sent: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    unaccounted: list[str] = []
    twice: list[str] = []
    spurious: list[str] = []
    errors: list[str] = []
    reasons: Counter[str] = Counter()
    for run in runs:
        for s in run.sent:
            sent[f"{s.action.role} via {s.action.how}: {s.outcome.split(':')[0]}"] += 1
            if s.outcome.startswith("error"):
                errors.append(f"{run.workflow_id} {s.action.name}: {s.outcome}")
        state = run.state
        if state is None:
            continue
        delivered = [s.action for s in run.sent if s.outcome == "delivered"]
        expected = Counter(a.event_id for a in delivered)
        applied = Counter(e.event_id for e in state.applied_events)
        rejected = Counter(e.event_id for e in state.rejected_events)
        reasons.update(kind_of(e.reason) for e in state.rejected_events)
        dropped = sum(d.count for d in state.dropped_events)
        pending = len(state.pending_events) if run.outcome is None else 0
        totals.update(
            delivered=len(delivered),
            applied=sum(applied.values()),
            rejected=sum(rejected.values()),
            dropped=dropped,
            pending=pending,
        )
        twice += [f"{run.workflow_id}: {i} applied {n} times" for i, n in applied.items() if n > 1]
        seen = applied + rejected
        extra = seen - expected
        if extra:
            spurious.append(f"{run.workflow_id}: {dict(extra)} never sent")
        left = expected - seen
        if sum(left.values()) != dropped + pending:
            unaccounted.append(
                f"{run.workflow_id} ({run.plan.persona}, {outcome_of(run)}): sent {dict(left)} "
                f"without a record; dropped {dropped}, kept {state.pending_events}"
            )
    for label, count in sorted(sent.items()):
        section.add(f"sent: {label}", count)
    retried = sum(s.retries > 0 for run in runs for s in run.sent)
    section.add("updates sent again (dropped by the server with a failed workflow task)", retried)
    for reason, count in reasons.most_common():
        section.add(f"rejected: {reason}", count)
    section.add(
        "delivered = applied + rejected + dropped + kept (open sales)",
        f"{totals['delivered']} = {totals['applied']} + {totals['rejected']} + "
        f"{totals['dropped']} + {totals['pending']}",
        totals["delivered"]
        == totals["applied"] + totals["rejected"] + totals["dropped"] + totals["pending"],
    )
    section.invariant("sales with events unaccounted for", unaccounted, total=len(runs))
    section.invariant("events applied twice", twice)
    section.invariant("sales recording events never sent", spurious)
    section.invariant("sends that failed with an error", errors)
    return section


def kind_of(reason: str) -> str:
    """A rejection's reason without the particulars of one sale (stage, quote, field)."""
    for kind in (
        "duplicate event_id",
        "invalid payload",
        "unreadable payload",
        "unknown signal",
        "not applied: the sale moved on",
        "the sale is already ending",
        "the sale is already",
        "cannot be quoted",
    ):
        if reason.startswith(kind):
            return kind
    if reason.startswith("arrived in "):
        return "arrived after its stage"
    if "has no step that takes" in reason:
        return "no step of the playbook takes it"
    return reason[:60]


def determinism_section(runs: list[SaleRun], log_lines: list[str]) -> Section:
    section = Section("Workflow tasks")
    failures: Counter[str] = Counter()
    timeouts = 0
    found: list[str] = []
    unread: list[str] = []
    for run in runs:
        failures.update(run.task_failures)
        timeouts += run.task_timeouts
        found += run.nondeterminism
        unread += run.read_errors
    for cause, count in sorted(failures.items()):
        short = cause.removeprefix("WORKFLOW_TASK_FAILED_CAUSE_")
        section.add(f"WorkflowTaskFailed {short}", count)
    section.add("WorkflowTaskTimedOut (the worker killed)", timeouts)
    section.invariant("non-determinism errors in the histories or queries", found)
    section.invariant("non-determinism lines in the worker log", log_lines)
    section.invariant("states or histories that could not be read", unread)
    return section
