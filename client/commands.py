"""Sending a seller command (an update) to a sale, and reading its refusal: for the starter,
the gateway, the soak and tests."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from sales.refusals import COMMAND_REFUSED, Refusal
from workflows.sale.api import CommandAnswer

# The server drops an update whose workflow task then failed (an UnhandledCommand when a
# signal came in as the task completed, say) and answers FAILED_PRECONDITION: send it again.
TRIES = 5
PAUSE = 0.5  # seconds, times the try: the workflow task's retry comes within a second or two


async def send_command(
    handle: WorkflowHandle[Any, Any],
    name: str,
    payload: object,
    *,
    wait_for_stage: WorkflowUpdateStage = WorkflowUpdateStage.ACCEPTED,
    rpc_timeout: timedelta | None = None,
    retried: Callable[[], None] | None = None,
) -> WorkflowUpdateHandle[CommandAnswer]:
    """The command once the sale took it (accepted, or completed if asked); sent again, under one
    update id, while the server dropped it for a failed workflow task (`retried` hears of each
    time). Other errors raise."""
    update_id = str(uuid.uuid4())  # one id for every try: the server never runs it twice
    attempt = 1
    while True:
        try:
            return await handle.start_update(
                name,
                payload,
                id=update_id,
                wait_for_stage=wait_for_stage,
                result_type=CommandAnswer,
                rpc_timeout=rpc_timeout,
            )
        except RPCError as error:
            if error.status is not RPCStatusCode.FAILED_PRECONDITION or attempt == TRIES:
                raise
        if retried is not None:
            retried()
        await asyncio.sleep(PAUSE * attempt)
        attempt += 1


def refusal_of(error: WorkflowUpdateFailedError) -> Refusal:
    """Why the sale did not apply a command, as `sales.refusals` words it."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type == COMMAND_REFUSED:
        details = cause.details[0] if cause.details else None
        if isinstance(details, dict):
            return Refusal.model_validate(details)
        return Refusal(reason=cause.message)
    return Refusal(reason=str(cause))
