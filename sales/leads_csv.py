"""Reading leads from the card files people have: CSV in any common dialect, or Excel.

UTF-8 with or without BOM, or Windows-1252 (detected); comma, semicolon or tab
(sniffed); headers in several languages (`sales.lead_columns`). Each row becomes
a lead, a duplicate of an earlier row, or a row error with its line number and
reason (an address no email can reach among them: `sales.intake`); nothing is
dropped silently.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from sales.intake import LeadRefused, admit_lead
from sales.items import parse_items
from sales.lead import Lead
from sales.lead_columns import ColumnError, Columns, map_columns, split_name
from sales.limits import LONG

KNOWN_COLUMNS = set(Lead.model_fields) | {"playbook"}


@dataclass(frozen=True)
class RowError:
    """A row that is not a lead, with its line number, what is wrong and what it held."""

    line: int
    message: str
    values: tuple[str, ...] = ()
    duplicate_of: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class LeadRow:
    """A lead read from a row, with the playbook the row names (None: the command's default)."""

    line: int
    lead: Lead
    playbook: str | None = None
    values: tuple[str, ...] = ()
    flattened: tuple[str, ...] = ()  # fields whose line breaks were flattened to one line


@dataclass
class ParsedLeads:
    """The leads a file holds, its duplicates and the rows that could not be read."""

    rows: list[LeadRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[RowError] = field(default_factory=list)

    @property
    def leads(self) -> list[Lead]:
        return [row.lead for row in self.rows]


class LeadFileError(ValueError):
    """A file that is not a lead table at all (unreadable, no email column)."""


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252, which every spreadsheet on Windows writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 reads them rather than fail.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: what the header line and the first rows agree on."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        return max(",;\t", key=header.count)


def read_table(data: bytes, name: str = "") -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the (line, values) of each row of a CSV or an .xlsx file."""
    if name.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    text = decode(data)
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise LeadFileError("the file is empty") from None
    except csv.Error as err:
        raise LeadFileError(f"not a CSV file: {err}") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        ended = reader.line_num
        try:
            for values in reader:
                # The line the row starts on: a quoted cell may run over several lines.
                line, ended = ended + 1, reader.line_num
                if any(v.strip() for v in values):
                    yield line, values
        except csv.Error as err:
            raise LeadFileError(f"line {reader.line_num}: not CSV: {err}") from None

    return header, rows()


def _read_xlsx(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a file that is no workbook
        raise LeadFileError(f"not an Excel workbook: {err}") from None
    sheet = book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        header = [_text(value) for value in next(cells)]
    except StopIteration:
        raise LeadFileError("the first sheet is empty") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for line, values in enumerate(cells, start=2):
            texts = [_text(value) for value in values]
            if any(texts):
                yield line, texts

    return header, rows()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number Excel stored as a number
    return str(value).strip()


def lead_rows(
    header: list[str],
    rows: Iterator[tuple[int, list[str]]],
    *,
    default_source: str | None = None,
    columns: Columns | None = None,
    lead_id_key: bytes | None = None,
) -> Iterator[LeadRow | RowError]:
    """Each row as a lead or a row error; duplicates in the file are errors marked so.

    `lead_id_key` derives lead ids as keyed hashes (personal data protected; see
    `sales.lead.lead_id_for_email`).
    """
    columns = columns or map_columns(header)
    seen: dict[str, int] = {}
    for line, values in rows:
        if len(values) > len(header):
            yield RowError(line, "more values than columns", tuple(values))
            continue
        cells = values + [""] * (len(header) - len(values))
        found = _lead(line, cells, columns, default_source, lead_id_key)
        if isinstance(found, RowError):
            yield found
            continue
        first = seen.setdefault(found.lead.lead_id, line)
        if first != line:
            message = f"same lead as line {first} ({found.lead.email})"
            yield RowError(line, message, tuple(cells), duplicate_of=first)
            continue
        yield found


def _lead(
    line: int,
    cells: list[str],
    columns: Columns,
    default_source: str | None,
    lead_id_key: bytes | None,
) -> LeadRow | RowError:
    values = {name: cells[index].strip() for name, index in columns.fields.items()}
    fields: dict[str, object] = {k: v for k, v in values.items() if v}
    playbook = fields.pop("playbook", None)
    whole = fields.pop("name", None)
    if whole and not (fields.get("first_name") or fields.get("last_name")):
        fields["first_name"], fields["last_name"] = split_name(str(whole))
    extras = [f"{header}: {cells[i].strip()}" for i, header in columns.extras if cells[i].strip()]
    if extras:
        notes = "; ".join([*([str(fields["notes"])] if "notes" in fields else []), *extras])
        fields["notes"] = notes if len(notes) <= LONG else notes[: LONG - 1] + "…"
    if default_source and "source" not in fields:
        fields["source"] = default_source
    try:
        fields["items"] = parse_items(str(fields.get("items", "")))
    except ValueError as err:
        return RowError(line, f"items: {err}", tuple(cells))
    try:
        admitted = admit_lead(fields, lead_id_key=lead_id_key)
    except LeadRefused as err:
        return RowError(line, str(err), tuple(cells))
    return LeadRow(
        line=line,
        lead=admitted.lead,
        playbook=str(playbook) if playbook else None,
        values=tuple(cells),
        flattened=admitted.flattened,
    )


def parse_leads(
    text: str,
    default_source: str | None = None,
    overrides: dict[str, str] | None = None,
    lead_id_key: bytes | None = None,
) -> ParsedLeads:
    """Every row of CSV text, read at once (the example file, tests); see `lead_rows`."""
    header, rows = read_table(text.encode("utf-8"))
    try:
        columns = map_columns(header, overrides)
    except ColumnError as err:
        raise LeadFileError(str(err)) from None
    parsed = ParsedLeads()
    found = lead_rows(
        header, rows, default_source=default_source, columns=columns, lead_id_key=lead_id_key
    )
    for row in found:
        if isinstance(row, LeadRow):
            parsed.rows.append(row)
        elif row.duplicate_of is not None:
            parsed.duplicates.append(row)
        else:
            parsed.errors.append(row)
    return parsed
