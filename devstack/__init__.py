"""`make run`: the whole sales stack on one machine, in the foreground.

Starts the Temporal dev server (SQLite under the data folder, search attributes
registered), a local SMTP server that keeps every message as a maildir, and the
worker; starts the example sales; then supervises until Ctrl-C or SIGTERM, or
until the server or the worker stops on its own, and stops everything it started.

Run it with `python -m devstack` (see `__main__.py`). The modules, by idea:
`ports` (are the ports free), `processes` (start, watch and stop subprocesses),
`services` (the dev server, SMTP, the worker and the starter), `banner` (what is
printed once everything runs).
"""
