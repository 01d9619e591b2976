"""`starter.py import` with the card files people really have, against a real dev server."""

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from sales.lead import lead_id_for_email
from settings import Settings
from tests.cli.starter import run_starter

COUNTRIES = ["Deutschland", "Países Bajos", "DE", "Österreich", "France", "it"]


def messy_cards(path: Path, tag: str) -> None:
    """500 rows: two header languages, semicolons, a BOM; 470 good, 10 duplicates, 20 bad."""
    header = "Nombre;Apellidos;Correo;Company Name;Cargo;Teléfono;País;Sector;Messe-Stand"
    lines = [header]
    for i in range(470):
        country = COUNTRIES[i % len(COUNTRIES)]
        lines.append(
            f"Ana{i};García;p{i:03d}-{tag}@firma{i % 37}.example;Firma {i} S.L.;"
            f"Jefa de compras;+34 91 555 {i:04d};{country};packaging;Halle {i % 9}"
        )
    for i in range(10):  # the same people again, their address in capitals
        lines.append(f"Ana{i};García;P{i:03d}-{tag.upper()}@FIRMA{i % 37}.EXAMPLE;Firma;;;ES;;")
    for i in range(5):
        lines.append(f"Bad{i};Row;bad{i}-{tag}@x.example;X;;;Atlantis;;")
    for i in range(5):
        lines.append(f"No{i};Mail;;Y;;;DE;;")
    for i in range(10):
        lines.append(f"Long{i};Name;long{i}-{tag}@x.example;{'Z' * 300};;;DE;;")
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))


async def test_a_messy_card_file_gives_exact_counts_a_report_and_no_duplicate_sale(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    cards = tmp_path / "hannover.csv"
    messy_cards(cards, settings.task_queue)

    first = await run_starter(env, settings, "import", str(cards), "--source", "cebit")
    summary = "470 started, 0 already had a sale, 10 duplicates in the file, 20 rows rejected"
    assert summary in first.stderr, first.stderr[-2000:]
    assert first.returncode == 1
    assert first.stdout.count("started\tsale-") == 470

    with (tmp_path / "hannover.csv.errors.csv").open(encoding="utf-8") as file:
        report = list(csv.DictReader(file))
    assert len(report) == 30
    reasons = [row["reason"] for row in report]
    assert sum(r.startswith("same lead as line") for r in reasons) == 10
    assert sum("unknown country 'Atlantis'" in r for r in reasons) == 5
    assert sum(r == "email: Field required" for r in reasons) == 5
    assert sum(r == "company: String should have at most 200 characters" for r in reasons) == 10
    assert report[0]["line"] == "472" and report[0]["Correo"].startswith("P000-")

    second = await run_starter(env, settings, "import", str(cards))
    again = "0 started, 470 already had a sale, 10 duplicates in the file, 20 rows rejected"
    assert again in second.stderr
    assert "started\tsale-" not in second.stdout


async def test_a_windows_file_with_tabs_and_a_full_name_column_reads_right(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    tag = settings.task_queue
    text = (
        "Full Name\tE-Mail\tSociété\tPays\tRemarque\n"
        f"Müller, Sabine\tsm-{tag}@pumpen.example\tSociété Générale Équipements\t"
        "Frankreich\tvu au salon\n"
    )
    cards = tmp_path / "export.txt"
    cards.write_bytes(text.encode("cp1252"))
    result = await run_starter(env, settings, "import", str(cards), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "1 would start, 0 already had a sale" in result.stderr
    assert "would start\tsale-sm-" in result.stdout
    assert "Société Générale Équipements" in result.stdout
    listed = await run_starter(env, settings, "import", str(cards), "--dry-run")
    assert "1 would start" in listed.stderr  # a dry run starts nothing


async def test_an_excel_sheet_from_standard_input_with_a_mapped_column(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    tag = settings.task_queue
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mail privat", "Firma", "Telefon", "Land"])
    sheet.append([f"xl-{tag}@werk.example", "Werk AG", 4989123456, "Deutschland"])
    workbook = tmp_path / "cards.xlsx"
    book.save(workbook)

    result = await run_starter(env, settings, "import", str(workbook), "--map", "Mail privat=email")
    assert result.returncode == 0, result.stderr
    assert "1 started" in result.stderr and "Werk AG" in result.stdout
    piped = await run_starter(
        env, settings, "import", "-", stdin=f"email,company\nin-{tag}@pipe.example,Pipe\n".encode()
    )
    assert piped.returncode == 0, piped.stderr
    assert "1 started" in piped.stderr
    bad_map = await run_starter(env, settings, "import", str(workbook), "--map", "Mail=emial")
    assert bad_map.returncode == 2 and "'emial' is no field" in bad_map.stderr


async def test_a_card_with_an_address_no_email_can_reach_starts_nothing(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    # A convention's cards as a scanner wrote them: two addresses nobody can mail, and a
    # company written on two lines in its cell.
    template = (Path(__file__).parent / "cards" / "convention-es.csv").read_text("utf-8")
    cards = tmp_path / "convention-es.csv"
    cards.write_text(template.replace("{TAG}", settings.task_queue), "utf-8")

    ran = await run_starter(env, settings, "import", str(cards), "--json")
    assert ran.returncode == 1, ran.stderr
    summary = "2 started (1 with line breaks flattened), 0 already had a sale"
    assert summary in ran.stderr and "2 rows rejected" in ran.stderr, ran.stderr
    with (tmp_path / "convention-es.csv.errors.csv").open(encoding="utf-8") as file:
        report = list(csv.DictReader(file))
    assert [(row["line"], row["Correo"], row["reason"]) for row in report] == [
        (
            "2",
            "juan@",
            "email: 'juan@' cannot be mailed: There must be something after the @-sign.",
        ),
        (
            "3",
            "lucia at empresa.es",
            "email: 'lucia at empresa.es' cannot be mailed: An email address must have an @-sign.",
        ),
    ]
    result = json.loads(ran.stdout)
    assert (result["started"], result["rejected"], result["flattened"]) == (2, 2, 1)
    started = [row for row in result["rows"] if row["outcome"] == "started"]
    assert [(row["line"], row["flattened"]) for row in started] == [
        (4, ["company", "notes"]),
        (7, []),
    ]
    for address in ("juan@", "lucia at empresa.es"):  # no sale was started for either
        handle = env.client.get_workflow_handle(f"sale-{lead_id_for_email(address)}")
        with pytest.raises(RPCError) as missing:
            await handle.describe()
        assert missing.value.status is RPCStatusCode.NOT_FOUND
