"""The embedded server's SQLite settings, chosen by measurement.

`make run` keeps the dev server's state in a SQLite file (`--db-filename`) with the pragmas
`devstack/services.py` passes. Here the same default-playbook sales run on two file-backed dev
servers at once, one with SQLite's own settings and one with those pragmas, each with a bench
worker of its own; batches alternate, so both see the same machine.
"""

from dataclasses import dataclass, field
from pathlib import Path

from devstack.services import server_command, temporal_binary
from soak.bench_parts import MemoryServer
from soak.bench_throughput import Side, Throughput

PRAGMA = "--sqlite-pragma"


def chosen_pragmas() -> list[str]:
    """The pragmas `make run`'s server is started with."""
    command = server_command(MemoryServer(Path("/dev/null")).settings, temporal_binary())
    return [command[i + 1] for i, part in enumerate(command) if part == PRAGMA]


class FileServer(MemoryServer):
    """`temporal server start-dev` on a SQLite file of its own, with the pragmas given."""

    def __init__(self, log: Path, db: Path, pragmas: list[str]) -> None:
        super().__init__(log)
        self.db = db
        self.pragmas = pragmas

    def command(self) -> list[str]:
        kept: list[str] = []
        parts = iter(server_command(self.settings, temporal_binary()))
        for part in parts:
            if part == PRAGMA:
                next(parts)  # this server's own pragmas instead
            elif part == "--db-filename":
                next(parts)
                kept += [part, str(self.db)]
            else:
                kept.append(part)
        pragmas = [flag for pragma in self.pragmas for flag in (PRAGMA, pragma)]
        return [*kept, *pragmas, "--headless"]


@dataclass
class Compared:
    """One SQLite setting: its pragmas and the sales its server carried."""

    name: str
    pragmas: list[str]
    side: Side = field(init=False)

    def __post_init__(self) -> None:
        self.side = Side(self.name)


def settings_compared() -> list[Compared]:
    """SQLite's own settings (a rollback journal, a sync at every commit), `make run`'s, and
    the write-ahead log with no sync at all (faster still, not chosen: a power loss or an OS
    crash can corrupt the file, README "The embedded server's SQLite")."""
    return [
        Compared("sqlite_defaults", []),
        Compared("chosen", chosen_pragmas()),
        Compared("no_sync", ["journal_mode=wal", "synchronous=off"]),
    ]


async def alternate(drivers: list[tuple[Compared, Throughput]], count: int, batch: int) -> None:
    """`count` sales on each server, `batch` at a time, one server's batch after the other's."""
    while any(compared.side.count < count for compared, _ in drivers):
        for compared, throughput in drivers:
            size = min(batch, count - compared.side.count)
            if size > 0:
                await throughput.sales(compared.side, size)
