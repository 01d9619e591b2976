"""Two years of one customer account at the default playbook's real durations, on time skipping:
orders (one late and escalated), tickets breaching their service levels in business hours,
a low score followed up, health moving to at risk and back, a renewal won and the term
extended, a second renewal lost, the account closed; every email once, every run's history
under its bound."""

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.account.calendar import add_months
from sales.account.records import Handoff, HandoffLine, Health, SaleKind
from sales.account.state import AccountState
from sales.playbook import load_playbook
from sales.sending import ZONES
from sales.stages import SalesStage
from sales.state import SaleOutcome
from settings import Settings
from tests.smtp_inbox import SmtpServer, readable, subject_of
from tests.workflows.helpers import (
    PLAYBOOKS,
    new_lead,
    next_local,
    start_account_at,
    wait_for,
    wait_for_support,
)
from workflows.sale import api as sale_api

PARIS = ZONES["Europe/Paris"]
# Each run continues as new past this many events; a run ends the round of events and
# deadlines it is in, so its history stays under HISTORY_LIMIT + ROUND.
HISTORY_LIMIT = 120
ROUND = 60
# Where `make histories` keeps the runs of this account for the replay test.
RECORD = (
    Path(os.environ["SALESFLOW_RECORD_ACCOUNT"])
    if "SALESFLOW_RECORD_ACCOUNT" in os.environ
    else None
)


def handoff(signed_on: date, ordered_at: datetime) -> Handoff:
    return Handoff(
        needs_summary="Three packaging lines stop twice a month on bearing failures",
        quote_number="Q-2026-polderpack-v1",
        lines=[
            HandoffLine(
                sku="NW-SENSOR-100",
                description="Vibration sensor",
                quantity=10,
                unit_price=Decimal("149.00"),
                total=Decimal("1490.00"),
            )
        ],
        net_total=Decimal("1490.00"),
        gross_total=Decimal("1773.10"),
        currency="EUR",
        terms="Delivery within 4 weeks of order. Payment 30 days net.",
        contract_number="C-2026-polderpack-v1",
        contract_signed_on=signed_on,
        payment_terms="30 days net from invoice date",
        term_months=12,
        order_number="PO-1",
        order_amount=Decimal("1490.00"),
        ordered_at=ordered_at,
        po_number="4500012345",
    )


class Clock:
    """The account's virtual clock, as the time-skipping server keeps it."""

    def __init__(self, env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any]) -> None:
        self.env, self.handle = env, handle

    async def now(self) -> datetime:
        info = await self.env.get_time_skipping_info(self.handle)
        assert info is not None
        return info.current_time.ToDatetime(tzinfo=UTC)

    async def to(self, when: datetime) -> None:
        """Fast-forward the account to `when` (local or UTC)."""
        ahead = when - await self.now()
        assert ahead > timedelta(0), f"{when} has passed"
        await self.env.fast_forward(self.handle, ahead)


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


async def test_an_account_runs_two_years_renews_once_and_closes_with_a_reason(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    # No country: no public holidays, so the business days are Monday to Friday whatever
    # the date the test runs; the zone's DST changes still fall inside the two years.
    lead = new_lead(country=None, timezone="Europe/Paris")
    # The shipped playbook as it is, window and all: the test sets every hour it acts at.
    playbook = load_playbook(PLAYBOOKS, "default")
    account = playbook.account
    start = next_local(0, 10, "Europe/Paris")  # a Monday, 10:00 in Paris
    monday = start.date()
    handle = await start_account_at(
        ts_env,
        settings,
        lead,
        playbook,
        start,
        order_number="PO-1",
        handoff=handoff(monday, start),
        history_limit=HISTORY_LIMIT,
    )
    clock = Clock(ts_env, handle)
    inbox = smtp.inbox

    # The hand-off: the owner from the rota, named in the welcome; the deal in their note.
    state = await wait_for_support(handle, lambda s: len(s.emails) == 2, "welcome and hand-off")
    owner = account.owner_for(lead.lead_id)
    assert owner is not None and state.owner == owner
    assert state.stage == "CUSTOMER"
    assert state.term_ends_on == add_months(monday, 12)
    (welcome,) = inbox.of_sale(handle.id, to=lead.email)
    assert f"Your account manager is {owner.name} ({owner.email})" in readable(welcome)[0]
    (note,) = inbox.of_sale(handle.id, to=str(owner.email))
    text = readable(note)[0]
    for shown in ("PO-1", "4500012345", "C-2026-polderpack-v1", "NW-SENSOR-100", "1,490.00"):
        assert shown in text

    # A second order, promised for day 10; PO-1 is promised 28 days after it was placed.
    promised = monday + timedelta(days=10)
    await handle.signal(
        "order_placed", {"order_number": "PO-2", "amount": "500", "promised_by": str(promised)}
    )

    # A P1 ticket on Friday at 16:00: 4 business hours to the first response end on Monday at
    # 11:30 (1.5 h on Friday, 2.5 h on Monday), 16 to the resolution on Tuesday at 15:00.
    await clock.to(paris(monday + timedelta(days=4), 16))
    await handle.signal(
        "ticket_opened", {"ticket_id": "T-1", "subject": "Line 2 down", "priority": "p1"}
    )
    next_monday = monday + timedelta(days=7)
    await clock.to(paris(next_monday, 12))
    state = await wait_for_support(
        handle, lambda s: "ticket:T-1:first_response" in keys(s), "first response breach"
    )
    (ticket,) = state.tickets
    first, resolution = ticket.clocks
    assert first.due_at.astimezone(PARIS) == paris(next_monday, 11, 30) + seconds(first.due_at)
    assert resolution.due_at.astimezone(PARIS).replace(second=0, microsecond=0) == paris(
        next_monday + timedelta(days=1), 15
    )
    assert [e.to for e in first.escalations] == [str(owner.email)]
    assert state.health is Health.AT_RISK
    await handle.signal("ticket_responded", {"ticket_id": "T-1", "by": "priya"})

    # The resolution breaches on Tuesday (to the owner) and is still open 16 business hours
    # later, on Thursday at 14:00 (to the support lead); then it is resolved.
    await clock.to(paris(next_monday + timedelta(days=3), 14, 30))
    state = await wait_for_support(
        handle,
        lambda s: len(s.tickets[0].clocks[1].escalations) == 2,
        "resolution escalated to the support lead",
    )
    first, resolution = state.tickets[0].clocks
    assert first.stopped_at is not None and len(first.escalations) == 1
    assert account.support_lead is not None
    assert [e.to for e in resolution.escalations] == [
        str(owner.email),
        str(account.support_lead.email),
    ]
    await handle.signal("ticket_resolved", {"ticket_id": "T-1"})

    # PO-2 not fulfilled by the end of its promised day: escalated once, needs attention.
    await clock.to(paris(promised + timedelta(days=1), 10))
    state = await wait_for_support(
        handle, lambda s: "order:PO-2" in keys(s), "late order escalated"
    )
    assert state.health is Health.AT_RISK
    assert state.health_reasons == ["order PO-2 is late"]
    po2 = state.order("PO-2")
    assert po2 is not None and [e.to for e in po2.escalations] == [str(owner.email)]
    await handle.signal("order_shipped", {"order_number": "PO-2"})
    await handle.signal("order_fulfilled", {"order_number": "PO-2"})
    await handle.signal("order_fulfilled", {"order_number": "PO-1"})
    state = await wait_for_support(handle, lambda s: len(s.orders_fulfilled) == 2, "fulfilled")
    assert (state.health, state.concerns) == (Health.GOOD, [])
    assert state.value == Decimal("1990")

    # The first check-in 14 days after the first fulfilment asks for a score; a 5 opens a
    # follow-up for the owner, due in 3 days; a 9 later brings the account back to good.
    await clock.to(await clock.now() + playbook.support.check_in_after + timedelta(days=3))
    await inbox.wait_for(lambda _: "check_in_1" in inbox.steps(lead.email))
    await handle.signal("feedback_received", {"score": 5, "comment": "Delivery was late"})
    state = await wait_for_support(handle, lambda s: bool(s.follow_ups), "follow-up opened")
    (task,) = state.follow_ups
    assert (task.reason, task.due_at - task.opened_at) == (
        "scored 5: Delivery was late",
        account.follow_up_within,
    )
    assert (state.health, state.health_reasons) == (Health.AT_RISK, ["the last score was 5"])
    await handle.signal("follow_up_done", {"task_id": task.task_id, "by": owner.name})
    await handle.signal("feedback_received", {"score": 9})
    state = await wait_for_support(handle, lambda s: len(s.feedback) == 2, "second score")
    assert state.health is Health.GOOD and state.follow_ups[0].done_at is not None

    # The renewal: reminded 90 days before the term ends, started 60 days before.
    ends = add_months(monday, 12)
    await clock.to(just_before(paris(ends - timedelta(days=60), 9)))
    state = await wait_for_support(handle, lambda s: bool(s.sales), "renewal started")
    (renewal,) = state.sales
    assert renewal.kind is SaleKind.RENEWAL and renewal.for_term_ending == ends
    assert renewal.started_at.astimezone(PARIS).date() == ends - timedelta(days=60)
    assert renewal.workflow_id == sale_api.workflow_id(f"{lead.lead_id}-r1")
    assert state.renewal_reminded_for == ends
    reminded = [e for e in state.emails if e.step == f"renewal_due_{ends}"]
    assert reminded[0].sent_at.astimezone(PARIS).date() >= ends - timedelta(days=90)

    # The renewal sale starts from the account's items, already qualified, with no outreach:
    # the quote goes out at once; accepted, signed and ordered, it is won.
    sale = ts_env.client.get_workflow_handle(renewal.workflow_id, result_type=SaleOutcome)
    quoted = await wait_for(sale, lambda s: bool(s.quotes), "renewal quote")
    assert quoted.account_workflow_id == handle.id
    assert [(line.sku, line.quantity) for line in quoted.quotes[0].lines] == [("NW-SENSOR-100", 10)]
    await sale.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    await wait_for(
        sale, lambda s: any(e.step.startswith("contract_v") for e in s.emails), "contract"
    )
    await sale.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
    await sale.signal("order_placed", {"order_number": "PO-R1", "amount": "1490"})
    assert (await sale.result()).stage == SalesStage.WON
    state = await wait_for_support(handle, lambda s: s.sales[0].outcome == "WON", "renewal won")
    assert state.term_ends_on == add_months(ends, 12)
    assert state.value == Decimal("1990") + quoted.quotes[0].totals.net

    # The second year: the next renewal starts 60 days before the new end and is lost,
    # and the account is churning; it is closed with a reason.
    second_end = add_months(ends, 12)
    await clock.to(just_before(paris(second_end - timedelta(days=60), 9)))
    state = await wait_for_support(handle, lambda s: len(s.sales) == 2, "second renewal")
    lost = ts_env.client.get_workflow_handle(state.sales[1].workflow_id, result_type=SaleOutcome)
    await wait_for(lost, lambda s: bool(s.quotes), "second renewal quote")
    await lost.signal("proposal_rejected", {"reason": "moved to a competitor"})
    assert (await lost.result()).stage == SalesStage.LOST
    state = await wait_for_support(handle, lambda s: s.sales[1].outcome == "LOST", "lost")
    assert state.health is Health.CHURNING
    assert f"the renewal {state.sales[1].workflow_id} was lost" in state.health_reasons
    await clock.to(paris(second_end - timedelta(days=1), 12))
    await handle.signal("account_closed", {"reason": "moved to a competitor"})
    final = await handle.result()
    assert final.closed_reason == "moved to a competitor"
    assert final.closed_at is not None
    assert final.closed_at - start > timedelta(days=725)

    # Every email once: the customer's, the owner's and the support lead's, as recorded.
    recorded = [e.message_id for e in final.emails]
    arrived = [str(m["Message-ID"]) for m in inbox.of_sale(handle.id)]
    assert sorted(arrived) == sorted(recorded) and len(set(recorded)) == len(recorded)
    steps = [e.step for e in final.emails]
    check_ins = [step for step in steps if step.startswith("check_in_")]
    assert check_ins == [f"check_in_{n}" for n in range(1, len(check_ins) + 1)]
    assert len(check_ins) >= 7  # every 90 days after the first, over two years
    assert [s for s in steps if not s.startswith("check_in_")] == [
        "welcome",
        "handoff_note",
        "ticket_breach_T-1_first_response_1",
        "ticket_breach_T-1_resolution_1",
        "ticket_breach_T-1_resolution_2",
        "order_late_PO-2",
        "follow_up_task_F-1",
        f"renewal_due_{ends}",
        f"renewal_reminder_{ends}",
        f"renewal_due_{second_end}",
        f"renewal_reminder_{second_end}",
    ]
    subjects = {subject_of(m) for m in inbox.of_sale(handle.id)}
    assert "P1 ticket T-1 missed its resolution target" in subjects

    # Continued as new along the way, each run's history under its bound.
    runs = [e async for e in ts_env.client.list_workflows(f'WorkflowId = "{handle.id}"')]
    assert len(runs) == final.runs >= 2
    for number, run in enumerate(reversed(runs), start=1):
        history = await ts_env.client.get_workflow_handle(
            handle.id, run_id=run.run_id
        ).fetch_history()
        assert len(history.events) < HISTORY_LIMIT + ROUND
        if RECORD:  # `make histories`: today's account, for the replay test
            (RECORD / f"account-two-years-run{number}.json").write_text(history.to_json())


def just_before(moment: datetime) -> datetime:
    """A few seconds before a deadline that starts a sale: the fast-forward (and the skipping
    a child would inherit) is over when the account starts it on the real clock."""
    return moment - timedelta(seconds=3)


def keys(state: AccountState) -> list[str]:
    return [concern.key for concern in state.concerns]


def seconds(moment: datetime) -> timedelta:
    """The seconds past the minute a deadline carries from the moment its ticket came in."""
    return timedelta(seconds=moment.second, microseconds=moment.microsecond)
