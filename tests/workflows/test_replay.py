"""Recorded histories replay on the current code: a change that breaks running sales fails here."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from client.converter import OnePayload, sales_data_converter
from workflows.sale.workflow import SaleWorkflow
from workflows.support.workflow import CustomerSupportWorkflow

FOLDER = Path(__file__).resolve().parents[1] / "histories"
# Today's recordings (`make histories`) and, in folders named for the change that followed
# them, those of earlier code: sales begun then must still replay and finish.
HISTORIES = sorted(FOLDER.rglob("*.json"))


@pytest.mark.parametrize(
    "path", HISTORIES, ids=[str(p.relative_to(FOLDER).with_suffix("")) for p in HISTORIES]
)
async def test_recorded_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    replayer = Replayer(
        workflows=[SaleWorkflow, CustomerSupportWorkflow],
        data_converter=sales_data_converter,
        interceptors=[OnePayload()],
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None
