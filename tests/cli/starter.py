"""Running `starter.py` as ops do, in a subprocess, against the test's dev server."""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

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
) -> Ran:
    """Run `starter.py`; async, so the test's worker can answer its queries and updates."""
    environment = {**os.environ, "COLUMNS": "200"}
    if env is not None:
        environment["TEMPORAL_ADDRESS"] = env.client.service_client.config.target_host
    if settings is not None:
        environment["SALESFLOW_TASK_QUEUE"] = settings.task_queue
    environment.update(environ or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "starter.py"),
        *args,
        cwd=cwd,
        env={**environment, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), timeout=180)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())
