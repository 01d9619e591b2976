"""The ports the stack listens on, and whether they can be used before anything starts."""

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from settings import Settings

HOST = "127.0.0.1"


# Parallel test workers each pick ports from a range of their own ("20000-24999"): a port one
# of them chose and has not bound yet is never another's pick meanwhile.
PORT_RANGE = "SALESFLOW_FREE_PORTS"


def free_port() -> int:
    """A port nothing listens on now, for parts started by tests and the soak: the OS's pick,
    or the next free one of `SALESFLOW_FREE_PORTS` (each port once per process)."""
    chosen = os.environ.get(PORT_RANGE, "")
    if not chosen:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            return int(sock.getsockname()[1])
    low, _, high = chosen.partition("-")
    for port in range(max(int(low), _next_port[0]), int(high) + 1):
        _next_port[0] = port + 1
        if port_is_free(port):
            return port
    raise OSError(f"no free port left in {PORT_RANGE}={chosen}")


_next_port = [0]


@dataclass(frozen=True)
class Port:
    """A port the stack listens on, with what it is for and the variable that moves it."""

    number: int
    label: str
    variable: str


def needed_ports(settings: Settings) -> list[Port]:
    """The ports `make run` listens on, in start order."""
    return [
        Port(settings.temporal_port, "Temporal gRPC", "SALESFLOW_TEMPORAL_PORT"),
        Port(settings.ui_port, "Temporal UI", "SALESFLOW_UI_PORT"),
        Port(settings.smtp_port, "SMTP", "SALESFLOW_SMTP_PORT"),
        Port(settings.gateway_port, "webhook gateway", "SALESFLOW_GATEWAY_PORT"),
    ]


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a server could listen on host:port now (a port in TIME_WAIT counts as free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def suggest_port(busy: int, avoid: set[int]) -> int:
    """A free port just above `busy` that none of the other settings use."""
    for candidate in range(busy + 1, min(busy + 200, 65536)):
        if candidate not in avoid and port_is_free(candidate):
            return candidate
    return busy + 1


def port_problems(ports: Sequence[Port]) -> list[str]:
    """One line per port that cannot be used (taken twice in the settings, or in use)."""
    problems: list[str] = []
    numbers = {p.number for p in ports}
    seen: dict[int, Port] = {}
    for port in ports:
        if port.number in seen:
            other = seen[port.number]
            problems.append(
                f"port {port.number} is set for both {other.label} and {port.label}; "
                f"pick another with: make run {port.variable}={suggest_port(port.number, numbers)}"
            )
            continue
        seen[port.number] = port
        if not port_is_free(port.number):
            problems.append(
                f"port {port.number} ({port.label}) is already in use; pick another with: "
                f"make run {port.variable}={suggest_port(port.number, numbers)}"
            )
    return problems
