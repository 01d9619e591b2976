"""Reading leads from a CSV of business cards or a bought list."""

import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError

from sales.errors import describe
from sales.items import parse_items
from sales.lead import Lead

# Besides the lead's own fields: `items` (`SKU=QTY; SKU=QTY`) and `playbook` (per row).
KNOWN_COLUMNS = set(Lead.model_fields) | {"playbook"}


@dataclass(frozen=True)
class RowError:
    """A row that is not a lead, with its line number and what is wrong."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class LeadRow:
    """A lead read from a row, with the playbook the row names (None: the command's default)."""

    line: int
    lead: Lead
    playbook: str | None = None


@dataclass(frozen=True)
class ParsedLeads:
    """The leads a file holds and the rows that could not be read; nothing is dropped silently."""

    rows: list[LeadRow]
    errors: list[RowError]

    @property
    def leads(self) -> list[Lead]:
        return [row.lead for row in self.rows]


class LeadFileError(ValueError):
    """A file that is not a lead CSV at all (no email column, unknown columns)."""


def parse_leads(text: str, default_source: str | None = None) -> ParsedLeads:
    """Parse CSV text with a header row; columns are the `Lead` field names."""
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "email" not in columns:
        raise LeadFileError(f"no 'email' column; columns found: {', '.join(columns) or 'none'}")
    unknown = sorted(set(columns) - KNOWN_COLUMNS)
    if unknown:
        raise LeadFileError(
            f"unknown columns {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_COLUMNS))}"
        )
    rows: list[LeadRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    ended = reader.line_num
    for row in reader:
        # The line the row starts on: a quoted cell may run over several lines.
        line, ended = ended + 1, reader.line_num
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if None in row:
            errors.append(RowError(line, "more values than columns"))
            continue
        fields: dict[str, object] = {k: v for k, v in values.items() if v}
        playbook = fields.pop("playbook", None)
        if default_source and "source" not in fields:
            fields["source"] = default_source
        try:
            fields["items"] = parse_items(str(fields.get("items", "")))
            lead = Lead.model_validate(fields)
        except ValueError as err:  # pydantic's ValidationError included
            problem = describe(err) if isinstance(err, ValidationError) else f"items: {err}"
            errors.append(RowError(line, problem))
            continue
        if lead.lead_id in seen:
            errors.append(RowError(line, f"same lead as line {seen[lead.lead_id]} ({lead.email})"))
            continue
        seen[lead.lead_id] = line
        rows.append(LeadRow(line=line, lead=lead, playbook=str(playbook) if playbook else None))
    return ParsedLeads(rows=rows, errors=errors)
