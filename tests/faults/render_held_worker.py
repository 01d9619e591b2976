"""`worker.py` whose contract PDF never finishes rendering: the moment a worker dies mid-render.

Run as `python -m tests.faults.render_held_worker` with `SALESFLOW_TEST_RENDER_MARKER` set to
a file path: when the worker starts typesetting a contract's PDF (numbers `C-...`; the email
that sends it typesets it) it creates that file and then blocks, so that a test can kill it
while that `send_email` activity typesets.
Quotes and every other part render and run as in `worker.py`.
"""

import asyncio
import os
import sys
import time
from pathlib import Path

import activities.typesetting
import worker
from activities.pdf import html_to_pdf as _render

MARKER = "SALESFLOW_TEST_RENDER_MARKER"
PATCHED = "html_to_pdf"  # the name activities.typesetting typesets with


def _held(body: str, title: str, author: str) -> bytes:
    if title.startswith("C-"):
        Path(os.environ[MARKER]).touch()
        time.sleep(3600)  # in the activity's thread, until the test kills the process
    return _render(body, title, author)


if __name__ == "__main__":
    setattr(activities.typesetting, PATCHED, _held)
    # In the worker's own process, where the patch is (a typesetting process would import it).
    os.environ["SALESFLOW_WORKER_TYPESETTING_PROCESSES"] = "0"
    status = asyncio.run(worker.main())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # as worker.py: temporalio/sdk-python#300
