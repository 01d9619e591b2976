"""The counting behind `make bench`: billable actions, history sizes, a sale's segments and
the percentiles, on histories built by hand from their events."""

import json

import pytest
from temporalio.api.common.v1 import (
    ActivityType,
    Payload,
    Payloads,
    SearchAttributes,
    WorkflowExecution,
)
from temporalio.api.enums.v1 import ContinueAsNewInitiator, EventType
from temporalio.api.history.v1 import (
    ActivityTaskScheduledEventAttributes,
    ActivityTaskStartedEventAttributes,
    HistoryEvent,
    MarkerRecordedEventAttributes,
    UpsertWorkflowSearchAttributesEventAttributes,
    WorkflowExecutionSignaledEventAttributes,
    WorkflowExecutionStartedEventAttributes,
)
from temporalio.client import WorkflowHistory

from simulation.actions import (
    ACTIVITY,
    CHILD_WORKFLOW_START,
    CONTINUE_AS_NEW,
    MARKER,
    SIGNAL,
    SIGNAL_EXTERNAL,
    TIMER,
    UPDATE,
    UPSERT,
    WORKFLOW_START,
    action_breakdown,
    count_actions,
    history_bytes,
    history_size,
)
from soak.bare import Segment, segments_of
from soak.bench_report import latency_figures, percentile, ratio

E = EventType


def event(kind: EventType.ValueType, event_id: int = 0, **attributes: object) -> HistoryEvent:
    return HistoryEvent(event_id=event_id, event_type=kind, **attributes)  # type: ignore[arg-type]


def started(*, parent: bool = False, continued: bool = False) -> HistoryEvent:
    attributes = WorkflowExecutionStartedEventAttributes(
        parent_workflow_execution=WorkflowExecution(workflow_id="sale-1") if parent else None,
        initiator=ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW
        if continued
        else ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED,
    )
    return event(
        E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        workflow_execution_started_event_attributes=attributes,
    )


def signaled(sender: str = "") -> HistoryEvent:
    attributes = WorkflowExecutionSignaledEventAttributes(
        signal_name="order_placed",
        external_workflow_execution=WorkflowExecution(workflow_id=sender),
    )
    return event(
        E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        workflow_execution_signaled_event_attributes=attributes,
    )


def scheduled(name: str = "send_email") -> HistoryEvent:
    attributes = ActivityTaskScheduledEventAttributes(activity_type=ActivityType(name=name))
    return event(
        E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, activity_task_scheduled_event_attributes=attributes
    )


def activity_started(attempt: int) -> HistoryEvent:
    attributes = ActivityTaskStartedEventAttributes(attempt=attempt)
    return event(
        E.EVENT_TYPE_ACTIVITY_TASK_STARTED, activity_task_started_event_attributes=attributes
    )


def upsert(*names: str) -> HistoryEvent:
    fields = {name: Payload(data=b'"x"') for name in names}
    attributes = UpsertWorkflowSearchAttributesEventAttributes(
        search_attributes=SearchAttributes(indexed_fields=fields)
    )
    return event(
        E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsert_workflow_search_attributes_event_attributes=attributes,
    )


def marker(task: int) -> HistoryEvent:
    attributes = MarkerRecordedEventAttributes(
        marker_name="core_patch", workflow_task_completed_event_id=task
    )
    return event(E.EVENT_TYPE_MARKER_RECORDED, marker_recorded_event_attributes=attributes)


def plain(kind: EventType.ValueType) -> HistoryEvent:
    return event(kind)


def test_every_kind_of_action_is_counted_once() -> None:
    history = [
        started(),
        plain(E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
        plain(E.EVENT_TYPE_WORKFLOW_TASK_STARTED),
        plain(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        upsert("SalesStage", "NextActionAt"),
        scheduled("qualify_lead"),
        activity_started(attempt=1),
        plain(E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
        marker(task=4),
        marker(task=4),  # the markers of one workflow task are one action
        marker(task=9),
        plain(E.EVENT_TYPE_TIMER_STARTED),
        signaled(),
        plain(E.EVENT_TYPE_TIMER_CANCELED),
        plain(E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
        plain(E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED),
        scheduled("send_email"),
        activity_started(attempt=3),  # two retries before the attempt that ended
        plain(E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
        plain(E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED),
        plain(E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED),
        plain(E.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED),
        plain(E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW),
    ]
    assert action_breakdown(history) == {
        WORKFLOW_START: 1,
        SIGNAL: 1,
        UPDATE: 1,
        ACTIVITY: 4,
        TIMER: 1,
        UPSERT: 1,
        MARKER: 2,
        CHILD_WORKFLOW_START: 2,
        SIGNAL_EXTERNAL: 1,
        CONTINUE_AS_NEW: 1,
    }
    assert count_actions(history) == 15


def test_what_another_history_counted_is_not_counted_again() -> None:
    # A child's start is its parent's (two actions there), a continued run's start the
    # previous run's, a signal from a workflow its sender's; a change-version upsert is free.
    history = [started(parent=True), signaled(sender="sale-1"), upsert("TemporalChangeVersion")]
    assert action_breakdown(history) == {}
    continued = [started(continued=True), signaled()]
    assert action_breakdown(continued) == {SIGNAL: 1}


def test_no_events_no_actions() -> None:
    assert action_breakdown([]) == {}
    assert count_actions([]) == 0


def test_history_bytes_is_the_json_of_the_history_in_utf8() -> None:
    events = [started(), upsert("LeadCompany")]
    history = WorkflowHistory("sale-1", events)
    size = history_bytes(history)
    assert size == len(history.to_json().encode())
    assert (
        json.loads(history.to_json())["events"][0]["eventType"]
        == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    )
    bigger = started()
    bigger.workflow_execution_started_event_attributes.input.CopyFrom(
        Payloads(payloads=[Payload(data="Łódź Metal".encode() * 100)])
    )
    assert history_bytes(WorkflowHistory("sale-1", [bigger, upsert("LeadCompany")])) > size + 1000


def test_a_history_is_cut_at_each_signal() -> None:
    history = [
        started(),
        upsert("SalesStage"),
        scheduled(),
        marker(task=3),
        plain(E.EVENT_TYPE_TIMER_STARTED),
        signaled(),
        plain(E.EVENT_TYPE_TIMER_CANCELED),
        upsert("SalesStage"),
        plain(E.EVENT_TYPE_TIMER_STARTED),
        plain(E.EVENT_TYPE_TIMER_STARTED),
        signaled(),
        scheduled(),
        plain(E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
    ]
    assert segments_of(history) == [
        Segment(activities=1, timers=1, upserts=1, markers=1),
        Segment(timers=2, upserts=1),
        Segment(activities=1, children=1),
    ]
    assert segments_of([]) == [Segment()]


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(n) for n in range(1, 101)]  # 1 .. 100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0, 1.0, 2.0], 0) == 1.0
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_latency_figures_and_ratio() -> None:
    assert latency_figures([0.2, 0.4]) == {"p50": 0.3, "p95": 0.39, "p99": 0.398, "max": 0.4}
    assert latency_figures([]) == {"p50": None, "p95": None, "p99": None, "max": None}
    assert ratio(4.0, 2.0) == 2.0
    assert ratio(4.0, 0.0) is None


def test_the_stored_size_leaves_out_what_only_the_time_skipping_server_writes() -> None:
    signal = signaled()
    kept = [started(), signal]
    skipping = [
        event(E.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED, 3),
        event(E.EVENT_TYPE_WORKFLOW_EXECUTION_TIME_SKIPPING_TRANSITIONED, 4),
    ]
    history = WorkflowHistory("sale-1", [*kept, *skipping])
    assert history_size(history) == sum(e.ByteSize() for e in kept) > 0
