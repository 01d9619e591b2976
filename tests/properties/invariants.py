"""The invariants every sale keeps, whatever it was sent and in whatever order.

Each takes the sale's final `state` (and what was sent to it, or what went out as email) and
returns the broken ones, described; `check` asserts them all at once.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime

from sales.playbook import Playbook
from sales.process import StepName
from sales.stages import SalesStage
from sales.state import SaleOutcome, SaleState
from tests.properties.drive import Delivered
from workflows.sale import api

UNKNOWN = "(unknown signal)"  # what the sale counts every unknown name under
STOPS_EMAIL = (api.UNSUBSCRIBED.name, api.EMAIL_BOUNCED.name)


def counted_as(name: str) -> str:
    return name if api.MESSAGES.get(name) is not None else UNKNOWN


def one_outcome(state: SaleState, outcome: SaleOutcome) -> list[str]:
    """Ended WON or LOST, one of the two, the same in the result, the state and the timeline."""
    problems: list[str] = []
    finals = [change.stage for change in state.timeline if change.stage.is_final]
    if not outcome.stage.is_final or state.stage != outcome.stage or finals != [outcome.stage]:
        problems.append(f"outcome {outcome.stage}, state {state.stage}, final stages {finals}")
    if state.timeline and state.timeline[-1].stage != state.stage:
        problems.append(f"the timeline ends in {state.timeline[-1].stage}, not {state.stage}")
    lost = state.stage == SalesStage.LOST
    if lost != (state.lost_reason is not None) or outcome.lost_reason != state.lost_reason:
        problems.append(f"{state.stage} with lost reason {state.lost_reason}/{outcome.lost_reason}")
    if (state.stage == SalesStage.WON) != (state.support_workflow_id is not None):
        problems.append(f"{state.stage} with support workflow {state.support_workflow_id}")
    if state.pending_events:
        problems.append(f"events still kept after the end: {state.pending_events}")
    return problems


def no_mail_after_the_end(state: SaleState, sent: Iterable[str]) -> list[str]:
    """No email after LOST or after an applied opt-out or bounce; every email sent is recorded."""
    problems: list[str] = []
    stops: list[datetime] = [e.at for e in state.applied_events if e.signal in STOPS_EMAIL]
    if state.stage == SalesStage.LOST:
        stops.append(state.timeline[-1].at)
    if stops:
        late = [(e.step, e.sent_at) for e in state.emails if e.sent_at > min(stops)]
        if late:
            problems.append(f"emails after the sale stopped at {min(stops)}: {late}")
    recorded = Counter(email.step for email in state.emails)
    if Counter(sent) != recorded:
        problems.append(f"emails sent {sorted(Counter(sent).elements())}, recorded {recorded}")
    return problems


REPLIES = (api.CONTACT_RESPONDED.name, api.INTEREST_EXPRESSED.name)


def outreach_step(step: str) -> bool:
    """Unsolicited outreach: the intro, a follow-up, a reminder of a quote or a contract."""
    return step == "intro" or step.startswith("follow_up") or step.endswith("_reminder")


def outreach_in_business_hours(
    state: SaleState, playbook: Playbook, days_off: Callable[[int], frozenset[date]]
) -> list[str]:
    """Outreach to the lead left inside its sending window, in its own time, on a business day
    that is no public holiday of its country; no intro or follow-up after its reply."""
    problems: list[str] = []
    outreach = playbook.outreach
    zone = outreach.zone_for(state.lead)
    replied = [e.at for e in state.applied_events if e.signal in REPLIES]
    for email in state.emails:
        if email.to != state.lead.email or not outreach_step(email.step):
            continue
        local = email.sent_at.astimezone(zone)
        if outreach.window is not None:
            opens = outreach.opens(email.sent_at, zone, days_off(local.year))
            if opens != email.sent_at:
                problems.append(f"{email.step} left at {local:%a %Y-%m-%d %H:%M} {zone.key}")
        if email.step.startswith(("intro", "follow_up")) and replied and email.sent_at > replied[0]:
            problems.append(f"{email.step} left at {email.sent_at} after the reply at {replied[0]}")
    sent = {email.step for email in state.emails}
    twice = sorted(c.step for c in state.cancelled_emails if c.step in sent)
    if twice:
        problems.append(f"emails both cancelled and sent: {twice}")
    return problems


def won_earned(state: SaleState, playbook: Playbook) -> list[str]:
    """WON only with the offer accepted, the contract signed (if any) and an order placed."""
    if state.stage != SalesStage.WON:
        return []
    applied = {event.signal for event in state.applied_events}
    needed = {api.ORDER_PLACED.name}
    offer = api.TENDER_AWARDED if playbook.has_step(StepName.TENDER) else api.PROPOSAL_ACCEPTED
    needed.add(offer.name)
    contract = playbook.has_step(StepName.CONTRACT)
    if contract:
        needed.add(api.CONTRACT_SIGNED.name)
    problems = [f"WON without {name} applied" for name in sorted(needed - applied)]
    if state.acceptance is None or state.order is None or (contract and state.signature is None):
        problems.append(f"WON with {state.acceptance=}, {state.signature=}, {state.order=}")
    return problems


def every_event_accounted(delivered: list[Delivered], state: SaleState) -> list[str]:
    """Each message the sale took in is applied once, kept, rejected or counted; none twice."""
    problems: list[str] = []
    taken = [d.send for d in delivered if d.recorded]
    expected = Counter(counted_as(send.name) for send in taken)
    found = Counter(event.signal for event in state.applied_events)
    found.update(counted_as(event.signal) for event in state.rejected_events)
    found.update(state.pending_events)
    for dropped in state.dropped_events:
        found[dropped.signal] += dropped.count
    if expected != found:
        lost, extra = expected - found, found - expected
        problems.append(f"per signal: not accounted for {dict(lost)}, unexplained {dict(extra)}")
    applied = Counter(e.event_id for e in state.applied_events if e.event_id is not None)
    twice = sorted(event_id for event_id, n in applied.items() if n > 1)
    if twice:
        problems.append(f"event ids applied more than once: {twice}")
    ids = Counter(send.event_id for send in taken if send.event_id is not None)
    unknown = sorted(set(applied) - set(ids))
    if unknown:
        problems.append(f"applied event ids never sent: {unknown}")
    said = [d.send.event_id for d in delivered if d.answer.startswith("applied")]
    missing = sorted({event_id for event_id in said if event_id and not applied[event_id]})
    if missing:
        problems.append(f"updates answered 'applied' but not among the applied events: {missing}")
    rejected = Counter(e.event_id for e in state.rejected_events if e.event_id is not None)
    exact = not state.pending_events and not state.dropped_events
    for event_id, sends in sorted(ids.items()):
        seen = applied[event_id] + rejected[event_id]
        if seen > sends or (exact and seen != sends):
            problems.append(
                f"{event_id}: sent {sends} times, applied {applied[event_id]}, "
                f"rejected {rejected[event_id]}"
            )
    return problems


def check(
    delivered: list[Delivered],
    state: SaleState,
    outcome: SaleOutcome,
    playbook: Playbook,
    sent: Iterable[str],
    days_off: Callable[[int], frozenset[date]] = lambda year: frozenset(),
) -> None:
    """Every invariant; an AssertionError naming each one broken, with what was sent.
    `days_off`: the public holidays of the lead's country in a year and the next."""
    problems = [
        *one_outcome(state, outcome),
        *no_mail_after_the_end(state, sent),
        *outreach_in_business_hours(state, playbook, days_off),
        *won_earned(state, playbook),
        *every_event_accounted(delivered, state),
    ]
    if problems:
        raise AssertionError("\n".join(["invariants broken:", *problems, report(delivered, state)]))


def report(delivered: list[Delivered], state: SaleState) -> str:
    lines = ["sent:", *(f"  {d!r}" for d in delivered)]
    lines.append(f"ended {state.stage} ({state.lost_reason}: {state.lost_notes})")
    lines.append(f"timeline: {[(c.stage.value, c.at.isoformat()) for c in state.timeline]}")
    lines.append(
        f"applied: {[(e.signal, e.event_id, e.at.isoformat()) for e in state.applied_events]}"
    )
    lines.append(f"rejected: {[(e.signal, e.event_id, e.reason) for e in state.rejected_events]}")
    lines.append(f"dropped: {[(d.signal, d.why, d.count) for d in state.dropped_events]}")
    lines.append(f"emails: {[(e.step, e.sent_at.isoformat()) for e in state.emails]}")
    lines.append(f"cancelled: {[(c.step, c.why) for c in state.cancelled_emails]}")
    return "\n".join(lines)
