"""Checking a playbook before a sale uses it: every template and list it relies on, named."""

import shutil
from pathlib import Path

import pytest

from sales.playbook import load_playbook
from sales.playbook_check import PlaybookError, check_playbook, documents_of, emails_of

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
TEMPLATES = ROOT / "templates"


def problems(
    path: Path, *, templates_dir: Path = TEMPLATES, playbooks_dir: Path = PLAYBOOKS
) -> list[str]:
    return check_playbook(path, templates_dir=templates_dir, playbooks_dir=playbooks_dir).problems


def edited(folder: Path, name: str, old: str, new: str, *, file: str = "") -> Path:
    """A shipped playbook with one text edit, written into `folder`."""
    text = (PLAYBOOKS / f"{name}.toml").read_text(encoding="utf-8")
    assert old in text, f"{name}.toml no longer has {old!r}"
    path = folder / f"{file or name}.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    return copy


@pytest.fixture
def playbooks(tmp_path: Path) -> Path:
    copy = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, copy)
    return copy


@pytest.mark.parametrize(
    "name", ["default", "enterprise", "public-sector", "quick", "renewal", "renewal-tender"]
)
def test_every_shipped_playbook_has_what_it_needs(name: str) -> None:
    report = check_playbook(
        PLAYBOOKS / f"{name}.toml", templates_dir=TEMPLATES, playbooks_dir=PLAYBOOKS
    )
    assert report.problems == []
    assert report.playbook.name == name


def test_the_quick_playbook_sends_no_reminder_and_no_orientation() -> None:
    quick = load_playbook(PLAYBOOKS, "quick")
    assert emails_of(quick) == {
        "proposal": "proposal",
        "discount_approval_request": "proposal",
        "welcome": "support",
        "check_in": "support",
        "handoff_note": "account",
        "order_late": "account",
        "ticket_breach": "account",
        "follow_up_task": "account",
    }
    assert documents_of(quick) == {"quote": "proposal", "proposal": "proposal"}


def test_the_enterprise_playbook_sends_its_draft_for_legal_review() -> None:
    emails = emails_of(load_playbook(PLAYBOOKS, "enterprise"))
    assert emails["contract_review"] == "legal_review"
    assert list(emails) == [
        "intro",
        "follow_up",
        "orientation",
        "proposal",
        "proposal_reminder",
        "discount_approval_request",
        "contract_review",
        "contract",
        "contract_reminder",
        "welcome",
        "check_in",
        "handoff_note",
        "order_late",
        "ticket_breach",
        "follow_up_task",
        "business_review",
        "renewal_reminder",
        "renewal_due",
    ]


def test_the_public_sector_playbook_sends_a_bid_and_no_intro() -> None:
    public = load_playbook(PLAYBOOKS, "public-sector")
    assert emails_of(public) == {
        "tender_bid": "tender",
        "discount_approval_request": "tender",
        "contract": "contract",
        "contract_reminder": "contract",
        "welcome": "support",
        "check_in": "support",
        "handoff_note": "account",
        "order_late": "account",
        "ticket_breach": "account",
        "follow_up_task": "account",
        "renewal_reminder": "account",
        "renewal_due": "account",
    }
    assert documents_of(public)["tender_bid"] == "tender"


def test_a_missing_override_falls_back_to_the_shared_template(templates: Path) -> None:
    (templates / "playbooks" / "quick" / "emails" / "proposal.txt.j2").unlink()
    assert problems(PLAYBOOKS / "quick.toml", templates_dir=templates) == []


def test_a_missing_shared_email_part_is_named_with_the_step(templates: Path) -> None:
    (templates / "emails" / "check_in.html.j2").unlink()
    path = PLAYBOOKS / "quick.toml"
    assert problems(path, templates_dir=templates) == [
        f"{path}: process: support sends 'check_in', but template "
        f"{templates / 'emails' / 'check_in.html.j2'} does not exist"
    ]


def test_an_email_without_override_or_shared_template_is_named(templates: Path) -> None:
    (templates / "playbooks" / "quick" / "emails" / "proposal.subject.j2").unlink()
    (templates / "emails" / "proposal.subject.j2").unlink()
    path = PLAYBOOKS / "quick.toml"
    assert problems(path, templates_dir=templates) == [
        f"{path}: process: proposal sends 'proposal', but template "
        f"{templates / 'emails' / 'proposal.subject.j2'} does not exist"
    ]
    # The default playbook has no override folder: the shared template was its only one.
    assert problems(PLAYBOOKS / "default.toml", templates_dir=templates) == [
        f"{PLAYBOOKS / 'default.toml'}: process: proposal sends 'proposal', but template "
        f"{templates / 'emails' / 'proposal.subject.j2'} does not exist"
    ]


def test_a_missing_document_template_is_named_with_the_step(templates: Path) -> None:
    (templates / "documents" / "tender_bid.html.j2").unlink()
    path = PLAYBOOKS / "public-sector.toml"
    assert problems(path, templates_dir=templates) == [
        f"{path}: process: tender renders 'tender_bid', but template "
        f"{templates / 'documents' / 'tender_bid.html.j2'} does not exist"
    ]
    # Playbooks that never bid do not need it.
    assert problems(PLAYBOOKS / "enterprise.toml", templates_dir=templates) == []


def test_a_missing_templates_folder_is_named(tmp_path: Path) -> None:
    path = edited(tmp_path, "quick", 'folder = "quick"', 'folder = "shop"')
    assert problems(path) == [
        f"{path}: templates.folder: no folder {TEMPLATES / 'playbooks' / 'shop'}"
    ]


def test_an_email_the_playbook_never_sends_is_named(tmp_path: Path) -> None:
    path = edited(
        tmp_path, "quick", 'folder = "quick"', 'folder = "quick"\nemails = { intro = "hello" }'
    )
    assert problems(path) == [
        f"{path}: templates.emails.intro: this playbook sends no 'intro' email "
        "(it sends: proposal, discount_approval_request, welcome, check_in, "
        "handoff_note, order_late, ticket_breach, follow_up_task)"
    ]


def test_an_email_mapped_to_a_missing_template_names_the_key(tmp_path: Path) -> None:
    path = edited(
        tmp_path, "quick", 'folder = "quick"', 'folder = "quick"\nemails = { welcome = "hello" }'
    )
    assert problems(path) == [
        f"{path}: templates.emails.welcome: support sends 'welcome', but template "
        f"{TEMPLATES / 'emails' / f'hello.{part}.j2'} does not exist"
        for part in ("subject", "txt", "html")
    ]
    # Mapped to a template that exists: no problem.
    fine = edited(
        tmp_path,
        "quick",
        'folder = "quick"',
        'folder = "quick"\nemails = { welcome = "check_in" }',
        file="fine",
    )
    assert [p for p in problems(fine) if "templates.emails" in p] == []


def test_a_name_that_is_not_the_file_name_is_named(tmp_path: Path) -> None:
    path = edited(tmp_path, "quick", 'name = "quick"', 'name = "quick"', file="shop")
    assert problems(path) == [
        f"{path}: name: 'quick', but sales find a playbook by its file name ('shop'); "
        "make them the same"
    ]


def test_a_missing_screening_list_is_named(playbooks: Path) -> None:
    (playbooks / "screening" / "restricted-parties.csv").unlink()
    path = PLAYBOOKS / "default.toml"
    listed = playbooks / "screening" / "restricted-parties.csv"
    assert problems(path, playbooks_dir=playbooks) == [
        f"{path}: qualification.screening_list: {listed} cannot be read: No such file or directory"
    ]


def test_a_malformed_screening_list_is_named_with_its_line(playbooks: Path) -> None:
    listed = playbooks / "screening" / "restricted-parties.csv"
    listed.write_text(
        "entry_id,name,aliases,domains,country,list,reason\n"
        "A-1,Alpha Trading,,alpha.example,DE,Test list,testing\n"
        "A-1,Beta Trading,,beta.example,DE,Test list,testing\n",
        encoding="utf-8",
    )
    path = PLAYBOOKS / "enterprise.toml"
    assert problems(path, playbooks_dir=playbooks) == [
        f"{path}: qualification.screening_list: {listed}, line 3: "
        "entry_id A-1 is already used on line 2"
    ]


def test_a_screening_list_with_the_wrong_header_is_named(playbooks: Path) -> None:
    listed = playbooks / "screening" / "restricted-parties.csv"
    listed.write_text("entry_id,name,aliases,domains,country,list,reason,notes\n")
    path = PLAYBOOKS / "quick.toml"
    assert problems(path, playbooks_dir=playbooks) == [
        f"{path}: qualification.screening_list: {listed}, line 1: unknown column 'notes'; "
        "the header must be entry_id,name,aliases,domains,country,list,reason"
    ]


def test_a_screening_list_that_is_not_utf8_is_named(playbooks: Path) -> None:
    listed = playbooks / "screening" / "restricted-parties.csv"
    listed.write_bytes(b"entry_id,name,aliases,domains,country,list,reason\nA-1,\xff,,,,T,x\n")
    path = PLAYBOOKS / "quick.toml"
    (problem,) = problems(path, playbooks_dir=playbooks)
    assert problem.startswith(f"{path}: qualification.screening_list: ")
    assert problem.endswith(f"{listed} is not UTF-8 text (invalid start byte at byte 54)")


def test_several_problems_are_all_named(tmp_path: Path, templates: Path) -> None:
    (templates / "emails" / "welcome.txt.j2").unlink()
    (templates / "playbooks" / "quick" / "emails" / "welcome.txt.j2").unlink()
    path = edited(tmp_path, "quick", "screening/restricted-parties.csv", "screening/gone.csv")
    assert problems(path, templates_dir=templates) == [
        f"{path}: process: support sends 'welcome', but template "
        f"{templates / 'emails' / 'welcome.txt.j2'} does not exist",
        f"{path}: qualification.screening_list: {PLAYBOOKS / 'screening' / 'gone.csv'} "
        "cannot be read: No such file or directory",
    ]


def test_a_playbook_that_does_not_validate_raises(tmp_path: Path) -> None:
    path = edited(tmp_path, "quick", 'validity = "P7D"', 'validity = "a week"')
    with pytest.raises(PlaybookError, match=r"quick\.toml: proposal\.validity: "):
        check_playbook(path, templates_dir=TEMPLATES, playbooks_dir=PLAYBOOKS)
