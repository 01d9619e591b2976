"""Recorded histories replay on the current code: a change that breaks running sales fails here."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from client.converter import OnePayload, sales_data_converter
from workflows.sale.workflow import SaleWorkflow
from workflows.support.workflow import CustomerSupportWorkflow

FOLDER = Path(__file__).resolve().parents[1] / "histories"
# Today's recordings (`make histories`) and, in folders named for the change that followed
# them, those of earlier code: sales begun then must still replay and finish. One replaying
# worker per folder, without the sandbox: replay compares the commands the code issues with the
# history's, which the sandbox does not change (every other workflow test runs in it), and it
# took two thirds of the time.
FOLDERS = sorted({path.parent for path in FOLDER.rglob("*.json")})


async def histories(folder: Path) -> AsyncIterator[WorkflowHistory]:
    for path in sorted(folder.glob("*.json")):
        yield WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "folder", FOLDERS, ids=[str(f.relative_to(FOLDER.parent)) for f in FOLDERS]
)
async def test_recorded_histories_replay_without_nondeterminism(folder: Path) -> None:
    replayer = Replayer(
        workflows=[SaleWorkflow, CustomerSupportWorkflow],
        data_converter=sales_data_converter,
        interceptors=[OnePayload()],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    failures: dict[str, str] = {}
    replayed = 0
    async with replayer.workflow_replay_iterator(histories(folder)) as results:
        async for result in results:
            replayed += 1
            if result.replay_failure is not None:
                failures[result.history.workflow_id] = str(result.replay_failure)
    assert replayed == len(list(folder.glob("*.json"))) > 0
    assert failures == {}
