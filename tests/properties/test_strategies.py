"""The generators themselves: every message covered, valid payloads valid, broken ones broken.

No Temporal here: if these fail, the sale tests would be testing something else than they say.
"""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from temporalio.common import RawValue

from sales.limits import EVENT_BYTES
from tests.properties.payloads import Broken, covered, malformed, oversized, positive, valid
from tests.properties.scenarios import HAPPY_PATHS, PLAYBOOKS, Scenario, scenarios
from workflows.messages import Message
from workflows.sale import api

QUICK = settings(max_examples=150, deadline=None, derandomize=True, database=None)
messages = st.sampled_from(api.MESSAGES.all)


def test_every_message_of_the_contract_has_payloads_and_every_playbook_a_path() -> None:
    assert covered() == set(api.MESSAGES.names())
    assert set(HAPPY_PATHS) == set(PLAYBOOKS)


@QUICK
@given(data=st.data(), message=messages)
def test_valid_and_positive_payloads_are_accepted_by_their_model(
    data: st.DataObject, message: Message[Any]
) -> None:
    message.model.model_validate(data.draw(valid(message)))
    message.model.model_validate(data.draw(positive(message)))


def assert_refused(message: Message[Any], broken: Broken) -> None:
    """Not one JSON payload, over the size limit, or not valid for the message's model."""
    if len(broken.args) != 1 or isinstance(broken.args[0], RawValue):
        return
    if len(json.dumps(broken.args[0], ensure_ascii=False).encode()) > EVENT_BYTES:
        return
    with pytest.raises(ValidationError):
        message.model.model_validate(broken.args[0])


@QUICK
@given(data=st.data(), message=messages)
def test_malformed_and_oversized_payloads_are_refused_by_their_model(
    data: st.DataObject, message: Message[Any]
) -> None:
    payload = {**data.draw(valid(message)), "event_id": "e1"}
    assert_refused(message, data.draw(malformed(message, payload)))
    assert_refused(message, data.draw(oversized(message, payload)))


@QUICK
@given(scenario=scenarios())
def test_scenarios_use_the_contract_s_names_and_send_commands_only_as_updates(
    scenario: Scenario,
) -> None:
    for send in scenario.sends:
        message = api.MESSAGES.get(send.name)
        assert message is not None or send.kind == "unknown name"
        assert send.via == "signal" or (message is not None and message.command)
        if send.event_id is not None and len(send.args) == 1:
            assert isinstance(send.args[0], dict) and send.args[0]["event_id"] == send.event_id
