"""A dev server whose clients and workers encrypt, with its SQLite file where the test reads it."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

from google.protobuf.message import Message
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload, SearchAttributes, WorkflowExecution
from temporalio.api.history.v1 import History
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from client.converter import OnePayload
from privacy.converter import protected_converter
from privacy.keys import parse_key_ring
from settings import Settings
from tests.conftest import TEMPORAL_BIN
from tests.privacy.keys import CODEC_TOKEN, LEAD_ID_SECRET, NEW, OLD
from workflows import search_attributes as sa

# Mid-rotation: the new key encrypts, the old one still decrypts.
KEYS = f"{NEW},{OLD}"


def protected(settings: Settings) -> Settings:
    """`settings` with the codec on: keys, the lead-id secret and a codec endpoint token."""
    return settings.model_copy(
        update={
            "codec_keys": SecretStr(KEYS),
            "lead_id_secret": SecretStr(LEAD_ID_SECRET),
            "codec_tokens": SecretStr(CODEC_TOKEN),
        }
    )


@asynccontextmanager
async def protected_server(
    database: Path, *, ui_port: int | None = None, extra_args: list[str] | None = None
) -> AsyncIterator[WorkflowEnvironment]:
    """A dev server on `database` whose client encrypts every payload with `KEYS`."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL_BIN,
        data_converter=protected_converter(parse_key_ring(KEYS)),
        interceptors=[OnePayload()],
        search_attributes=sa.ALL,
        dev_server_database_filename=str(database),
        dev_server_extra_args=extra_args or [],
        ui=ui_port is not None,
        ui_port=ui_port,
    )
    try:
        yield env
    finally:
        await env.shutdown()


def database_bytes(database: Path) -> bytes:
    """Everything the server wrote to its SQLite files (the database, its journal or WAL)."""
    found = []
    for path in sorted(database.parent.glob(database.name + "*")):
        try:
            found.append(path.read_bytes())
        except FileNotFoundError:  # a rollback journal the server just deleted
            continue
    return b"".join(found)


async def raw_history(client: Client, workflow_id: str) -> History:
    """A workflow's history as the server keeps it: payloads not decoded."""
    history = History()
    token = b""
    while True:
        answer = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id),
                next_page_token=token,
            )
        )
        history.events.extend(answer.history.events)
        token = answer.next_page_token
        if not token:
            return history


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every payload a history holds, however deep; search attributes left out (never encrypted:
    the server indexes them)."""
    if isinstance(message, Payload):
        yield message
        return
    if isinstance(message, SearchAttributes):
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            items = value.values()
        elif field.is_repeated:
            items = value
        else:
            items = [value]
        for item in items:
            if isinstance(item, Message):
                yield from payloads_in(item)
