"""Beyond one machine: docker-compose.yml, the image and the set-up, checked without Docker.

The compose file is read as Compose reads it (YAML, then `${VAR}` interpolation from
.env.example) and held to: pinned images, health checks that the next container waits for,
no credentials in it, every variable in .env.example, every setting the containers need, the
server's dynamic config mounted, versions aligned with the dev server the tests run on, and
the search attributes of `workflows/search_attributes.ALL`. The registration script and the
health checks run against real dev servers.
"""

import asyncio
import http.server
import importlib.resources
import json
import os
import re
import subprocess
import sys
import threading
import types
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesResponse
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from deploy import healthcheck
from deploy import register_search_attributes as registration
from deploy.requirements import LOCAL_STACK_ONLY, distribution, runtime_requirements
from settings import ROOT, Settings
from tests.conftest import TEMPORAL_BIN
from workflows import search_attributes as sa

COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
# The containers built from this project's image, and what each of them runs.
APP_SERVICES = {"worker", "gateway", "search-attributes"}
# What temporalio.envconfig reads (its Rust source, crates/common/src/envconfig.rs).
ENVCONFIG = {
    "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_TLS",
    "TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_CERT_DATA",
    "TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_CLIENT_KEY_DATA",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_CA_CERT_DATA",
    "TEMPORAL_TLS_SERVER_NAME", "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
    "TEMPORAL_CODEC_ENDPOINT", "TEMPORAL_CODEC_AUTH", "TEMPORAL_PROFILE", "TEMPORAL_CONFIG_FILE",
}  # fmt: skip
# The settings each salesflow container must be given (names as in the environment).
NEEDS = {
    "worker": {
        "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "SALESFLOW_SMTP_HOST", "SALESFLOW_SMTP_PORT",
        "SALESFLOW_UNSUBSCRIBE_SECRET", "SALESFLOW_UNSUBSCRIBE_URL", "SALESFLOW_CODEC_KEYS",
        "SALESFLOW_LEAD_ID_SECRET",
    },
    "gateway": {
        "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "SALESFLOW_GATEWAY_HOST",
        "SALESFLOW_GATEWAY_PORT", "SALESFLOW_WEBHOOK_SECRETS", "SALESFLOW_UNSUBSCRIBE_SECRET",
        "SALESFLOW_CODEC_KEYS", "SALESFLOW_LEAD_ID_SECRET", "SALESFLOW_CODEC_TOKENS",
        "SALESFLOW_CODEC_UI_ORIGINS",
    },
    "search-attributes": {
        "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "SALESFLOW_CODEC_KEYS",
        "SALESFLOW_LEAD_ID_SECRET",
    },
}  # fmt: skip
# The code each container runs, for the secrets it reads (`settings.<name>`).
CODE = {
    "worker": ["worker.py", "activities", "client", "privacy", "workflows"],
    "gateway": ["gateway", "client", "privacy"],
    "search-attributes": ["deploy/register_search_attributes.py", "client", "privacy"],
}
# Settings methods and properties, by the fields they read.
DERIVED = {
    "codec_on": ["codec_keys"],
    "lead_id_key": ["lead_id_secret"],
    "webhook_secret_list": ["webhook_secrets"],
    "codec_token_list": ["codec_tokens"],
    "codec_origin_list": ["codec_ui_origins"],
}
# Secrets with a working default: SMTP without authentication (Mailpit takes any).
OPTIONAL_SECRETS = {"smtp_password"}
SECRET_NAME = re.compile(r"PASSWORD|PWD|SECRET|TOKEN|KEY", re.IGNORECASE)
VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
PINNED = re.compile(r"^[\w./-]+(:v?\d+\.\d+(\.\d+)?[\w.-]*)?(@sha256:[0-9a-f]{64})?$")


def load_yaml(text: str) -> Any:
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the compose file")
    return yaml.safe_load(text)


def example_values() -> dict[str, str]:
    """.env.example's variables with their example values (empty for the required ones)."""
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, values: Mapping[str, str]) -> str:
    """`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}` and
    `$$` as Compose substitutes them; a missing required variable raises KeyError."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        given = values.get(name)
        unset = given is None or (op is not None and op.startswith(":") and given == "")
        if op in ("?", ":?") and unset:
            raise KeyError(f"{name}: {arg}")
        if op in ("-", ":-") and unset:
            return str(arg)
        return given or ""

    return "$".join(VARIABLE.sub(value, part) for part in text.split("$$"))


def filled() -> dict[str, str]:
    """.env.example with the required variables given (as an operator would)."""
    values = example_values()
    for name in required_variables():
        values[name] = f"value-of-{name.lower()}"
    return values


def required_variables() -> set[str]:
    text = COMPOSE.read_text(encoding="utf-8")
    return {m["name"] for m in VARIABLE.finditer(text) if m["op"] in ("?", ":?")}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """The compose file as written (`${...}` not substituted)."""
    loaded: dict[str, Any] = load_yaml(COMPOSE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    """The compose file as Compose sees it with .env.example filled in."""
    loaded: dict[str, Any] = load_yaml(interpolate(COMPOSE.read_text(encoding="utf-8"), filled()))
    return loaded


def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = config["services"]
    return found


def one_shots(config: dict[str, Any]) -> set[str]:
    """Services that run once and exit: what others wait to complete."""
    found = set()
    for service in services(config).values():
        for name, dependency in service.get("depends_on", {}).items():
            if dependency["condition"] == "service_completed_successfully":
                found.add(name)
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in service.get("environment", {}).items()}


def dockerfile_healthcheck() -> bool:
    return bool(re.search(r"^HEALTHCHECK .*CMD", DOCKERFILE.read_text(), re.M | re.S))


# --- the file itself ----------------------------------------------------------------------


def test_compose_file_validates_against_the_compose_spec(
    raw: dict[str, Any], config: dict[str, Any]
) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates the file")
    pytest.importorskip(
        "check_jsonschema", reason="the compose-spec JSON schema ships with check-jsonschema"
    )
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))
    jsonschema.validate(raw, schema)
    jsonschema.validate(config, schema)


def test_required_variables_stop_compose_until_they_are_set() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert required_variables() == {
        "POSTGRES_PASSWORD", "SALESFLOW_UNSUBSCRIBE_SECRET", "SALESFLOW_WEBHOOK_SECRETS",
    }  # fmt: skip
    with pytest.raises(KeyError, match=r"see \.env\.example"):
        interpolate(text, example_values())
    interpolate(text, filled())


def test_every_variable_is_in_env_example_and_nothing_else() -> None:
    used = {m["name"] for m in VARIABLE.finditer(COMPOSE.read_text(encoding="utf-8"))}
    listed = example_values()
    assert used == set(listed)
    # The required ones have no example value to leave in place; the optional ones show the
    # compose file's default.
    for match in VARIABLE.finditer(COMPOSE.read_text(encoding="utf-8")):
        name, op, arg = match["name"], match["op"], match["arg"]
        if op in ("?", ":?"):
            assert listed[name] == "", name
        else:
            assert listed[name] == (arg or ""), name


def test_every_image_is_pinned(config: dict[str, Any]) -> None:
    for name, service in services(config).items():
        image = service.get("image", "")
        if "build" in service:
            assert image.startswith("salesflow:"), name  # this project's, built here
            continue
        assert image and PINNED.match(image) and ":" in image, f"{name}: {image}"
        assert not image.endswith(":latest"), name
    base = re.findall(r"^FROM\s+(\S+)", DOCKERFILE.read_text(), re.M)
    assert base and all(re.match(r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$", b) for b in base), base


def test_every_long_running_service_has_a_health_check(config: dict[str, Any]) -> None:
    shots = one_shots(config)
    assert shots == {"temporal-schema", "temporal-namespace", "search-attributes"}
    for name, service in services(config).items():
        if name in shots:
            assert service["restart"].startswith("on-failure"), name
            continue
        assert service["restart"] == "unless-stopped", name
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
    # The image's own, for `docker run` of a worker.
    assert dockerfile_healthcheck()


def test_dependencies_wait_until_healthy_or_done(config: dict[str, Any]) -> None:
    every = services(config)
    shots = one_shots(config)
    for name, service in every.items():
        assert isinstance(service.get("depends_on", {}), dict), f"{name}: use the long form"
        for dependency, how in service.get("depends_on", {}).items():
            expected = (
                "service_completed_successfully" if dependency in shots else "service_healthy"
            )
            assert how["condition"] == expected, f"{name} -> {dependency}"
            if expected == "service_healthy":
                assert every[dependency].get("healthcheck"), dependency
    # What the salesflow containers wait for: the cluster, its set-up, and the SMTP server.
    assert set(every["worker"]["depends_on"]) == {"temporal", "search-attributes", "mailpit"}
    assert set(every["gateway"]["depends_on"]) == {"temporal", "search-attributes"}
    assert set(every["search-attributes"]["depends_on"]) == {"temporal-namespace"}


def test_no_credentials_in_the_file(raw: dict[str, Any]) -> None:
    for name, service in services(raw).items():
        for key, value in environment(service).items():
            if not SECRET_NAME.search(key):
                continue
            match = VARIABLE.fullmatch(value)
            assert match, f"{name}: {key} is given in the file, not by a variable"
            # A default would be a credential in the file after all (empty: the optional codec).
            assert match["op"] in ("?", ":?") or not match["arg"], f"{name}: {key}"
        text = json.dumps(service.get("command", "")) + json.dumps(service.get("entrypoint", ""))
        assert not re.search(r"--pw\b|--password\b|PASSWORD=", text), name
    assert "temporal/temporal" not in COMPOSE.read_text(encoding="utf-8")


def test_the_worker_scales(config: dict[str, Any]) -> None:
    worker = services(config)["worker"]
    assert not {"container_name", "ports", "hostname"} & set(worker), "fixed per container"
    # Stopping waits for the worker's graceful shutdown of the sends in flight (30 s).
    grace = timedelta(seconds=int(worker["stop_grace_period"].rstrip("s")))
    shutdown = getattr(Settings(), "worker_graceful_shutdown_timeout", timedelta(seconds=30))
    assert grace > shutdown
    assert worker["init"] is True


# --- Temporal ------------------------------------------------------------------------------


def test_temporal_runs_on_postgresql_with_advanced_visibility(config: dict[str, Any]) -> None:
    every = services(config)
    server = environment(every["temporal"])
    # postgres12 for both stores is SQL advanced visibility (custom search attributes);
    # `postgresql`, the old plugin, is standard visibility without them.
    assert server["DB"] == "postgres12" and server["POSTGRES_SEEDS"] == "postgresql"
    assert server.get("ENABLE_ES", "false") == "false"
    schema = json.dumps(every["temporal-schema"]["command"])
    assert "--plugin postgres12" in schema
    assert "schema/postgresql/v12" in schema and "visibility" in schema
    assert every["temporal"]["image"].startswith("temporalio/server:")
    # The same credentials everywhere, from the same variables.
    postgres = environment(every["postgresql"])
    assert server["POSTGRES_PWD"] == postgres["POSTGRES_PASSWORD"]
    assert environment(every["temporal-schema"])["SQL_PASSWORD"] == postgres["POSTGRES_PASSWORD"]


def test_the_dynamic_config_is_mounted_where_the_server_reads_it(config: dict[str, Any]) -> None:
    server = services(config)["temporal"]
    path = environment(server)["DYNAMIC_CONFIG_FILE_PATH"]
    mounts = [v.split(":") for v in server["volumes"]]
    (source, target, mode) = next(m for m in mounts if m[1].endswith("/dynamicconfig"))
    assert mode == "ro" and target == "/etc/temporal/config/dynamicconfig"
    # Relative to the server's working directory, /etc/temporal.
    assert f"/etc/temporal/{path}".startswith(target + "/")
    file = ROOT / source / Path(path).name
    dynamic = load_yaml(file.read_text(encoding="utf-8"))
    assert dynamic["system.forceSearchAttributesCacheRefreshOnRead"][0]["value"] is True
    assert dynamic["limit.maxIDLength"][0]["value"] == 255


def test_versions_match_the_dev_server_the_tests_run_on(config: dict[str, Any]) -> None:
    banner = subprocess.run(
        [TEMPORAL_BIN, "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"Server (\d+\.\d+\.\d+), UI (\d+\.\d+\.\d+)", banner)
    assert found, banner
    server, ui = found.groups()
    every = services(config)
    assert every["temporal"]["image"] == f"temporalio/server:{server}"
    assert every["temporal-ui"]["image"] == f"temporalio/ui:{ui}"
    for name in ("temporal-schema", "temporal-namespace"):
        assert every[name]["image"] == f"temporalio/admin-tools:{server}", name


# --- the salesflow containers --------------------------------------------------------------


def test_each_salesflow_container_is_given_what_it_needs(config: dict[str, Any]) -> None:
    fields = {f"SALESFLOW_{name.upper()}" for name in Settings.model_fields}
    every = services(config)
    namespace = environment(every["temporal-namespace"])["NAMESPACE"]
    for name, needs in NEEDS.items():
        given = environment(every[name])
        assert needs <= set(given), f"{name} lacks {sorted(needs - set(given))}"
        for key in given:
            assert key in fields or key in ENVCONFIG, f"{name}: {key} is read by nothing"
        assert given["TEMPORAL_ADDRESS"] == "temporal:7233"
        assert given["TEMPORAL_NAMESPACE"] == namespace
    # What one signs, the other checks; the codec and lead ids are the same everywhere.
    worker, gateway = environment(every["worker"]), environment(every["gateway"])
    for key in ("SALESFLOW_UNSUBSCRIBE_SECRET", "SALESFLOW_CODEC_KEYS", "SALESFLOW_LEAD_ID_SECRET"):
        assert worker[key] == gateway[key], key
    assert worker["SALESFLOW_SMTP_HOST"] == "mailpit" and worker["SALESFLOW_SMTP_PORT"] == "1025"
    assert gateway["SALESFLOW_GATEWAY_HOST"] == "0.0.0.0"
    assert every["gateway"]["ports"] == [f"{gateway['SALESFLOW_GATEWAY_PORT']}:8000"]
    assert every["gateway"]["command"] == ["python", "-m", "gateway"]


def test_every_secret_the_code_of_a_container_reads_is_given_to_it(
    config: dict[str, Any],
) -> None:
    secrets = {
        name for name, info in Settings.model_fields.items() if "SecretStr" in str(info.annotation)
    }
    assert {"unsubscribe_secret", "webhook_secrets", "codec_keys"} <= secrets
    for service, paths in CODE.items():
        read: set[str] = set()
        for path in paths:
            files = [ROOT / path] if path.endswith(".py") else (ROOT / path).rglob("*.py")
            for file in files:
                for attribute in re.findall(r"settings\.(\w+)", file.read_text()):
                    read.update(DERIVED.get(attribute, [attribute]))
        needed = {f"SALESFLOW_{s.upper()}" for s in (read & secrets) - OPTIONAL_SECRETS}
        given = set(environment(services(config)[service]))
        assert needed <= given, f"{service} reads {sorted(needed - given)} but is not given it"


def test_the_image_has_no_dev_server_smtp_server_or_dev_tools() -> None:
    runtime = {distribution(r) for r in runtime_requirements(ROOT / "pyproject.toml")}
    assert not runtime & LOCAL_STACK_ONLY
    assert {"temporalio", "fastapi", "uvicorn"} <= runtime
    dockerfile = DOCKERFILE.read_text()
    assert "deploy/requirements.py" in dockerfile and "optional-dependencies" not in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    ignored = set(ROOT.joinpath(".dockerignore").read_text().split())
    assert {".env", ".venv", ".data", "tests", "devstack", "soak", ".git"} <= ignored
    # What the containers run imports without the local stack's packages and code.
    blocked = ["aiosmtpd", "temporal_bin", "devstack", "soak", "tests"]
    code = (
        f"import sys\nfor name in {blocked!r}:\n    sys.modules[name] = None\n"
        "import worker, starter, gateway.__main__\n"
        "import deploy.register_search_attributes, deploy.healthcheck\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr


def test_the_search_attributes_registered_are_the_ones_the_sales_use(
    config: dict[str, Any],
) -> None:
    setup = services(config)["search-attributes"]
    assert setup["command"] == ["python", "-m", "deploy.register_search_attributes"]
    assert setup["image"] == services(config)["worker"]["image"]
    wanted = registration.wanted()
    assert list(wanted) == [key.name for key in sa.ALL]
    # The same names and types as the dev server of `make run` and the tests.
    assert {f"{k}={t}" for k, t in wanted.items()} == set(sa.dev_server_flags()[1::2])
    # SQL visibility holds 10 Keyword attributes per namespace.
    assert sum(1 for kind in wanted.values() if kind == "Keyword") <= 10


# --- registering the search attributes, on real dev servers ---------------------------------


async def test_on_a_namespace_that_has_them_all_nothing_is_created(
    env: WorkflowEnvironment,
) -> None:
    outcome = await registration.register(env.client)
    assert outcome.ok and not outcome.cloud and not outcome.commands
    assert outcome.existing == registration.wanted() and not outcome.created


@pytest_asyncio.fixture(loop_scope="session")
async def bare_server() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh dev server without salesflow's search attributes, but SalesStage as Text."""
    environment = await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL_BIN,
        search_attributes=[SearchAttributeKey.for_text("SalesStage")],
    )
    yield environment
    await environment.shutdown()


async def test_on_a_fresh_namespace_the_missing_ones_are_created_and_a_clash_named(
    bare_server: WorkflowEnvironment,
) -> None:
    client = bare_server.client
    others = {k: v for k, v in registration.wanted().items() if k != "SalesStage"}

    checked = await registration.register(client, check_only=True)
    assert checked.missing == others and not checked.created and not checked.commands
    assert checked.conflicts == {"SalesStage": ("Text", "Keyword")}

    done = await registration.register(client)
    assert done.created == others and not done.missing and not done.ok
    assert any("SalesStage is a Text attribute" in note for note in done.notes)

    again = await registration.register(client)
    assert again.existing == others and not again.created
    listed = await registration.listed(client)
    assert listed is not None and {k: listed[k] for k in others} == others


async def test_the_command_says_what_exists_on_stdout_and_the_summary_on_stderr(
    env: WorkflowEnvironment,
) -> None:
    address = env.client.service_client.config.target_host
    ran = await run_script(address, "--json")
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["ok"] and result["address"] == address and not result["cloud"]
    assert [a["name"] for a in result["attributes"]] == [k.name for k in sa.ALL]
    assert {a["status"] for a in result["attributes"]} == {"exists"}
    assert f"{len(sa.ALL)} existed, 0 created" in ran.stderr

    unreachable = await run_script("127.0.0.1:1")
    assert unreachable.returncode == 3 and "error:" in unreachable.stderr
    assert not unreachable.stdout


async def run_script(address: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_")}
    environment |= {"TEMPORAL_ADDRESS": address, "TEMPORAL_NAMESPACE": "default"}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "deploy.register_search_attributes", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class FakeOperator:
    """A namespace's operator service that lists `have` and answers `add` with `refuse`."""

    def __init__(
        self, have: Mapping[str, IndexedValueType.ValueType], refuse: RPCError | None = None
    ) -> None:
        self.have = dict(have)
        self.refuse = refuse
        self.added: list[dict[str, IndexedValueType.ValueType]] = []

    async def list_search_attributes(self, request: Any) -> ListSearchAttributesResponse:
        return ListSearchAttributesResponse(custom_attributes=self.have)

    async def add_search_attributes(self, request: Any) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.added.append(dict(request.search_attributes))
        self.have.update(request.search_attributes)


def fake_client(address: str, operator: FakeOperator) -> Any:
    return types.SimpleNamespace(
        namespace="sales.a1b2c",
        operator_service=operator,
        service_client=types.SimpleNamespace(config=types.SimpleNamespace(target_host=address)),
    )


@pytest.mark.parametrize(
    "address",
    ["sales.a1b2c.tmprl.cloud:7233", "eu-west-1.aws.api.temporal.io:7233"],
)
async def test_on_temporal_cloud_nothing_is_created_and_the_tcld_command_printed(
    address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    operator = FakeOperator({"SalesStage": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD})
    outcome = await registration.register(fake_client(address, operator))
    assert outcome.cloud and not operator.added
    assert outcome.existing == {"SalesStage": "Keyword"}
    assert set(outcome.missing) == set(registration.wanted()) - {"SalesStage"}
    (command,) = outcome.commands
    assert command.startswith("tcld namespace search-attributes add --namespace sales.a1b2c ")
    assert "--search-attribute OpenTickets=Int" in command and "SalesStage" not in command
    registration.print_outcome(outcome, as_json=False)
    printed = capsys.readouterr()
    assert command in printed.out and "Temporal Cloud" in printed.err


async def test_a_cluster_that_refuses_gets_the_commands_for_an_admin() -> None:
    refused = RPCError("Request unauthorized.", RPCStatusCode.PERMISSION_DENIED, b"")
    operator = FakeOperator({}, refuse=refused)
    outcome = await registration.register(fake_client("temporal.internal:7233", operator))
    assert not outcome.cloud and not outcome.ok and not outcome.created
    assert len(outcome.commands) == len(registration.wanted())
    assert outcome.commands[0].startswith("temporal operator search-attribute create ")
    assert any("Request unauthorized" in note for note in outcome.notes)


def test_cloud_endpoints_are_told_from_self_hosted_ones() -> None:
    assert registration.is_cloud("ns.acct.tmprl.cloud:7233")
    assert registration.is_cloud("us-east-1.aws.api.temporal.io:7233")
    for address in ("temporal:7233", "127.0.0.1:7233", "tmprl.cloud.example.com:7233"):
        assert not registration.is_cloud(address), address


# --- the health checks ---------------------------------------------------------------------


async def test_a_polling_worker_is_healthy_and_another_queue_is_not(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    hostname = env.client.identity.rsplit("@", 1)[1]
    problem: str | None = "not asked yet"
    for _ in range(50):
        problem = await healthcheck.worker_problem(env.client, settings.task_queue, hostname)
        if problem is None:
            break
        await asyncio.sleep(0.2)
    assert problem is None
    later = datetime.now(UTC) + healthcheck.FRESH + timedelta(seconds=5)
    stale = await healthcheck.worker_problem(env.client, settings.task_queue, hostname, later)
    assert stale and "last polled" in stale
    other = await healthcheck.worker_problem(env.client, f"{settings.task_queue}-x", hostname)
    assert other and "no worker" in other
    elsewhere = await healthcheck.worker_problem(env.client, settings.task_queue, "elsewhere")
    assert elsewhere and "no worker on elsewhere" in elsewhere


@pytest.fixture
def healthz() -> Iterator[tuple[int, list[int]]]:
    """An HTTP server answering /healthz with the status at the head of the list."""
    statuses = [200]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(statuses[0] if self.path == "/healthz" else 404)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1]), statuses
    server.shutdown()
    server.server_close()


def test_the_gateway_is_healthy_while_its_healthz_answers_200(
    healthz: tuple[int, list[int]],
) -> None:
    port, statuses = healthz
    settings = Settings(gateway_port=port)
    assert healthcheck.gateway_problem(settings) is None
    statuses[0] = 503
    problem = healthcheck.gateway_problem(settings)
    assert problem and "503" in problem
    closed = healthcheck.gateway_problem(Settings(gateway_port=1))
    assert closed and "healthz" in closed


def test_the_health_check_names_its_parts() -> None:
    assert healthcheck.main([]) == 2 and healthcheck.main(["scheduler"]) == 2
