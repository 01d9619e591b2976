"""What a workflow's history costs on Temporal Cloud: billable actions by kind, and its size.

Temporal Cloud bills per action (docs.temporal.io/cloud/actions): a workflow start (by a
client, a parent or continue-as-new), each signal (from a client or a workflow), each update
(accepted or rejected), each timer started, each search-attribute upsert (however many
attributes it sets; not one that sets only `TemporalChangeVersion`), each activity attempt,
the markers of one workflow task together (local activities, side effects, patches), a child
workflow start (two: its start and its execution), each heartbeat that reaches the server
and each query. The last two, and rejected updates, leave nothing in the history, so they
are not counted here. Nor is a change of the workflow's options (billable too): a sale's
never changes them, and in a simulated sale's history each one is a fast-forward of the
time-skipping server.

Each action is counted in the history of the workflow that caused it, so that the counts of
several histories add up: a child's start and a continued run's start are the parent's and
the previous run's actions, and a signal one workflow sent another is the sender's.
"""

from collections import Counter
from collections.abc import Iterable, Mapping

from temporalio.api.enums.v1 import ContinueAsNewInitiator, EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

# The kinds, in the order a report lists them.
WORKFLOW_START = "workflow_start"
SIGNAL = "signal"
UPDATE = "update"
ACTIVITY = "activity"
TIMER = "timer"
UPSERT = "search_attribute_upsert"
MARKER = "marker"
CHILD_WORKFLOW_START = "child_workflow_start"
SIGNAL_EXTERNAL = "signal_external"
CONTINUE_AS_NEW = "continue_as_new"
KINDS = (
    WORKFLOW_START,
    SIGNAL,
    UPDATE,
    ACTIVITY,
    TIMER,
    UPSERT,
    MARKER,
    CHILD_WORKFLOW_START,
    SIGNAL_EXTERNAL,
    CONTINUE_AS_NEW,
)
# Set by the SDKs' versioning (patches) and exempt from billing.
CHANGE_VERSION = "TemporalChangeVersion"
# A child start is two actions: the start and the child's execution.
CHILD_START_ACTIONS = 2

_ONE_EACH = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: UPDATE,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: ACTIVITY,
    EventType.EVENT_TYPE_TIMER_STARTED: TIMER,
    EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: SIGNAL_EXTERNAL,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: CONTINUE_AS_NEW,
}


def action_breakdown(events: Iterable[HistoryEvent]) -> dict[str, int]:
    """Billable actions of one history by kind (see the module); kinds with none left out."""
    actions: Counter[str] = Counter()
    marker_tasks: set[int] = set()
    for event in events:
        kind = _ONE_EACH.get(event.event_type)
        if kind is not None:
            actions[kind] += 1
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            started = event.workflow_execution_started_event_attributes
            child = started.HasField("parent_workflow_execution")
            continued = (
                started.initiator == ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW
            )
            if not child and not continued:
                actions[WORKFLOW_START] += 1
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            signaled = event.workflow_execution_signaled_event_attributes
            if not signaled.external_workflow_execution.workflow_id:
                actions[SIGNAL] += 1
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            # The history keeps an activity's last attempt only: the retries before it.
            actions[ACTIVITY] += max(0, event.activity_task_started_event_attributes.attempt - 1)
        elif event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            upserted = event.upsert_workflow_search_attributes_event_attributes
            if set(upserted.search_attributes.indexed_fields) - {CHANGE_VERSION}:
                actions[UPSERT] += 1
        elif event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker_tasks.add(
                event.marker_recorded_event_attributes.workflow_task_completed_event_id
            )
        elif event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            actions[CHILD_WORKFLOW_START] += CHILD_START_ACTIONS
    if marker_tasks:
        actions[MARKER] = len(marker_tasks)
    return {kind: actions[kind] for kind in KINDS if actions[kind]}


def count_actions(events: Iterable[HistoryEvent]) -> int:
    """Billable actions of one history, all kinds together."""
    return total(action_breakdown(events))


def total(breakdown: Mapping[str, int]) -> int:
    return sum(breakdown.values())


def history_bytes(history: WorkflowHistory) -> int:
    """The size of a history as `temporal workflow show --output json` writes it (UTF-8)."""
    return len(history.to_json().encode())


# Written by the time-skipping test server alone (its fast-forwards), never for a sale on a
# server that keeps time: left out of the size a sale's history has in production.
TIME_SKIPPING_EVENTS = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIME_SKIPPING_TRANSITIONED,
    }
)


def history_size(history: WorkflowHistory) -> int:
    """The size of a history as the server counts it (its events' encoded bytes): what
    `workflow.info().get_current_history_size()` reports, limited to 50 MB, and stored;
    without the time-skipping server's own events (a sale never changes its options)."""
    return sum(
        event.ByteSize() for event in history.events if event.event_type not in TIME_SKIPPING_EVENTS
    )
