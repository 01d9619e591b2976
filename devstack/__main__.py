"""`python -m devstack` (what `make run` runs): check ports, start, supervise, stop.

Starts the dev server, SMTP and the worker in that order and stops them in the
reverse order (worker, SMTP, server), whether the stack ends by Ctrl-C, SIGTERM
or SIGHUP, by a part that would not start, or by the server or worker exiting.
"""

import logging
import os
import sys
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from rich.console import Console
from rich.markup import escape

from devstack.banner import print_banner
from devstack.ports import HOST, needed_ports, port_problems
from devstack.processes import (
    Child,
    describe_status,
    handle_stop_signals,
    ignore_stop_signals,
    log_tail,
    shown,
    stop_child,
    supervise,
)
from devstack.services import (
    EXAMPLE_LEADS,
    GATEWAY_READY_TIMEOUT,
    SERVER_READY_TIMEOUT,
    StackError,
    child_env,
    run_starter,
    start_gateway,
    start_server,
    start_smtp,
    start_worker,
    use_local_temporal,
    wait_until_gateway_listens,
    wait_until_ready,
    with_development_secrets,
)
from privacy.logs import configure_logging
from settings import ROOT, Settings


@dataclass
class Stack:
    """Everything started so far, so that any failure or signal stops exactly that."""

    server: Child | None = None
    smtp: Controller | None = None
    worker: Child | None = None
    gateway: Child | None = None


def start_stack(stack: Stack, settings: Settings, console: Console) -> dict[str, str]:
    """Start server, SMTP, worker and the example sales, filling `stack` as it goes."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # The development secrets (and codec keys, when the codec is on) before anything starts:
    # the server's UI needs to know of the codec, the SMTP server's opt-outs use the client.
    settings = with_development_secrets(settings)
    if settings.codec_on:
        configure_logging(settings, logging.WARNING)

    stack.server = start_server(settings)
    console.print(f"starting the Temporal dev server (log: {escape(shown(stack.server.log))}) ...")
    took = wait_until_ready(stack.server, settings, SERVER_READY_TIMEOUT)
    console.print(f"  Temporal is ready on {HOST}:{settings.temporal_port} ({took:.1f}s)")

    stack.smtp = start_smtp(settings)
    console.print(
        f"  SMTP on {HOST}:{settings.smtp_port}, mail kept in {escape(shown(settings.mail_dir))}"
    )

    env = child_env(settings)
    stack.worker = start_worker(settings, env)
    console.print(f"  worker started (log: {escape(shown(stack.worker.log))})")
    stack.gateway = start_gateway(settings, env)
    console.print(
        f"  webhook gateway on {HOST}:{settings.gateway_port} "
        f"(log: {escape(shown(stack.gateway.log))})"
    )

    console.print(f"starting the example sales from {EXAMPLE_LEADS} ...")
    status = run_starter(env)
    if status != 0:
        what = "timed out" if status == -1 else f"ended with {describe_status(status)}"
        console.print(f"[yellow]  starter.py import {what}; the stack keeps running[/]")
    # The banner invites webhooks: it comes only once the gateway takes connections.
    wait_until_gateway_listens(stack.gateway, settings, GATEWAY_READY_TIMEOUT)
    return env


def stop_stack(stack: Stack, console: Console) -> None:
    """Stop what was started: worker, then SMTP, then server; ignoring signals meanwhile."""
    ignore_stop_signals()
    stopped: list[str] = []
    if stack.gateway is not None:
        stop_child(stack.gateway)
        stopped.append("webhook gateway")
    if stack.worker is not None:
        stop_child(stack.worker)
        stopped.append("worker")
    if stack.smtp is not None:
        try:
            stack.smtp.stop()
        except Exception as err:
            console.print(f"[yellow]SMTP server did not stop cleanly: {escape(str(err))}[/]")
        stopped.append("SMTP server")
    if stack.server is not None:
        stop_child(stack.server)
        stopped.append("Temporal dev server")
    if stopped:
        console.print(f"stopped: {', '.join(stopped)}")


def main() -> int:
    """Check ports, start everything, supervise, stop everything; the exit status."""
    console = Console(highlight=False, soft_wrap=True)
    os.chdir(ROOT)
    settings = Settings()
    problems = port_problems(needed_ports(settings))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1

    # A Temporal Cloud profile or TEMPORAL_* variables meant for elsewhere: not here.
    ignored = use_local_temporal(settings)
    handle_stop_signals()
    stack = Stack()
    try:
        env = start_stack(stack, settings, console)
        children = [c for c in (stack.server, stack.worker, stack.gateway) if c is not None]
        if not any(c.process.poll() is not None for c in children):
            print_banner(console, settings, env, ignored)
        ended = supervise(children)
        status = ended.process.returncode
        console.print(
            f"[bold red]the {ended.name} stopped on its own ({describe_status(status)}); "
            f"stopping everything.[/] Last lines of {escape(shown(ended.log))}:"
        )
        console.print(escape(log_tail(ended.log, ended.log_offset)), soft_wrap=True)
        return 1
    except StackError as err:
        console.print(f"[bold red]{escape(str(err))}[/]")
        return 1
    except KeyboardInterrupt:
        console.print("\nstopping ...")
        return 0
    finally:
        stop_stack(stack, console)


if __name__ == "__main__":
    sys.exit(main())
