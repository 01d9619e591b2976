"""Running `starter.py` against the test's dev server: in this process (parsing and output, at
the cost of a function call), or as ops do, in a process of its own (exit statuses, streams,
interpreter exit: `tests/cli/test_conventions.py`)."""

import asyncio
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

import starter
from settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    """What the command printed and how it exited."""

    returncode: int
    stdout: str
    stderr: str


async def run_starter(
    env: WorkflowEnvironment | None,
    settings: Settings | None,
    *args: str,
    stdin: bytes | None = None,
    cwd: Path = ROOT,
    environ: dict[str, str] | None = None,
    own_process: bool = False,
) -> Ran:
    """Run `starter.py`; async, so the test's worker can answer its queries and updates."""
    environment = {"COLUMNS": "200"}
    if env is not None:
        environment["TEMPORAL_ADDRESS"] = env.client.service_client.config.target_host
    if settings is not None:
        environment["SALESFLOW_TASK_QUEUE"] = settings.task_queue
    environment.update(environ or {})
    if own_process:
        return await _in_a_process(args, environment, stdin=stdin, cwd=cwd)
    out, err = io.StringIO(), io.StringIO()
    given = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    with (
        _environment(environment),
        contextlib.chdir(cwd),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _stdin(given),
    ):
        try:
            status = await starter.run_command(list(args))
        except SystemExit as done:  # argparse: --help, or a usage error
            status = done.code if isinstance(done.code, int) else 1
    return Ran(status, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _stdin(stream: io.TextIOWrapper) -> Iterator[None]:
    before, sys.stdin = sys.stdin, stream
    try:
        yield
    finally:
        sys.stdin = before


async def _in_a_process(
    args: tuple[str, ...], environment: dict[str, str], *, stdin: bytes | None, cwd: Path
) -> Ran:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "starter.py"),
        *args,
        cwd=cwd,
        env={**os.environ, **environment, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), timeout=180)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())
