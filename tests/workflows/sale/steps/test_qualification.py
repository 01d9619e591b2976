"""Playbooks where a seller, not the rules alone, decides whether a lead is worth contacting."""

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import Playbook, QualificationMode
from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    default_playbook,
    new_lead,
    playbook_named,
    start,
    start_paused,
    wait_for,
)
from tests.workflows.sale.doubles import Doubles
from workflows.sale import api as sale_api
from workflows.sale.api import SaleInput
from workflows.sale.workflow import SaleWorkflow


def seller_decides() -> Playbook:
    playbook = default_playbook()
    rules = playbook.qualification.model_copy(update={"mode": QualificationMode.SELLER})
    return playbook.model_copy(update={"qualification": rules})


async def test_seller_qualifies_the_lead_and_contact_begins(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead, seller_decides())
    state = await wait_for(
        handle,
        lambda s: s.next_action is not None and "lead_qualified" in s.next_action.description,
        "decision asked",
    )
    assert state.stage == SalesStage.QUALIFICATION and state.emails == []

    await handle.signal("lead_qualified", {"qualified": True, "by": "sam.keller"})
    state = await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    assert state.stage == SalesStage.CONTACT
    assert "qualified by sam.keller" in state.qualification_notes
    assert smtp.inbox.steps(lead.email) == ["intro"]


async def test_seller_disqualifies_the_lead_with_a_reason(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead, seller_decides())
    await handle.signal(
        "lead_qualified", {"qualified": False, "by": "sam.keller", "reason": "a reseller"}
    )
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.DISQUALIFIED
    assert (await handle.query("state"))["lost_notes"] == "a reseller"
    assert smtp.inbox.to(lead.email) == []


async def test_no_seller_decision_in_time_ends_the_sale_stalled(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    playbook = seller_decides()
    handle = await start_paused(ts_env, fast_settings, lead, playbook)
    await wait_for(
        handle,
        lambda s: s.next_action is not None and "lead_qualified" in s.next_action.description,
        "decision asked",
    )
    await ts_env.fast_forward(handle)  # nobody decides
    outcome = await handle.result()

    assert (outcome.stage, outcome.lost_reason) == (SalesStage.LOST, LostReason.STALLED)
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert state.lost_notes == "no qualification decision in time"
    asked, lost = state.timeline[0].at, state.timeline[-1].at
    assert lost - asked >= playbook.qualification.decision_timeout
    assert doubles.steps_to(lead.email) == []


@pytest.mark.parametrize(
    ("country", "code", "name"),
    [("North Korea", "KP", "North Korea"), ("Iran", "IR", "Iran"), ("Россия", "RU", "Russian")],
)
async def test_a_country_given_by_name_is_screened_like_its_code(
    env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    smtp: SmtpServer,
    country: str,
    code: str,
    name: str,
) -> None:
    lead = new_lead(country=country)
    assert lead.country == code
    handle = await start(env.client, settings, lead)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.DISQUALIFIED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert state.lost_notes is not None
    assert state.lost_notes.startswith(f"country {code} ({name}")
    assert "trade restriction" in state.lost_notes
    assert state.qualification is not None and state.qualification.restriction is not None
    assert smtp.inbox.to(lead.email) == []


@pytest.mark.parametrize(
    ("fields", "matched"),
    [
        ({"company": "Волга Прецизионные Приборы"}, "company name"),
        ({"company": "VOLGA PRECISION INSTRUMENTS LLC"}, "company name"),
        (
            {"email": "buyer@mail.volga-precision.example", "company": "Harmless Ltd"},
            "email domain",
        ),
        ({"website": "https://www.orion-dut.example/about", "company": "Orion Traders"}, "website"),
    ],
)
async def test_a_restricted_party_is_disqualified_with_the_list_entry_named(
    env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    smtp: SmtpServer,
    fields: dict[str, str],
    matched: str,
) -> None:
    lead = new_lead(**fields)
    handle = await start(env.client, settings, lead)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.DISQUALIFIED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    notes = state.lost_notes or ""
    assert matched in notes and ("VPI-001" in notes or "ODT-002" in notes)
    assert "(fictional sample)" in notes  # the list the entry is on
    assert smtp.inbox.to(lead.email) == []


async def test_a_seller_cannot_override_a_restriction_sent_before_the_rules_ran(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead(company="Volga Precision Instruments OOO")
    handle = await env.client.start_workflow(
        SaleWorkflow.run,
        SaleInput(lead=lead, playbook=default_playbook()),
        id=sale_api.workflow_id(lead.lead_id),
        task_queue=settings.task_queue,
        start_signal=sale_api.LEAD_QUALIFIED.name,
        start_signal_args=[{"qualified": True, "by": "sam.keller", "reason": "I know them"}],
    )
    outcome = await handle.result()
    assert outcome.lost_reason == LostReason.DISQUALIFIED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert state.rejected_events[0].signal == "lead_qualified"
    assert "a restriction no seller may override" in state.rejected_events[0].reason


async def test_a_lead_the_rules_qualify_gets_its_intro_from_the_qualification_itself(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    # Process version 8: inside the lead's window (here: none), one activity qualifies and
    # sends the intro; the sale records it as its own and waits for the reply.
    lead = new_lead()
    handle = await start(env.client, settings, lead, playbook_named("default"))
    state = await wait_for(
        handle,
        lambda s: s.next_action is not None and "reply" in s.next_action.description,
        "contact",
    )
    assert state.stage == SalesStage.CONTACT
    [intro] = state.emails
    [received] = smtp.inbox.to(lead.email)
    assert (intro.step, intro.message_id) == ("intro", str(received["Message-ID"]).strip())
    scheduled = [
        event.activity_task_scheduled_event_attributes.activity_type.name
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == ["qualify_lead"]
