"""Mistakes of the seller's own (a refused sales-manager address, a missing template) make a
sale wait visibly for a fix instead of failing: real activities, the real SMTP server and
dev server; the time-skipping one where the sale tries again by itself."""

import shutil
from datetime import timedelta
from pathlib import Path

from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import SalesStage
from sales.state import SaleOutcome
from settings import ROOT, Settings
from tests.cli.starter import run_starter
from tests.smtp_inbox import SmtpServer, subject_of
from tests.workflows.helpers import (
    BIG_DISCOUNT,
    command,
    default_playbook,
    drive_to_approval,
    new_lead,
    playbook_named,
    sent,
    start,
    wait_for,
)
from worker import build_worker
from workflows import search_attributes as sa
from workflows.sale import api

TYPO = "refused-manager@northwind.example"  # the test SMTP server refuses refused-* for good
MANAGER = "sales.manager@northwind.example"


async def needs_attention(handle: WorkflowHandle[object, SaleOutcome]) -> bool | None:
    described = await handle.describe()
    assert described.status is WorkflowExecutionStatus.RUNNING
    return described.typed_search_attributes.get(sa.NEEDS_ATTENTION)


async def details(handle: WorkflowHandle[object, SaleOutcome]) -> str:
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return str(metadata.current_details)


async def test_a_refused_sales_manager_address_waits_for_a_corrected_one(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    playbook = default_playbook()
    seller = playbook.seller.model_copy(update={"sales_manager_email": TYPO})
    handle = await start(
        env.client, settings, new_lead(), playbook.model_copy(update={"seller": seller})
    )
    await drive_to_approval(handle, BIG_DISCOUNT)

    state = await wait_for(handle, lambda s: s.attention is not None, "needs attention")
    assert state.attention is not None
    assert state.attention.what == "email discount_approval_v1"
    assert TYPO in state.attention.problem and "550" in state.attention.problem
    assert state.stage is SalesStage.PROPOSAL and state.lost_reason is None
    assert await needs_attention(handle) is True
    shown = await details(handle)
    # The UI's details name no address (they are glanced at in lists); `state` does.
    assert "**Needs attention:** email discount_approval_v1: (address) refused" in shown
    assert "550 5.1.1 mailbox unknown" in shown and TYPO not in shown
    status = await run_starter(env, settings, "status", handle.id)
    assert status.returncode == 0, status.stderr
    assert f"needs attention: email discount_approval_v1: {TYPO} refused" in status.stdout

    answer = await command(
        handle, api.RETRY.name, {"by": "sam.keller", "sales_manager_email": MANAGER}
    )
    assert answer.status == "applied"
    state = await wait_for(handle, lambda s: "discount_approval_v1" in sent(s), "request sent")
    assert state.attention is None and state.sales_manager_email == MANAGER
    await smtp.inbox.wait_for(lambda _: bool(smtp.inbox.to(MANAGER)))
    assert any("approv" in subject_of(m).lower() for m in smtp.inbox.of_sale(handle.id, MANAGER))
    assert not smtp.inbox.to(TYPO)
    assert await needs_attention(handle) is False
    assert "Needs attention" not in await details(handle)

    # The corrected address is the seller's own: the approval goes on as usual.
    await command(handle, api.DISCOUNT_APPROVED.name, {"approver": "Dana Whitfield"})
    await wait_for(handle, lambda s: "proposal_v1" in sent(s), "proposal sent")


async def test_a_retry_is_refused_when_nothing_waits_for_one(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    handle = await start(env.client, settings, new_lead())
    await wait_for(handle, lambda s: "intro" in sent(s), "intro sent")
    try:
        await command(handle, api.RETRY.name, {"by": "sam.keller"})
    except Exception as refused:  # the update's failure, with the reason
        assert "nothing is waiting for a retry" in str(refused.__cause__ or refused)
    else:
        raise AssertionError("a retry with nothing to retry was accepted")


async def test_a_missing_template_waits_and_goes_on_by_itself_once_it_is_back(
    ts_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    intro = templates / "emails" / "intro.html.j2"
    kept = intro.read_text("utf-8")
    intro.unlink()
    settings = settings.model_copy(update={"templates_dir": templates})
    async with build_worker(ts_env.client, settings):
        with ts_env.with_time_skipping_disabled():
            handle = await start(ts_env.client, settings, new_lead())
            state = await wait_for(handle, lambda s: s.attention is not None, "needs attention")
        assert state.attention is not None and state.attention.what == "email intro"
        assert "TemplateError" in state.attention.problem
        assert "intro.html.j2" in state.attention.problem
        assert state.stage is SalesStage.CONTACT and not sent(state)
        assert await needs_attention(handle) is True

        intro.write_text(kept, "utf-8")  # the fix is deployed; nobody sends a command
        await ts_env.fast_forward(handle, timedelta(minutes=2))
        state = await wait_for(handle, lambda s: "intro" in sent(s), "intro sent after the fix")
        assert state.attention is None
        assert await needs_attention(handle) is False


async def test_a_broken_catalog_waits_until_it_is_fixed(
    ts_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    shipped = (ROOT / "catalog" / "products.toml").read_text("utf-8")
    catalog = tmp_path / "products.toml"
    catalog.write_text(shipped.replace('unit = "piece"', 'unit = "piece', 1), "utf-8")
    settings = settings.model_copy(update={"catalog_path": catalog})
    lead = new_lead(items=[{"sku": "NW-SENSOR-100", "quantity": 4}])
    async with build_worker(ts_env.client, settings):
        with ts_env.with_time_skipping_disabled():
            handle = await start(ts_env.client, settings, lead, playbook_named("quick"))
            state = await wait_for(handle, lambda s: s.attention is not None, "needs attention")
        assert state.attention is not None and state.attention.what == "price and render quote v1"
        assert "CatalogError" in state.attention.problem
        assert str(catalog) in state.attention.problem
        assert state.stage is SalesStage.PROPOSAL and not state.quotes
        assert await needs_attention(handle) is True

        catalog.write_text(shipped, "utf-8")  # the catalog is fixed; the worker reads it again
        await ts_env.fast_forward(handle, timedelta(minutes=2))
        state = await wait_for(handle, lambda s: "proposal_v1" in sent(s), "quote sent")
        assert state.attention is None and state.quotes[0].lines[0].sku == "NW-SENSOR-100"
