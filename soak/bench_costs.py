"""What a won sale costs: Temporal Cloud actions and history bytes per playbook, and the PDF
typesetting and SMTP hand-off the throughput sales leave out, timed apart (the first offer's
too, which the activity pricing its quote sends from process version 11).

Per playbook: the simulation's `buyer` persona drives one sale to WON on a time-skipping
server of its own (`simulation.command.simulate`), and its recorded history is counted
(`simulation.actions`). PDF and SMTP: the document activities of the throughput's reference
sale, decoded from its history, run again here and each PDF typeset as the email that sends
it typesets it (the median of a few runs), and its email activities with and without the SMTP
hand-off (to this bench's SMTP server, the PDFs attached as a real sale attaches them); the
difference of the medians.
"""

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.converter import DataConverter
from temporalio.testing import ActivityEnvironment

from activities.document_store import DocumentStore, document_store
from activities.documents import DocumentActivities
from activities.email import EmailActivities
from activities.typesetting import document_bytes, typeset_from_source
from sales.playbook import load_playbook
from sales.requests import ContractRequest, EmailRequest, QuoteRequest
from sales.stages import SalesStage
from settings import Settings
from simulation.actions import action_breakdown, history_bytes, history_size
from simulation.behaviour import load_behaviour
from simulation.command import RecordedEmails, simulate, synthetic_lead

PLAYBOOKS = ("default", "quick", "enterprise", "public-sector")
PERSONA = "buyer"
WEDNESDAY = 2
RUNS = 5


@dataclass(frozen=True)
class WonSale:
    """One playbook's sale as the buyer persona drove it."""

    playbook: str
    stage: str
    actions: dict[str, int]
    history_bytes: int
    history_size: int
    history_events: int

    @property
    def won(self) -> bool:
        return self.stage == SalesStage.WON.value


async def won_sales(settings: Settings, playbooks: Sequence[str] = PLAYBOOKS) -> list[WonSale]:
    """Each playbook's buyer sale, begun on a Wednesday morning in the lead's zone and driven
    to its end on a time-skipping server."""
    buyer = next(p for p in load_behaviour(None).personas if p.name == PERSONA)
    lead = synthetic_lead(1, buyer, "bench")
    sales: list[WonSale] = []
    for name in playbooks:
        playbook = load_playbook(settings.playbooks_dir, name)
        begins = wednesday_morning(datetime.now(UTC), playbook.outreach.zone_for(lead))
        [run] = await simulate(playbook, [buyer], settings, begins_at=begins)
        assert run.history is not None
        sales.append(
            WonSale(
                playbook=name,
                stage=run.state.stage.value,
                actions=action_breakdown(run.history.events),
                history_bytes=history_bytes(run.history),
                history_size=history_size(run.history),
                history_events=len(run.history.events),
            )
        )
    return sales


def working_morning(after: datetime, zone: ZoneInfo) -> datetime:
    """10:00 in `zone` on the first working day (Monday to Friday, not a public holiday of
    Germany, the buyer's country) after `after`'s day: the buyer's sale begins then, inside its
    window, so the figures do not depend on the hour the bench runs (a sale begun at night
    waits for the window: a timer, an upsert and 0.7 KB more)."""
    public = holidays.country_holidays("DE")
    day = after.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() >= 5 or day in public:
        day += timedelta(days=1)
    return datetime.combine(day, dtime(10), tzinfo=zone)


def wednesday_morning(after: datetime, zone: ZoneInfo) -> datetime:
    """10:00 in `zone` on the first Wednesday after `after`'s day that is not a public holiday
    of Germany: the buyer's sale begins then, so the figures depend neither on the hour nor on
    the weekday the bench runs. From process version 9 a wait for an outreach email ends when
    the email can go, so where the buyer's deadlines fall in the week moves the count of its
    timers, and an answer that falls in the instant a deadline comes due (a Tuesday's or a
    Friday's buyer) moves an upsert by which the sale sees first: `by_start_day` counts the
    buyer begun on each working day."""
    return weekday_morning(after, zone, WEDNESDAY)


def weekday_morning(after: datetime, zone: ZoneInfo, weekday: int) -> datetime:
    """10:00 in `zone` on the first `weekday` (0 Monday) after `after`'s day that is not a public
    holiday of Germany."""
    public = holidays.country_holidays("DE")
    day = after.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() != weekday or day in public:
        day += timedelta(days=1)
    return datetime.combine(day, dtime(10), tzinfo=zone)


async def by_start_day(settings: Settings, playbook_name: str = "default") -> dict[str, int]:
    """The buyer's actions on `playbook_name` begun on each working day of the week (Monday to
    Friday, each the next such day that is no public holiday), by the day's short name."""
    buyer = next(p for p in load_behaviour(None).personas if p.name == PERSONA)
    lead = synthetic_lead(1, buyer, "bench")
    playbook = load_playbook(settings.playbooks_dir, playbook_name)
    zone = playbook.outreach.zone_for(lead)
    counts: dict[str, int] = {}
    for weekday in range(5):
        begins = weekday_morning(datetime.now(UTC), zone, weekday)
        [run] = await simulate(playbook, [buyer], settings, begins_at=begins)
        assert run.history is not None
        counts[f"{begins:%a}"] = sum(action_breakdown(run.history.events).values())
    return counts


@dataclass
class Apart:
    """Seconds per sale the throughput leaves out, and what they were measured on."""

    pdf_s: float = 0.0
    smtp_s: float = 0.0
    documents: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


async def _median(call: Callable[[int], Awaitable[Any]], runs: int) -> float:
    timings = []
    for number in range(runs):
        began = time.perf_counter()
        await call(number)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


Activity = Callable[[Any], Awaitable[Any]]


async def _difference(
    env: ActivityEnvironment,
    slow: Activity,
    fast: Activity,
    request: Callable[[int], Any],
    runs: int,
) -> float:
    """Median seconds of `slow` less those of `fast`, on the same requests."""
    slow_s = await _median(lambda n: env.run(slow, request(n)), runs)
    fast_s = await _median(lambda n: env.run(fast, request(n)), runs)
    return slow_s - fast_s


def _numbered(request: Any, tag: str | None, number: int) -> Any:
    """The request itself; with `tag`, under a workflow id of its own (an email repeated
    under one Message-ID would be recognised and not sent again)."""
    if tag is None:
        return request
    return request.model_copy(update={"workflow_id": f"{request.workflow_id}-{tag}-{number}"})


async def _inputs(
    converter: DataConverter, events: Sequence[HistoryEvent], name: str, kind: type[BaseModel]
) -> list[Any]:
    found = []
    for event in events:
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        scheduled = event.activity_task_scheduled_event_attributes
        if scheduled.activity_type.name == name:
            [value] = await converter.decode(list(scheduled.input.payloads), [kind])
            found.append(value)
    return found


async def _typeset_in_thread(store: DocumentStore, pdf: str, _run: int) -> bytes:
    """Typesetting alone, as the email that first sends the PDF does it (not filed)."""
    return await asyncio.to_thread(typeset_from_source, store, pdf)


async def _contract_apart(
    env: ActivityEnvironment, filing: DocumentActivities, request: EmailRequest
) -> EmailRequest:
    """An email that files its contract (process version 6) as one that attaches a contract
    filed apart: the contract's typesetting is then timed with the PDFs, not the SMTP."""
    draft = request.contract
    assert draft is not None
    read = await asyncio.to_thread(filing.filing.with_lead, request)
    quote, rendering = await asyncio.to_thread(filing.filing.contract_request, read, draft)
    contract = await env.run(filing.prepare_contract, rendering)
    context = {
        **request.context,
        "quote": quote.model_dump(mode="json"),
        "contract": contract.model_dump(mode="json"),
    }
    return request.model_copy(
        update={"contract": None, "context": context, "attachments": [contract.pdf_path]}
    )


async def apart(
    converter: DataConverter, events: Sequence[HistoryEvent], settings: Settings, runs: int = RUNS
) -> Apart:
    """PDF and SMTP seconds of the sale whose history `events` is (see the module)."""
    result = Apart()
    env = ActivityEnvironment()
    filing, store = DocumentActivities(settings), document_store(settings)
    pdfs: dict[str, str] = {}  # by the email step that attaches it
    documents: list[tuple[str, str, type[BaseModel], Activity]] = [
        ("quote", "proposal", QuoteRequest, filing.prepare_quote),
        ("contract", "contract", ContractRequest, filing.prepare_contract),
    ]
    offers: list[EmailRequest] = []  # sent by the activity that priced the quote (version 11)
    for document, step, kind, prepare in documents:
        priced = [
            *await _inputs(converter, events, f"prepare_{document}", kind),
            *(await _inputs(converter, events, "offer_quote", kind) if document == "quote" else []),
        ]
        for request in priced:
            filed = await env.run(prepare, request)
            pdf = filed.pdf_path
            typeset = partial(_typeset_in_thread, store, pdf)
            result.pdf_s += await _median(typeset, runs)
            result.documents.append(document)
            await asyncio.to_thread(document_bytes, store, pdf)  # filed: the sends time SMTP
            pdfs[step] = pdf
            if isinstance(request, QuoteRequest) and request.offer is not None:
                offers.append(request.offer.with_quote(filed, request.needs))
    sent, recorded = EmailActivities(settings), RecordedEmails(settings)
    tag = uuid.uuid4().hex[:6]
    for request in [*offers, *await _inputs(converter, events, "send_email", EmailRequest)]:
        if request.contract is not None:  # process version 6: the email files the contract
            request = await _contract_apart(env, filing, request)
            pdf = request.attachments[-1]
            result.pdf_s += await _median(partial(_typeset_in_thread, store, pdf), runs)
            result.documents.append("contract")
            await asyncio.to_thread(document_bytes, store, pdf)
            pdfs["contract"] = pdf
        attached = [pdf for step, pdf in pdfs.items() if request.step.startswith(step)]
        email = request.model_copy(update={"attachments": attached})
        numbered = partial(_numbered, email, tag)
        result.smtp_s += await _difference(
            env, sent.send_email, recorded.send_email, numbered, runs
        )
        result.emails.append(request.step)
    return result
