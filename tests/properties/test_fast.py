"""Fast tier: random sequences against the sale workflow with activity doubles, on time skipping.

How hypothesis meets the async fixtures: `@given` sits directly on the `async def` test.
pytest-asyncio (1.x) recognises a hypothesis test and runs each example's coroutine on the
session's event loop, the loop that the `ts_env` server and the worker fixture live on; so the
fixtures are made once per test and every example uses them. That is safe here because no
example changes what they hold that another reads: each example starts its own sale for a new
lead on the shared worker, and reads only that sale's emails from the doubles. Hence the
suppressed `function_scoped_fixture` health check. (A sync test running `asyncio.run` per
example would need a server and a worker per example, or a loop of its own beside pytest's.)

Reproducible in CI: `derandomize=True` draws the same examples on every run and `database=None`
keeps no state between runs. A failure is shrunk to a short sequence and printed one message a
line; the assertion shows how the sale answered each and the state it ended in.

Each example starts the sale at a drawn instant in its lead's own time (a weekday and hour, or a
public holiday of the lead's country: a skipped start delay), with the playbook's own sending
window, then runs without time skipping and sends the sequence in real time, each message once
the sale is at rest (`drive.idle`), then skips time until the sale ends by itself or by what it
was sent, and checks the invariants in `tests/properties/invariants.py`.

Three examples per playbook, each playbook a test of its own so that pytest workers share
them: about 10 s each to pass (time skipping over the windows of three sales). A failure
takes longer: shrinking runs up to five more minutes.
"""

from datetime import UTC, datetime

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import load_playbook
from sales.state import SaleOutcome
from settings import Settings
from tests.properties.drive import (
    closed,
    drive,
    examples,
    leave_nothing_running,
    state_of,
    within,
)
from tests.properties.invariants import check
from tests.properties.scenarios import PLAYBOOKS as PLAYBOOK_NAMES
from tests.properties.scenarios import scenarios
from tests.workflows.helpers import PLAYBOOKS, new_lead, start_at
from tests.workflows.sale.doubles import Doubles

EXAMPLE_SECONDS = 60


async def skip_to_the_end(
    env: WorkflowEnvironment, handle: WorkflowHandle[object, SaleOutcome]
) -> SaleOutcome:
    """Skip time until the sale ends, unless it has ended (even while this asks)."""
    try:
        await env.fast_forward(handle)
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND or not await closed(handle):
            raise
    return await handle.result()


@pytest.mark.timeout(420)  # 10 s to pass; shrinking a failure takes up to 5 minutes more
@pytest.mark.parametrize("name", PLAYBOOK_NAMES)  # one test each: pytest workers share them
@examples(3)
@given(data=st.data())
async def test_any_sequence_of_messages_keeps_the_sale_s_invariants(
    name: str,
    data: st.DataObject,
    ts_env: WorkflowEnvironment,
    fast_worker: Worker,
    fast_settings: Settings,
    doubles: Doubles,
) -> None:
    scenario = data.draw(scenarios(playbooks=(name,)), label="scenario")
    playbook = load_playbook(PLAYBOOKS, scenario.playbook)  # with its sending window
    start = scenario.start
    # The enterprise rules require a title.
    lead = new_lead(title="Head of Operations", country=start.country)
    try:
        async with within(EXAMPLE_SECONDS):
            at = start.at(datetime.now(UTC))
            handle = await start_at(ts_env, fast_settings, lead, playbook, at)
            delivered = await drive(handle, scenario)
            outcome = await skip_to_the_end(ts_env, handle)
            state = await state_of(handle)
    finally:
        await leave_nothing_running(ts_env.client, lead.lead_id)
    event(f"{scenario.playbook}: {outcome.stage} {outcome.lost_reason or ''}".strip())
    sent = [email.step for email in doubles.emails if email.workflow_id == handle.id]
    check(delivered, state, outcome, playbook, sent, start.days_off)
