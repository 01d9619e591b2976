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
