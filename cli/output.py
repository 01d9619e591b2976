"""Where the CLI writes: results on stdout, errors and progress on stderr; plain when piped."""

import sys

from rich.console import Console

# Piped output (scripts, CI logs) gets wide lines rather than rich's 80-column wrapping.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 240)


class UsageError(Exception):
    """Bad input from the command line: printed as one clear line, exit status 2."""


class Refused(Exception):
    """A sale refused a seller command: printed with the sale's reason, exit status 1."""


def print_json(data: object) -> None:
    """Data for scripts: JSON on stdout, nothing else there."""
    import json

    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """A table for people on a terminal; tab-separated columns with a header when piped."""
    if not out.is_terminal:
        print("\t".join(headers))
        for row in rows:
            print("\t".join(cell.replace("\t", " ") for cell in row))
        return
    from rich.table import Table

    table = Table(*headers)
    for row in rows:
        table.add_row(*row)
    out.print(table)
