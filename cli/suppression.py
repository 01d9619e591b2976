"""The opt-out list for ops: put an address on it, take one off (who and why), list it."""

import argparse

from pydantic import ValidationError
from temporalio.client import Client, WorkflowUpdateFailedError

from cli.output import Refused, UsageError, err, out, print_json
from client.suppression import suppress, suppressed_addresses, unsuppress
from sales.errors import describe
from sales.suppression import Suppress, SuppressionSource, SuppressionStatus, Unsuppress
from settings import Settings


async def cmd_suppress(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    try:
        request = Suppress(
            address=args.address, reason=args.reason, by=args.by, source=SuppressionSource.OPS
        )
    except ValidationError as error:
        raise UsageError(f"suppress: {describe(error)}") from None
    status = await suppress(client, request, settings.task_queue)
    _print_status(status, args.json)
    return 0


async def cmd_unsuppress(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    try:
        request = Unsuppress(address=args.address, by=args.by, reason=args.reason)
    except ValidationError as error:
        raise UsageError(f"unsuppress: {describe(error)}") from None
    try:
        status = await unsuppress(client, request)
    except LookupError as error:
        raise Refused(str(error)) from None
    except WorkflowUpdateFailedError as error:
        raise Refused(str(error.cause)) from None
    _print_status(status, args.json)
    return 0


def _print_status(status: SuppressionStatus, as_json: bool) -> None:
    if as_json:
        print_json(status.model_dump(mode="json"))
    else:
        out.print(status.describe())


async def cmd_suppressed(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    addresses = sorted([address async for address in suppressed_addresses(client)])
    if args.json:
        print_json(addresses)
    else:
        for address in addresses:
            print(address)
    err.print(f"{len(addresses)} addresses on the opt-out list")
    return 0
