"""Checking a playbook file before any sale uses it: the model, and every file it relies on.

Reads files (templates, the screening list), like `load_playbook` does; every
problem names the file, the key and what is wrong.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sales.playbook import Playbook, PlaybookError, read_playbook
from sales.process import (
    ACCOUNT_EMAILS,
    RENEWAL_EMAILS,
    REVIEW_EMAILS,
    STEP_KINDS,
    SUPPORT_EMAILS,
    StepName,
)
from sales.screening import ScreeningListError, parse_screening_list

EMAIL_PARTS = ("subject", "txt", "html")


@dataclass
class PlaybookReport:
    """A playbook that validated, and the problems found in what it refers to."""

    playbook: Playbook
    problems: list[str] = field(default_factory=list)


def emails_of(playbook: Playbook) -> dict[str, str]:
    """Every email the playbook's sales can send, by name, with the step that sends it."""
    emails: dict[str, str] = {}
    for step in playbook.process.steps:
        kind = STEP_KINDS[step]
        for email in kind.emails:
            if email == "orientation" and not playbook.needs_analysis.send_orientation:
                continue
            if email == "proposal_reminder" and playbook.proposal.reminder_before_expiry is None:
                continue
            emails.setdefault(email, str(step))
    account = playbook.account
    for email in SUPPORT_EMAILS:
        emails.setdefault(email, "support")
    for email in ACCOUNT_EMAILS:
        emails.setdefault(email, "account")
    if account.business_reviews_every is not None:
        for email in REVIEW_EMAILS:
            emails.setdefault(email, "account")
    if account.renewal is not None:
        for email in RENEWAL_EMAILS:
            emails.setdefault(email, "account")
    return emails


def documents_of(playbook: Playbook) -> dict[str, str]:
    """Every document template the playbook's sales render, with the step that renders it."""
    documents: dict[str, str] = {}
    for step in playbook.process.steps:
        for document in STEP_KINDS[step].documents:
            documents.setdefault(document, str(step))
    return documents


def check_playbook(path: Path, *, templates_dir: Path, playbooks_dir: Path) -> PlaybookReport:
    """PlaybookError when the file does not validate; else the report of every other problem."""
    playbook = read_playbook(path)
    report = PlaybookReport(playbook)
    where = f"{path}:"
    if playbook.name != path.stem:
        report.problems.append(
            f"{where} name: {playbook.name!r}, but sales find a playbook by its file name "
            f"({path.stem!r}); make them the same"
        )
    folder = playbook.templates.folder
    if folder and not (templates_dir / "playbooks" / folder).is_dir():
        report.problems.append(
            f"{where} templates.folder: no folder {templates_dir / 'playbooks' / folder}"
        )
    emails = emails_of(playbook)
    for email in playbook.templates.emails:
        if email not in emails:
            report.problems.append(
                f"{where} templates.emails.{email}: this playbook sends no {email!r} email "
                f"(it sends: {', '.join(emails)})"
            )
    for email, step in emails.items():
        template = playbook.email_template(email)
        key = f"templates.emails.{email}" if email in playbook.templates.emails else "process"
        for part in EMAIL_PARTS:
            relative = f"emails/{template}.{part}.j2"
            if not _resolves(templates_dir, playbook, relative):
                report.problems.append(
                    f"{where} {key}: {step} sends {email!r}, but template "
                    f"{templates_dir / relative} does not exist"
                )
    for document, step in documents_of(playbook).items():
        relative = f"documents/{document}.html.j2"
        if not _resolves(templates_dir, playbook, relative):
            report.problems.append(
                f"{where} process: {step} renders {document!r}, but template "
                f"{templates_dir / relative} does not exist"
            )
    screening = playbook.qualification.screening_list
    if screening:
        report.problems += _screening_problems(where, playbooks_dir / screening)
    report.problems += _account_problems(where, playbook, playbooks_dir)
    return report


def _account_problems(where: str, playbook: Playbook, playbooks_dir: Path) -> list[str]:
    """The playbooks an account's renewal and upsell sales follow exist and fit."""
    account = playbook.account
    wanted = [("account.upsell_playbook", account.upsell_playbook)]
    if account.renewal is not None:
        wanted.insert(0, ("account.renewal.playbook", account.renewal.playbook))
    problems = []
    for key, name in wanted:
        path = playbooks_dir / f"{name}.toml"
        if not path.is_file():
            problems.append(f"{where} {key}: no playbook {name!r} in {playbooks_dir}")
            continue
        try:
            other = read_playbook(path)
        except PlaybookError as err:
            problems.append(f"{where} {key}: {name!r} does not validate: {err}")
            continue
        tender = account.renewal is not None and account.renewal.by == "tender"
        if key == "account.renewal.playbook" and tender and not other.has_step(StepName.TENDER):
            problems.append(f"{where} {key}: renewal by tender, but {name!r} lists no tender step")
    return problems


def _resolves(templates_dir: Path, playbook: Playbook, relative: str) -> bool:
    return any((templates_dir / name).is_file() for name in playbook.template_candidates(relative))


def _screening_problems(where: str, path: Path) -> list[str]:
    key = "qualification.screening_list"
    try:
        parse_screening_list(path.read_text(encoding="utf-8-sig"), str(path))
    except OSError as error:
        return [f"{where} {key}: {path} cannot be read: {error.strerror}"]
    except UnicodeDecodeError as error:
        return [f"{where} {key}: {path} is not UTF-8 text ({error.reason} at byte {error.start})"]
    except ScreeningListError as error:
        return [f"{where} {key}: {error}"]
    return []


__all__ = ["PlaybookError", "PlaybookReport", "check_playbook", "documents_of", "emails_of"]
