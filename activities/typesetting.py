"""PDFs typeset when first sent, not when their document is filed.

Filing a quote, contract or bid writes its HTML and, beside the PDF's place, what the PDF
needs (its body, title and author); the email that attaches the PDF typesets and files it. So
the email a customer's answer causes (the orientation after the needs are told) does not wait
behind typesetting a document that a later email carries, and a document nobody sends costs
no typesetting. Every PDF is attached to an email, so each is typeset at the latest when sent;
a second sending, or another worker, finds it filed.
"""

import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from activities.document_store import DocumentMissing, DocumentStore

SOURCE_SUFFIX = ".source.json"

# body, title, author -> the PDF's bytes
Typeset = Callable[[str, str, str], bytes]


def _leave_with_parent() -> None:
    """In a typesetting process: exit once the worker that started it is gone (killed too)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def html_to_pdf(body: str, title: str, author: str) -> bytes:
    """`activities.pdf.html_to_pdf`, imported at the first document: fpdf2, its fonts and
    shaping take 0.7 s to import, which every `starter.py` command and the gateway (importing
    the workflows, which import their activities) would pay without typesetting anything."""
    from activities.pdf import html_to_pdf as typeset

    return typeset(body, title, author)


# Calls waiting at once for a typesetting process (the PDFs of emails being sent); more wait
# their turn for a thread, without holding the event loop's shared threads.
WAITING_THREADS = 32


class Typesetter:
    """Typesets in processes of their own, shared by the activities of this worker process.

    fpdf2 holds the GIL for 0.1-0.4 s a document: typeset in the worker's process, it holds up
    every workflow task and every send meanwhile (README "What a sale costs": latency). With
    `processes=0` it typesets in the calling thread (the playbook simulation, some tests).
    The processes are spawned, so the program running the worker guards its main part with
    `if __name__ == "__main__":` (worker.py does), as multiprocessing requires; the first PDF
    takes about 0.8 s more while the process starts, the next ones about 0.13 s.
    """

    _pool: ProcessPoolExecutor | None = None
    _waiting: ThreadPoolExecutor | None = None
    _lock = threading.Lock()

    def __init__(self, processes: int) -> None:
        self._processes = processes

    def __call__(self, body: str, title: str, author: str) -> bytes:
        if self._processes < 1:
            return html_to_pdf(body, title, author)
        pool = self._started()
        try:
            return pool.submit(html_to_pdf, body, title, author).result()
        except BrokenProcessPool:
            # A typesetting process died (killed, out of memory): a new pool for the retry.
            with Typesetter._lock:
                if Typesetter._pool is pool:
                    Typesetter._pool = None
            raise

    @classmethod
    def waiting(cls) -> ThreadPoolExecutor:
        """Threads of their own for the calls that wait for a typesetting process: in the
        event loop's shared pool (6 threads on 2 cores) a burst of PDFs held every thread,
        and every other activity's render and file read queued behind them (measured: the
        orientation of 100 sales told at once, p99 8-13 s instead of 4 s)."""
        with cls._lock:
            if cls._waiting is None:
                cls._waiting = ThreadPoolExecutor(
                    max_workers=WAITING_THREADS, thread_name_prefix="typesetting-wait"
                )
            return cls._waiting

    def _started(self) -> ProcessPoolExecutor:
        with Typesetter._lock:
            if Typesetter._pool is None:
                # Spawned, not forked: the worker's process runs the SDK's threads.
                Typesetter._pool = ProcessPoolExecutor(
                    max_workers=self._processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_leave_with_parent,
                )
            return Typesetter._pool


def file_for_typesetting(
    store: DocumentStore, pdf: str, body: str, *, title: str, author: str
) -> str:
    """File what the PDF at reference `pdf` needs; `pdf`, where it will be once typeset."""
    source = {"title": title, "author": author, "body": body}
    store.put(pdf + SOURCE_SUFFIX, json.dumps(source).encode("utf-8"))
    return pdf


def typeset_from_source(
    store: DocumentStore, reference: str, typeset: Typeset = html_to_pdf
) -> bytes:
    """The PDF at `reference` typeset from what its filing left beside it, not filed.

    DocumentMissing when that is not filed either.
    """
    try:
        source = json.loads(store.get(reference + SOURCE_SUFFIX))
    except DocumentMissing as err:
        raise DocumentMissing("nothing is filed there") from err
    return typeset(source["body"], source["title"], source["author"])


def document_bytes(store: DocumentStore, reference: str, typeset: Typeset = html_to_pdf) -> bytes:
    """The document at `reference`; a PDF not typeset yet is typeset and filed first.

    DocumentMissing when neither the document nor what its PDF needs is filed.
    """
    try:
        return store.get(reference)
    except DocumentMissing:
        pass
    pdf = typeset_from_source(store, reference, typeset)
    store.put(reference, pdf)
    return pdf
