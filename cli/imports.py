"""`starter.py import`: a card file of any common shape, each row a sale, bad rows reported.

Rows are read as they come and started a few at a time, so a file of ten thousand
rows neither fills memory nor floods the server; a duplicate (in the file, or a lead
that already has a sale) starts nothing and is counted; every bad row is written,
with its line and reason, to `<file>.errors.csv` beside the input.
"""

import argparse
import asyncio
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from cli.output import UsageError, err, out, print_json
from client.sales import start_sale
from sales.catalog import load_catalog
from sales.lead_columns import ColumnError, map_columns
from sales.leads_csv import LeadFileError, LeadRow, RowError, lead_rows, read_table
from sales.playbook import Playbook, PlaybookError, load_playbook
from settings import Settings
from workflows.sale import api as sale_api

CONCURRENCY = 8


@dataclass
class Tally:
    """What an import did: started, already there, duplicates, bad rows."""

    started: int = 0
    existing: int = 0
    flattened: int = 0  # rows started with a field's line breaks flattened to one line
    duplicates: list[RowError] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    rows: list[dict[str, object]] = field(default_factory=list)  # what happened to each row

    def summary(self, dry_run: bool) -> str:
        verb = "would start" if dry_run else "started"
        flattened = f" ({self.flattened} with line breaks flattened)" if self.flattened else ""
        return (
            f"{self.started} {verb}{flattened}, {self.existing} already had a sale, "
            f"{len(self.duplicates)} duplicates in the file, {len(self.rejected)} rows rejected"
        )


def parse_maps(pairs: list[str] | None) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs or []:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise UsageError(f"--map {pair!r} is not COLUMN=FIELD, e.g. --map 'E-Mail 2=email'")
        overrides[column.strip()] = target.strip()
    return overrides


async def cmd_import(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    source = args.file
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        header, rows = read_table(data, source)
        columns = map_columns(header, parse_maps(args.map))
    except OSError as error:
        raise UsageError(f"{source}: {error.strerror}") from None
    except (LeadFileError, ColumnError) as error:
        raise UsageError(f"{source}: {error}") from None
    mapped = ", ".join(f"{header[i]!r}={name}" for name, i in columns.fields.items())
    err.print(
        f"columns: {escape(mapped)}"
        + (f"; kept as notes: {len(columns.extras)}" if columns.extras else "")
    )
    tally = Tally()
    importer = _Importer(client, settings, args, tally)
    with _progress() as progress:
        task = progress.add_task("importing", total=None)
        queue: asyncio.Queue[LeadRow | RowError | None] = asyncio.Queue(maxsize=CONCURRENCY * 4)

        async def feed() -> None:
            read = lead_rows(
                header,
                rows,
                default_source=args.source,
                columns=columns,
                lead_id_key=settings.lead_id_key(),
            )
            for row in read:
                await queue.put(row)
            for _ in range(CONCURRENCY):
                await queue.put(None)

        async def work() -> None:
            while (row := await queue.get()) is not None:
                await importer.take(row)
                progress.advance(task)

        await asyncio.gather(feed(), *(work() for _ in range(CONCURRENCY)))
    report = _report(source, header, tally)
    err.print(tally.summary(args.dry_run))
    if report is not None:
        err.print(f"rows not started, with the reason: {escape(str(report))}")
    if args.json:
        print_json(_as_json(tally, args.dry_run, report))
    return 1 if tally.rejected else 0


def _as_json(tally: Tally, dry_run: bool, report: Path | None) -> dict[str, object]:
    bad: list[dict[str, object]] = [
        {"line": row.line, "outcome": "duplicate" if row.duplicate_of else "rejected",
         "reason": row.message}
        for row in [*tally.rejected, *tally.duplicates]
    ]  # fmt: skip
    return {
        "dry_run": dry_run,
        "started": tally.started,
        "flattened": tally.flattened,
        "existing": tally.existing,
        "duplicates": len(tally.duplicates),
        "rejected": len(tally.rejected),
        "error_report": str(report) if report else None,
        "rows": sorted([*tally.rows, *bad], key=lambda row: int(str(row["line"]))),
    }


@dataclass
class _Importer:
    client: Client
    settings: Settings
    args: argparse.Namespace
    tally: Tally
    playbooks: dict[str, Playbook] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.catalog = load_catalog(self.settings.catalog_path)

    async def take(self, row: LeadRow | RowError) -> None:
        if isinstance(row, RowError):
            (self.tally.duplicates if row.duplicate_of else self.tally.rejected).append(row)
            return
        problem = self._problem(row)
        if problem is not None:
            self.tally.rejected.append(RowError(row.line, problem, row.values))
            return
        playbook = self.playbooks[row.playbook or self.args.playbook]
        if self.args.dry_run:
            await self._would_start(row)
            return
        result = await start_sale(self.client, row.lead, playbook, self.settings.task_queue)
        if result.started:
            self.tally.started += 1
            self._say(row, "started", result.workflow_id, f"{playbook.name}  {_who(row)}")
            self.tally.flattened += bool(row.flattened)
        else:
            self.tally.existing += 1
            self._say(row, "exists", result.workflow_id, "already has a sale; not started again")

    def _say(self, row: LeadRow, outcome: str, workflow_id: str, text: str) -> None:
        """One line per row on stdout, or one entry of the JSON printed at the end."""
        self.tally.rows.append(
            {
                "line": row.line,
                "outcome": outcome,
                "workflow_id": workflow_id,
                "flattened": list(row.flattened),
            }
        )
        if row.flattened:
            text += f"  ({', '.join(row.flattened)}: line breaks flattened to one line)"
        if self.args.json:
            return
        if out.is_terminal:
            out.print(f"{outcome:<12} {workflow_id}  {escape(text)}")
        else:
            print(f"{outcome}\t{workflow_id}\t{text}")

    def _problem(self, row: LeadRow) -> str | None:
        name = row.playbook or self.args.playbook
        if name not in self.playbooks:
            try:
                playbook = load_playbook(self.settings.playbooks_dir, name)
            except PlaybookError as error:
                return f"playbook: {error}"
            self.playbooks[name] = (
                playbook.with_intro_at_once() if self.args.intro_now else playbook
            )
        unknown = [i.sku for i in row.lead.items if self.catalog.get(i.sku) is None]
        return f"items: unknown sku {', '.join(unknown)}" if unknown else None

    async def _would_start(self, row: LeadRow) -> None:
        workflow_id = sale_api.workflow_id(row.lead.lead_id)
        try:
            await self.client.get_workflow_handle(workflow_id).describe()
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
            self.tally.started += 1
            self._say(row, "would start", workflow_id, _who(row))
            return
        self.tally.existing += 1
        self._say(row, "exists", workflow_id, "already has a sale")


def _who(row: LeadRow) -> str:
    return row.lead.company or row.lead.email


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _report(source: str, header: list[str], tally: Tally) -> Path | None:
    """`<file>.errors.csv` beside the input (the working folder for standard input)."""
    bad = sorted([*tally.rejected, *tally.duplicates], key=lambda row: row.line)
    if not bad:
        return None
    path = Path("import.errors.csv") if source == "-" else Path(f"{source}.errors.csv")
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["line", "reason", *header])
        for row in bad:
            writer.writerow([row.line, row.message, *row.values])
    return path
