"""Telling a sale what happened from the command line: payloads checked, commands as updates."""

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import SalesStage
from settings import Settings
from tests.cli.starter import run_starter
from tests.workflows.helpers import drive_to_proposal, new_lead, start, wait_for


async def test_signal_with_a_bad_payload_is_refused_before_anything_is_sent(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    result = await run_starter(
        env,
        settings,
        "signal",
        "nobody",
        "needs_identified",
        "--payload",
        '{"summary": "x", "items": []}',
    )
    assert result.returncode == 2
    assert "items: List should have at least 1 item" in result.stderr
    assert result.stdout == ""
    result = await run_starter(
        env,
        settings,
        "signal",
        "nobody",
        "needs_identified",
        "--payload",
        '{"summary": "x", "items": [{"sku": "NOPE", "quantity": 1}]}',
    )
    assert "unknown sku NOPE" in result.stderr
    result = await run_starter(env, settings, "signal", "nobody", "contract_sighned")
    assert "unknown event 'contract_sighned'" in result.stderr


async def test_a_seller_command_refused_by_the_sale_gets_its_reason_back_at_once(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await drive_to_proposal(handle)

    refused = await run_starter(
        env, settings, "signal", lead.lead_id, "discount_approved", "--payload", '{"approver": "x"}'
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "refused:" in refused.stderr
    assert "no quote is waiting for a discount approval" in refused.stderr
    assert refused.stdout == ""

    late = await run_starter(
        env, settings, "signal", lead.lead_id, "lead_qualified", "--payload",
        '{"qualified": false, "by": "sam.keller"}',
    )  # fmt: skip
    assert late.returncode == 1
    assert "arrived in PROPOSAL; applies in QUALIFICATION only" in late.stderr

    state = await wait_for(handle, lambda s: s.stage == SalesStage.PROPOSAL, "still proposal")
    assert state.rejected_events == []  # a refused update leaves no trace in the sale


async def test_an_accepted_seller_command_says_what_the_sale_did_with_it(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")

    kept = await run_starter(
        env, settings, "signal", lead.lead_id, "discount_approved", "--payload", '{"approver": "x"}'
    )
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.strip() == "accepted: kept until the sale reaches proposal"

    await handle.signal("interest_expressed", {})
    needs = '{"summary": "pumps", "items": [{"sku": "NW-SENSOR-100", "quantity": 4}]}'
    applied = await run_starter(
        env, settings, "signal", lead.lead_id, "needs_identified", "--payload", needs
    )
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.strip() == "accepted: applied in NEEDS_ANALYSIS"
    state = await wait_for(handle, lambda s: s.stage == SalesStage.PROPOSAL, "quote sent")
    assert state.quotes[0].lines[0].quantity == 4


async def test_a_plain_event_is_still_sent_as_a_signal(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    sent = await run_starter(env, settings, "signal", lead.lead_id, "interest_expressed")
    assert sent.returncode == 0, sent.stderr
    assert f"sent interest_expressed to {handle.id}" in sent.stderr
    await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "prospect")
