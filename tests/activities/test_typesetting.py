"""The typesetting process: PDFs typeset outside the worker's process, a dead one replaced,
and none left behind by a worker that was killed. Real processes, no doubles."""

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from activities.pdf import html_to_pdf
from activities.typesetting import Typesetter
from settings import ROOT

BODY = "<h1>Quote Q-2026-acme-v1</h1><p>Vibration sensor S100, 10 pieces</p>"
# A worker's process: typesets once, says its typesetting process's pid, then waits to be killed.
HOLDER = """
import multiprocessing, time
from activities.typesetting import Typesetter
if __name__ == "__main__":
    Typesetter(1)("<p>x</p>", "T", "A")
    print(*[child.pid for child in multiprocessing.active_children()], flush=True)
    time.sleep(600)
"""


def typesetting_pids() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.pid}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(60)
def test_a_pdf_is_typeset_in_a_process_of_its_own_and_a_dead_one_is_replaced() -> None:
    typeset = Typesetter(1)
    pdf = typeset(BODY, "Q-2026-acme-v1", "Northwind Automation GmbH")

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 1000
    [child] = typesetting_pids()
    assert child != os.getpid()

    os.kill(child, signal.SIGKILL)  # out of memory, or killed by someone
    deadline = time.monotonic() + 20
    while True:  # the call that meets the dead process fails (the activity retries) ...
        try:
            again = typeset(BODY, "Q-2026-acme-v1", "Northwind Automation GmbH")
            break
        except BrokenProcessPool:
            assert time.monotonic() < deadline
    # ... and a new process typesets the same document
    assert again.startswith(b"%PDF-") and child not in typesetting_pids()
    assert typesetting_pids()


def test_no_processes_typesets_in_the_calling_process() -> None:
    before = typesetting_pids()
    pdf = Typesetter(0)(BODY, "Q-2026-acme-v1", "Northwind Automation GmbH")
    assert pdf[:5] == html_to_pdf(BODY, "Q-2026-acme-v1", "Northwind Automation GmbH")[:5]
    assert typesetting_pids() == before


@pytest.mark.timeout(60)
def test_a_killed_worker_leaves_no_typesetting_process_behind() -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        [child] = [int(pid) for pid in holder.stdout.readline().split()]
        assert alive(child)
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 10
    while alive(child):  # it notices its worker is gone within a second or two
        assert time.monotonic() < deadline, f"typesetting process {child} outlived its worker"
        time.sleep(0.1)
