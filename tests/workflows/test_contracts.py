"""Each workflow's contract module is what the workflow registers, what its steps wait for and
what it upserts: a name spelled in one place and not the other fails here."""

import json
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow

from sales.events import ENDS_SALE, Event, RetryRequested
from sales.process import STEP_KINDS, takers, waits_for
from sales.unreadable import Unreadable
from workflows.messages import Messages
from workflows.sale import api as sale_api
from workflows.sale.workflow import SaleWorkflow
from workflows.support import api as support_api
from workflows.support.workflow import CustomerSupportWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
CONTRACTS = [
    (SaleWorkflow, sale_api.MESSAGES, sale_api.MESSAGES.commands(), sale_api.STATE_QUERY),
    (
        CustomerSupportWorkflow,
        support_api.MESSAGES,
        support_api.MESSAGES.commands(),
        support_api.STATE_QUERY,
    ),
]


def definition(cls: type) -> Any:
    return workflow._Definition.must_from_class(cls)


@pytest.mark.parametrize(("cls", "messages", "commands", "query"), CONTRACTS)
def test_the_workflow_registers_exactly_its_contracts_messages(
    cls: type, messages: Messages, commands: list[str], query: str
) -> None:
    found = definition(cls)
    assert set(found.signals) == {None, *messages.names()}  # None: the recording fallback
    assert set(found.updates) == ({None, *commands} if commands else set())
    assert set(found.queries) == {query}
    for message in messages.all:
        signal = found.signals[message.name]
        assert signal.description == message.description
        assert signal.arg_types == [message.model | Unreadable], message.name
    for name in commands:
        update = found.updates[name]
        assert update.arg_types == [messages.named(name).model | Unreadable], name
        assert update.validator is not None, f"{name} answers at once only with a validator"


def test_every_event_of_the_sale_is_taken_by_a_step_and_every_step_waits_for_known_events() -> None:
    steps = tuple(STEP_KINDS)
    kinds = {message.model for message in sale_api.MESSAGES.all}
    for model in kinds - {*ENDS_SALE, RetryRequested}:
        assert takers(steps, model), f"no step takes {model.__name__}"
    for step in steps:
        assert set(waits_for(steps, step)) <= kinds, step


def upserted(history: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for event in history["events"]:
        attributes = event.get("upsertWorkflowSearchAttributesEventAttributes")
        if attributes:
            names |= set(attributes["searchAttributes"].get("indexedFields", {}))
    return names - {"TemporalChangeVersion"}  # the SDK's own, with each patch


@pytest.mark.parametrize(
    "path", sorted(HISTORIES.rglob("*.json")), ids=lambda p: str(p.relative_to(HISTORIES))
)
def test_a_recorded_run_upserts_only_attributes_its_contract_lists(path: Path) -> None:
    history = json.loads(path.read_text(encoding="utf-8"))
    started = history["events"][0]["workflowExecutionStartedEventAttributes"]
    contract = sale_api if started["workflowType"]["name"] == sale_api.WORKFLOW_TYPE else None
    listed = {key.name for key in (contract or support_api).SEARCH_ATTRIBUTES}
    assert upserted(history) <= listed


def test_only_seller_commands_are_updates() -> None:
    for message in sale_api.MESSAGES.all:
        assert issubclass(message.model, Event)
        if message.model in ENDS_SALE and message.command:
            assert message.name == sale_api.MARK_LOST.name  # only a seller ends a sale by command
