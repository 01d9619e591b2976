"""`starter.py playbook check | show`: a broken playbook is named before any sale uses it."""

from pathlib import Path

import pytest
from rich.console import Console

from cli.playbooks import outline
from sales.playbook import load_playbook
from tests.cli.starter import ROOT, run_starter

SHIPPED = ["default", "quick", "enterprise", "public-sector"]


@pytest.mark.parametrize("name", SHIPPED)
async def test_every_shipped_playbook_checks_out(name: str) -> None:
    result = await run_starter(None, None, "playbook", "check", f"playbooks/{name}.toml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"playbooks/{name}.toml: ok ({name}, version ")


def broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (ROOT / "playbooks" / f"{name}.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "default",
            'validity = "P30D"',
            'validity = "a month"',
            "proposal.validity: Input should be a valid timedelta",
        ),
        (
            "quick",
            'steps = ["qualification", "proposal", "closing"]',
            'steps = ["qualification", "proposal", "handshake", "closing"]',
            "process.steps.2: Input should be 'qualification'",
        ),
        (
            "default",
            'blocked_countries = ["KP", "IR", "SY", "CU", "RU", "BY"]',
            'blocked_countries = ["KP", "Atlantis"]',
            "qualification.blocked_countries.1: unknown country 'Atlantis'",
        ),
        (
            "enterprise",
            "[gates.legal_review]\nmax_rounds = 3",
            "[gates.legal_reviews]\nmax_rounds = 3",
            "gates.legal_reviews: Extra inputs are not permitted",
        ),
        (
            "public-sector",
            '"tender", "export_license",',
            '"tender",',
            "[gates.export_license] is set but process.steps does not list export_license",
        ),
        (
            "quick",
            'folder = "quick"',
            'folder = "quick"\n\n[templates.emails]\nproposal = "proposl"',
            "templates.emails.proposal: proposal sends 'proposal', but template",
        ),
        (
            "quick",
            'folder = "quick"',
            'folder = "quik"',
            "templates.folder: no folder",
        ),
        (
            "default",
            'screening_list = "screening/restricted-parties.csv"',
            'screening_list = "screening/nope.csv"',
            "qualification.screening_list: ",
        ),
    ],
)
async def test_a_broken_playbook_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, name: str, old: str, new: str, expected: str
) -> None:
    path = broken(tmp_path, name, old, new)
    result = await run_starter(None, None, "playbook", "check", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"{path}:" in result.stderr
    assert expected in " ".join(result.stderr.split()), result.stderr


async def test_a_playbook_whose_name_differs_from_its_file_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path, "quick", 'name = "quick"', 'name = "fast"')
    result = await run_starter(None, None, "playbook", "check", str(path))
    assert result.returncode == 1
    assert "name: 'fast', but sales find a playbook by its file name ('quick')" in result.stderr


async def test_show_prints_the_steps_gates_waits_and_templates_as_an_outline() -> None:
    result = await run_starter(None, None, "playbook", "show", "public-sector")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for line in (
        "1. qualification (stage QUALIFICATION)",
        "2. needs_analysis (stage NEEDS_ANALYSIS)",
        "3. tender (gate in PROPOSAL)",
        "4. export_license (gate in CONTRACT)",
        "5. contract (stage CONTRACT)",
        "6. closing (stage CLOSING)",
        "bid leaves at least 1 day before the deadline",
        "dual-use goods to CN, IN, TR",
        "email contract: templates/playbooks/public-sector/emails/contract.*",
        "email tender_bid: templates/emails/tender_bid.*",
        "takes: discount_approved, tender_awarded, tender_lost",
        "4 mandatory terms",
    ):
        assert line in text, f"{line!r} missing from:\n{text}"
    assert "needs identified within 60 days" in text


async def test_show_of_an_unknown_playbook_lists_the_known_ones() -> None:
    result = await run_starter(None, None, "playbook", "show", "nope")
    assert result.returncode == 2
    assert "available: default, enterprise, public-sector, quick" in result.stderr


def test_show_says_which_emails_wait_for_the_window_and_which_go_at_once() -> None:
    console = Console(record=True, width=400)
    console.print(outline(load_playbook(ROOT / "playbooks", "default"), ROOT / "templates"))
    text = console.export_text()
    for line in (
        "sending window: 09:00-17:30 in the lead's own time, business days only, not on the "
        "country's public holidays; waiting for it: intro, follow_up, proposal_reminder, "
        "contract_reminder, check_in; every other email answers the lead and goes at once",
        "email intro: templates/emails/intro.* (outreach: waits for the sending window)",
        "email orientation: templates/emails/orientation.* (at once)",
        "email proposal: templates/emails/proposal.* (at once)",
        "email proposal_reminder: templates/emails/proposal_reminder.* (outreach: waits",
        "email discount_approval_request: templates/emails/discount_approval_request.* (to the "
        "sales manager, at once)",
        "email welcome: templates/emails/welcome.* (at once)",
        "email check_in: templates/emails/check_in.* (outreach: waits for the sending window)",
    ):
        assert line in text, f"{line!r} missing from:\n{text}"
    quick = Console(record=True, width=400)
    quick.print(outline(load_playbook(ROOT / "playbooks", "quick"), ROOT / "templates"))
    assert "sending window: none; every email goes at once" in quick.export_text()
