"""`python -m gateway`: the webhook gateway on `SALESFLOW_GATEWAY_PORT` (default 8000), its
Prometheus metrics at `/metrics` unless `SALESFLOW_GATEWAY_METRICS=false`."""

import asyncio
import logging
import os
import sys

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from client.connection import connect
from gateway.app import create_app
from gateway.metrics import PATH as METRICS_PATH
from gateway.signatures import Verifier
from privacy.keys import CodecSettingsError
from privacy.logs import configure_logging
from settings import Settings


async def main() -> int:
    settings = Settings()
    configure_logging(settings)
    secrets = settings.webhook_secret_list()
    if not secrets:
        logging.error("set SALESFLOW_WEBHOOK_SECRETS (comma-separated) to run the gateway")
        return 2
    try:
        client = await connect(settings)
    except CodecSettingsError as error:
        logging.error("%s", error)
        return 2
    app = create_app(settings, client, Verifier(secrets))
    if settings.gateway_metrics:
        where = f"http://{settings.gateway_host}:{settings.gateway_port}{METRICS_PATH}"
        logging.info("gateway metrics (Prometheus) at %s", where)
    config = uvicorn.Config(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level="info",
        # With the codec on, uvicorn's lines go through the redacting root handler too.
        log_config=None if settings.codec_on else LOGGING_CONFIG,
    )
    await uvicorn.Server(config).serve()
    return 0


if __name__ == "__main__":
    status = asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)
