"""`python -m gateway`: the webhook gateway on `SALESFLOW_GATEWAY_PORT` (default 8000)."""

import asyncio
import logging
import os
import sys

import uvicorn

from gateway.app import create_app
from gateway.signatures import Verifier
from settings import Settings
from temporal_client import connect


async def main() -> int:
    settings = Settings()
    secrets = settings.webhook_secret_list()
    if not secrets:
        logging.error("set SALESFLOW_WEBHOOK_SECRETS (comma-separated) to run the gateway")
        return 2
    client = await connect(settings)
    app = create_app(settings, client, Verifier(secrets))
    config = uvicorn.Config(
        app, host=settings.gateway_host, port=settings.gateway_port, log_level="info"
    )
    await uvicorn.Server(config).serve()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    status = asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)
