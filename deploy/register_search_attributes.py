"""Register the search attributes salesflow needs on a Temporal namespace, on any cluster.

    python -m deploy.register_search_attributes            # create the missing ones
    python -m deploy.register_search_attributes --check    # create nothing, say what is missing

It connects as the worker, the starter and the gateway do (`client/connection.py`: the
`TEMPORAL_*` variables, else a profile of the envconfig file, else the embedded server), so
it works on docker-compose.yml's cluster, any self-hosted cluster and Temporal Cloud. The
attributes are `workflows/search_attributes.ALL`. It says which exist already and which it
created; one that exists with another type is named and left alone (a type cannot change).

Temporal Cloud creates search attributes through its control plane (the Cloud ops API:
`tcld`, the Cloud UI), not through a namespace's endpoint: there it creates nothing and prints
the `tcld` command that adds the missing ones. A self-hosted cluster that refuses (a
permission, an authorizer) gets the same answer with the `temporal` CLI's commands.

Results on stdout (`--json` for scripts), messages on stderr. Exit status: 0 every attribute
is there with its type (or was created); 1 some are missing or have another type and were
not created here (the output says what to run); 2 bad input; 3 Temporal could not be reached.
"""

import argparse
import asyncio
import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.service import RPCError, RPCStatusCode

from client.connection import connect
from privacy.keys import CodecSettingsError
from settings import Settings
from workflows.search_attributes import ALL

# Temporal Cloud's namespace endpoints: mTLS (`<ns>.<account>.tmprl.cloud`) and API keys
# (`<region>.<cloud>.api.temporal.io`).
CLOUD_HOST_SUFFIXES = (".tmprl.cloud", ".api.temporal.io")
# The names the CLI, tcld and the server's messages use.
TYPE_NAMES = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}
# A server that cannot or may not create them here (Temporal Cloud, an authorizer).
NOT_HERE = (RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNIMPLEMENTED)
UNREACHABLE = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
LISTED_TIMEOUT = 10.0

EXIT_STATUSES = """exit status: 0 every attribute is there with its type; 1 some are missing or
have another type and were not created here (the output says what to run); 2 bad input;
3 Temporal could not be reached."""


class Unreachable(Exception):
    """Temporal could not be reached, or the namespace does not exist there."""


def wanted() -> dict[str, str]:
    """The attributes the sales use, by name, with their type's name (`SalesStage: Keyword`)."""
    return {key.name: TYPE_NAMES[key.indexed_value_type] for key in ALL}


def type_name(value: int) -> str:
    """The name of a server's indexed value type (`2` -> `Keyword`)."""
    try:
        return TYPE_NAMES[SearchAttributeIndexedValueType(value)]
    except (ValueError, KeyError):
        return f"type {value}"


def is_cloud(address: str) -> bool:
    """Whether `host:port` is a Temporal Cloud namespace endpoint."""
    host = address.rsplit(":", 1)[0].strip("[]").lower()
    return host.endswith(CLOUD_HOST_SUFFIXES)


def tcld_command(namespace: str, attributes: dict[str, str]) -> str:
    """The `tcld` command that adds `attributes` to a Temporal Cloud namespace."""
    flags = " ".join(
        f"--search-attribute {shlex.quote(f'{name}={kind}')}" for name, kind in attributes.items()
    )
    return f"tcld namespace search-attributes add --namespace {shlex.quote(namespace)} {flags}"


def cli_commands(namespace: str, address: str, attributes: dict[str, str]) -> list[str]:
    """The `temporal` CLI commands that create `attributes` on a self-hosted cluster."""
    return [
        f"temporal operator search-attribute create --address {shlex.quote(address)} "
        f"--namespace {shlex.quote(namespace)} --name {name} --type {kind}"
        for name, kind in attributes.items()
    ]


@dataclass
class Outcome:
    """What the namespace has, what was created, and what is left to do by someone else."""

    namespace: str
    address: str
    cloud: bool
    existing: dict[str, str] = field(default_factory=dict)
    created: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    # name: (the type it has, the type salesflow needs)
    conflicts: dict[str, tuple[str, str]] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.conflicts

    def rows(self) -> list[tuple[str, str, str]]:
        """(status, name, type) for every attribute salesflow needs, in `ALL`'s order."""
        status: dict[str, tuple[str, str]] = {}
        for name, kind in self.existing.items():
            status[name] = ("exists", kind)
        for name, kind in self.created.items():
            status[name] = ("created", kind)
        for name, kind in self.missing.items():
            status[name] = ("missing", kind)
        for name, (has, needs) in self.conflicts.items():
            status[name] = ("other type", f"{has}, needs {needs}")
        return [(status[name][0], name, status[name][1]) for name in wanted()]

    def as_json(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "address": self.address,
            "cloud": self.cloud,
            "ok": self.ok,
            "attributes": [
                {"name": name, "status": status, "type": wanted()[name]}
                | ({"has": self.conflicts[name][0]} if name in self.conflicts else {})
                for status, name, _ in self.rows()
            ],
            "commands": self.commands,
            "notes": self.notes,
        }


async def listed(client: Client) -> dict[str, str] | None:
    """The namespace's custom search attributes by name with their type; None: not allowed."""
    request = ListSearchAttributesRequest(namespace=client.namespace)
    try:
        response = await client.operator_service.list_search_attributes(request)
    except RPCError as error:
        if error.status in NOT_HERE:
            return None
        if error.status in UNREACHABLE:
            raise Unreachable(error.message) from None
        if error.status == RPCStatusCode.NOT_FOUND:
            raise Unreachable(
                f"namespace {client.namespace} does not exist there ({error.message}); "
                "create it first (`temporal operator namespace create`, or in Temporal Cloud)"
            ) from None
        raise
    return {name: type_name(value) for name, value in response.custom_attributes.items()}


async def create(client: Client, attributes: dict[str, str]) -> None:
    """Add `attributes` to the namespace and wait until it lists them."""
    request = AddSearchAttributesRequest(
        namespace=client.namespace,
        search_attributes={
            name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{_proto_name(kind)}")
            for name, kind in attributes.items()
        },
    )
    await client.operator_service.add_search_attributes(request)
    # SQL visibility adds them at once; Elasticsearch through a system workflow that the
    # call waits for. Either way the namespace lists them before anything relies on them.
    deadline = asyncio.get_running_loop().time() + LISTED_TIMEOUT
    while True:
        now = await listed(client) or {}
        if all(now.get(name) == kind for name, kind in attributes.items()):
            return
        if asyncio.get_running_loop().time() > deadline:
            absent = ", ".join(sorted(set(attributes) - set(now)))
            raise RuntimeError(f"created, but the namespace does not list {absent} yet")
        await asyncio.sleep(0.5)


def _proto_name(kind: str) -> str:
    return "KEYWORD_LIST" if kind == "KeywordList" else kind.upper()


async def register(client: Client, *, check_only: bool = False) -> Outcome:
    """Compare the namespace's search attributes with salesflow's and create what is missing
    where this connection may (not on Temporal Cloud, not with `check_only`)."""
    address = client.service_client.config.target_host
    outcome = Outcome(namespace=client.namespace, address=address, cloud=is_cloud(address))
    have = await listed(client)
    if have is None:
        outcome.notes.append(
            "this connection may not list the namespace's search attributes; "
            "every one salesflow needs is shown as missing"
        )
        have = {}
    for name, kind in wanted().items():
        if name not in have:
            outcome.missing[name] = kind
        elif have[name] == kind:
            outcome.existing[name] = kind
        else:
            outcome.conflicts[name] = (have[name], kind)

    if outcome.missing and not check_only and not outcome.cloud:
        try:
            await create(client, outcome.missing)
        except RPCError as error:
            if error.status not in NOT_HERE:
                raise
            outcome.notes.append(f"the server refused to create them: {error.message}")
        else:
            outcome.created, outcome.missing = outcome.missing, {}

    if outcome.missing:
        if outcome.cloud:
            outcome.notes.append(
                "Temporal Cloud creates search attributes through its control plane: run "
                "this with tcld (logged in with `tcld login` or TEMPORAL_CLOUD_API_KEY), or "
                "add them in the Cloud UI under the namespace's search attributes"
            )
            outcome.commands.append(tcld_command(outcome.namespace, outcome.missing))
        elif check_only:
            outcome.notes.append("run it without --check to create them")
        else:
            outcome.notes.append("ask an admin of the cluster to run these")
            outcome.commands += cli_commands(outcome.namespace, address, outcome.missing)
    for name, (has, needs) in outcome.conflicts.items():
        outcome.notes.append(
            f"{name} is a {has} attribute here, salesflow writes a {needs}: a type cannot be "
            f"changed; remove it (nothing else may use it) and run this again, or rename it"
        )
    return outcome


def print_outcome(outcome: Outcome, as_json: bool) -> None:
    """The attributes with their status on stdout; a summary and what to do on stderr."""
    if as_json:
        print(json.dumps(outcome.as_json(), indent=2))
    else:
        rows = outcome.rows()
        width = max(len(name) for _, name, _ in rows)
        print(f"{'status':<10}  {'name':<{width}}  type")
        for status, name, kind in rows:
            print(f"{status:<10}  {name:<{width}}  {kind}")
        for command in outcome.commands:
            print(command)
    where = "Temporal Cloud" if outcome.cloud else "self-hosted"
    counts = (
        f"{len(outcome.existing)} existed, {len(outcome.created)} created, "
        f"{len(outcome.missing)} missing, {len(outcome.conflicts)} of another type"
    )
    print(
        f"namespace {outcome.namespace} at {outcome.address} ({where}): {counts}",
        file=sys.stderr,
    )
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m deploy.register_search_attributes",
        description="Register the search attributes salesflow needs on the namespace that "
        "TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (or the envconfig profile) name; on Temporal "
        "Cloud print the tcld command instead.",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_argument(
        "--check", action="store_true", help="create nothing: only say what is missing"
    )
    cli.add_argument(
        "-o",
        "--output",
        choices=["text", "json"],
        default="text",
        help="text for people or json for scripts",
    )
    cli.add_argument("--json", action="store_true", help="same as -o json")
    return cli


async def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    as_json = args.json or args.output == "json"
    try:
        client = await connect(Settings())
        outcome = await register(client, check_only=args.check)
    except CodecSettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Unreachable as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    except RuntimeError as error:
        if "connect" in str(error).lower():
            print(f"error: cannot reach Temporal: {error}", file=sys.stderr)
            return 3
        print(f"error: {error}", file=sys.stderr)
        return 1
    except RPCError as error:
        if error.status in UNREACHABLE:
            print(f"error: cannot reach Temporal: {error.message}", file=sys.stderr)
            return 3
        print(f"error: the server refused: {error.message}", file=sys.stderr)
        return 1
    print_outcome(outcome, as_json)
    return 0 if outcome.ok else 1


def main() -> None:
    status = asyncio.run(run(sys.argv[1:]))
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)


if __name__ == "__main__":
    main()
