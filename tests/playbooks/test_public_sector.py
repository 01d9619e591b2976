"""The public-sector playbook end to end at its real durations: tender, award, export licence."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.lead import Lead
from sales.stages import LostReason, SalesStage
from sales.state import GateStatus, SaleState
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    command,
    new_lead,
    playbook_named,
    sent,
    stages,
    start_paused,
    wait_for,
)

GATEWAYS = [{"sku": "NW-GATEWAY-20", "quantity": 6}, {"sku": "NW-PLATFORM", "quantity": 1}]
SENSORS = [{"sku": "NW-SENSOR-100", "quantity": 20}]


def port_authority(**fields: Any) -> Lead:
    values: dict[str, Any] = {
        "company": "İzmir Liman İşletmesi",
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "country": "Turkey",
        "industry": "public",
    }
    return new_lead(**{**values, **fields})


def tender_needs(
    now: datetime, *, due_in: timedelta, items: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "summary": "Condition monitoring for the container cranes",
        "tender_reference": "TED 2026/S 123-456789",
        "submission_deadline": (now + due_in).isoformat(),
        "items": items,
    }


async def to_bid(
    env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any], needs: dict[str, Any]
) -> SaleState:
    """Qualified by the rules at once; the seller records the call for tenders."""
    await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "needs analysis")
    await env.fast_forward(handle, timedelta(days=2))
    answer = await command(handle, "needs_identified", needs)
    assert answer.status == "applied"
    return await wait_for(handle, lambda s: bool(s.gates), "tender gate open")


async def test_won_tender_waits_for_the_export_licence_then_signs_the_contract(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = port_authority()
    assert lead.country == "TR"
    handle = await start_paused(ts_env, settings, lead, playbook_named("public-sector"))
    now = await ts_env.get_current_time(handle)
    await to_bid(ts_env, handle, tender_needs(now, due_in=timedelta(days=20), items=GATEWAYS))

    state = await wait_for(handle, lambda s: "tender_bid" in sent(s), "bid sent")
    bid = next(d for d in state.documents if d.kind == "bid")
    assert bid.number.startswith("B-") and bid.number.endswith("-v1")
    text = "".join(page.extract_text() for page in PdfReader(bid.pdf_path).pages)
    assert "TED 2026/S 123-456789" in text
    assert "minimum wage" in text  # the contracting authority's mandatory terms
    mail = smtp.inbox.to(lead.email)[0]
    assert [p.get_filename() for p in mail.walk() if p.get_filename()] == [f"{bid.number}.pdf"]

    await ts_env.fast_forward(handle, timedelta(days=25))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await command(handle, "tender_awarded", {"awarded_by": "İzmir port authority"})
    assert "po_number" in str(refused.value.cause)
    await command(
        handle, "tender_awarded", {"awarded_by": "İzmir port authority", "po_number": "PO-77"}
    )
    state = await wait_for(
        handle,
        lambda s: any(g.gate == "export_license" and g.status == "waiting" for g in s.gates),
        "export licence awaited",
    )
    assert state.stage == SalesStage.CONTRACT and "contract_v1" not in sent(state)
    assert state.acceptance is not None and state.acceptance.po_number == "PO-77"

    await ts_env.fast_forward(handle, timedelta(days=30))
    await command(handle, "export_license_granted", {"license_number": "BAFA-2026-0042"})
    state = await wait_for(handle, lambda s: "contract_v1" in sent(s), "contract sent")
    contract = next(d for d in state.documents if d.kind == "contract")
    text = "".join(page.extract_text() for page in PdfReader(contract.pdf_path).pages)
    assert "PO-77" in text and "terminate for convenience" in text

    await handle.signal("contract_signed", {"signed_by": "Ayşe Yılmaz"})
    await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    await handle.signal("order_placed", {"order_number": "PO-77"})
    assert (await handle.result()).stage == SalesStage.WON

    final = await wait_for(handle, lambda s: s.stage == SalesStage.WON, "won")
    assert stages(final) == [
        "QUALIFICATION", "NEEDS_ANALYSIS", "PROPOSAL", "CONTRACT", "CLOSING", "WON",
    ]  # fmt: skip
    tender, licence = final.gates
    assert (tender.gate, tender.status, tender.decided_by) == (
        "tender",
        GateStatus.PASSED,
        "İzmir port authority",
    )
    assert (licence.gate, licence.status) == ("export_license", GateStatus.PASSED)
    assert licence.decided_at is not None
    assert licence.decided_at - licence.opened_at >= timedelta(days=30)
    assert final.timeline[-1].at - final.timeline[0].at > timedelta(days=55)
    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))
    assert smtp.inbox.steps(lead.email) == ["tender_bid", "contract_v1", "welcome"]


async def test_a_bid_that_would_miss_its_deadline_is_not_sent_and_the_sale_is_lost(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = port_authority()
    handle = await start_paused(ts_env, settings, lead, playbook_named("public-sector"))
    now = await ts_env.get_current_time(handle)
    # The deadline is in 2 days and 10 hours; the bid must leave a day before it, and the
    # needs come 2 days after the start: too late.
    needs = tender_needs(now, due_in=timedelta(days=2, hours=10), items=SENSORS)
    await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "needs analysis")
    await ts_env.fast_forward(handle, timedelta(days=2))
    await handle.signal("needs_identified", needs)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.TENDER_DEADLINE_MISSED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert state.lost_notes is not None and "not sent" in state.lost_notes
    assert state.gates[0].status == GateStatus.FAILED
    assert "tender_bid" not in sent(state)
    assert smtp.inbox.to(lead.email) == []


async def test_a_denied_export_licence_loses_the_sale(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = port_authority()
    handle = await start_paused(ts_env, settings, lead, playbook_named("public-sector"))
    now = await ts_env.get_current_time(handle)
    await to_bid(ts_env, handle, tender_needs(now, due_in=timedelta(days=10), items=GATEWAYS))
    await wait_for(handle, lambda s: "tender_bid" in sent(s), "bid sent")
    await handle.signal("tender_awarded", {"po_number": "PO-9"})
    await wait_for(handle, lambda s: len(s.gates) == 2, "export licence awaited")
    await ts_env.fast_forward(handle, timedelta(days=14))
    await handle.signal("export_license_denied", {"reason": "end use not credible"})
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.EXPORT_DENIED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert state.lost_notes == "export licence for TR denied: end use not credible"
    assert smtp.inbox.steps(lead.email) == ["tender_bid"]


async def test_no_licence_is_needed_for_goods_that_are_not_dual_use(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings
) -> None:
    handle = await start_paused(ts_env, settings, port_authority(), playbook_named("public-sector"))
    now = await ts_env.get_current_time(handle)
    await to_bid(ts_env, handle, tender_needs(now, due_in=timedelta(days=10), items=SENSORS))
    await wait_for(handle, lambda s: "tender_bid" in sent(s), "bid sent")
    await handle.signal("tender_awarded", {"po_number": "PO-10"})
    state = await wait_for(handle, lambda s: "contract_v1" in sent(s), "contract at once")
    assert [(g.gate, g.status) for g in state.gates] == [
        ("tender", GateStatus.PASSED),
        ("export_license", GateStatus.SKIPPED),
    ]


async def test_a_lost_tender_ends_the_sale_with_the_winner_named(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings
) -> None:
    handle = await start_paused(ts_env, settings, port_authority(), playbook_named("public-sector"))
    now = await ts_env.get_current_time(handle)
    await to_bid(ts_env, handle, tender_needs(now, due_in=timedelta(days=10), items=SENSORS))
    await wait_for(handle, lambda s: "tender_bid" in sent(s), "bid sent")
    await handle.signal("tender_lost", {"winner": "Acme Sensors", "reason": "price"})
    outcome = await handle.result()
    assert outcome.lost_reason == LostReason.TENDER_LOST
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert state.lost_notes == "tender lost to Acme Sensors: price"
