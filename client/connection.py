"""Connecting to Temporal: one way for the worker, the starter, the gateway and the stack."""

from temporalio.client import Client
from temporalio.envconfig import ClientConfig
from temporalio.runtime import Runtime

from client.converter import OnePayload
from privacy.converter import data_converter
from settings import Settings


async def connect(settings: Settings, *, runtime: Runtime | None = None) -> Client:
    """A client from `TEMPORAL_*` variables / the envconfig file, else the embedded server.

    Its data converter encrypts every payload when codec keys are set (`privacy`), so the
    worker, the starter, the gateway and the stack all read and write the same way.
    `runtime`: the SDK runtime to use instead of the default one (the worker's, exporting
    metrics); a worker built on the client runs on it too.
    """
    converter = data_converter(settings)
    config = ClientConfig.load_client_connect_config()
    config.setdefault("target_host", settings.temporal_address)
    return await Client.connect(
        **config, data_converter=converter, interceptors=[OnePayload()], runtime=runtime
    )


def codec_on(client: Client) -> bool:
    """Whether the client encrypts payloads: personal data must then stay out of plain text."""
    return client.data_converter.payload_codec is not None
