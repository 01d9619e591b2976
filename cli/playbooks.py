"""Playbooks for sales ops: check a changed file, show one as an outline, simulate its effect."""

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.tree import Tree

from cli.output import UsageError, err, out, print_json
from sales.playbook import Playbook, PlaybookError, load_playbook
from sales.playbook_check import check_playbook, emails_of
from sales.process import STEP_KINDS, StepName, stage_of
from settings import Settings


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        report = check_playbook(
            path, templates_dir=settings.templates_dir, playbooks_dir=settings.playbooks_dir
        )
    except PlaybookError as error:
        problems = [str(error)]
        playbook = None
    else:
        problems = list(report.problems)
        playbook = report.playbook
    for problem in problems:
        err.print(f"[red]error:[/red] {escape(problem)}", soft_wrap=True)
    if args.json:
        print_json(
            {
                "file": str(path),
                "ok": not problems,
                "problems": problems,
                "name": playbook.name if playbook else None,
                "version": playbook.version if playbook else None,
                "steps": len(playbook.process.steps) if playbook else None,
            }
        )
    elif not problems and playbook is not None:
        steps = len(playbook.process.steps)
        out.print(f"{path}: ok ({playbook.name}, version {playbook.version}, {steps} steps)")
    return 1 if problems else 0


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    playbook = load_playbook(settings.playbooks_dir, args.name)
    if args.json:
        document = {"version": playbook.version, **playbook.model_dump(mode="json")}
        print_json(document)
        return 0
    out.print(outline(playbook, settings.templates_dir))
    return 0


def words(wait: timedelta | None) -> str:
    """A wait as a person says it: `3 days`, `12 hours`, `90 minutes`."""
    if wait is None:
        return "none"
    seconds = int(wait.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def outline(playbook: Playbook, templates_dir: Path) -> Tree:
    """The playbook as a tree: its steps with their stage, waits and emails, then support."""
    tree = Tree(
        f"[bold]{playbook.name}[/bold] (version {playbook.version}): {playbook.description}"
    )
    tree.add(f"seller: {playbook.seller.company}, {playbook.seller.name} <{playbook.seller.email}>")
    tree.add(f"currency {playbook.currency}; rounding {playbook.proposal.rounding}")
    tree.add(escape(window_line(playbook)))
    emails = emails_of(playbook)
    process = tree.add("[bold]process[/bold]")
    steps = playbook.process.steps
    for index, step in enumerate(steps):
        kind = STEP_KINDS[step]
        where = f"{'gate in' if kind.gate else 'stage'} {stage_of(steps, index)}"
        node = process.add(f"{index + 1}. [bold]{step}[/bold] ({where}): {kind.summary}")
        for line in _details(playbook, step):
            node.add(escape(line))
        sent = [e for e, by in emails.items() if by == str(step)]
        for email in sent:
            template = _template(playbook, templates_dir, email)
            node.add(f"email {email}: {template} {_when(playbook, email)}")
        if kind.takes:
            node.add("takes: " + ", ".join(_event_names(kind.takes)))
    support = tree.add("[bold]support[/bold] (after WON)")
    care = playbook.support
    support.add(
        escape(
            f"{care.contact_name} <{care.contact_email}>; check in after "
            f"{words(care.check_in_after)}, then every {words(care.check_in_every)}"
        )
    )
    for email in ("welcome", "check_in"):
        support.add(
            f"email {email}: {_template(playbook, templates_dir, email)} {_when(playbook, email)}"
        )
    return tree


def window_line(playbook: Playbook) -> str:
    """Which emails wait for the lead's sending window, and what the window is."""
    outreach = playbook.outreach
    if outreach.window is None:
        return "sending window: none; every email goes at once"
    days = ", business days only" if outreach.business_days_only else ", every day"
    holidays = ", not on the country's public holidays" if outreach.public_holidays else ""
    held = ", ".join(outreach.wait_for_window) or "none"
    return (
        f"sending window: {outreach.window} in the lead's own time{days}{holidays}; "
        f"waiting for it: {held}; every other email answers the lead and goes at once"
    )


def _when(playbook: Playbook, email: str) -> str:
    if email == "discount_approval_request":
        return "(to the sales manager, at once)"
    if playbook.outreach.waits(email):
        return "(outreach: waits for the sending window)"
    if email == "tender_bid":
        return "(at once: a bid answers a deadline)"
    return "(at once)"


def _event_names(models: tuple[type[Any], ...]) -> list[str]:
    from workflows.sale import api

    return [api.MESSAGES.of(model).name for model in models]


def _template(playbook: Playbook, templates_dir: Path, email: str) -> str:
    name = playbook.email_template(email)
    for candidate in playbook.template_candidates(f"emails/{name}.txt.j2"):
        if (templates_dir / candidate).is_file():
            return f"templates/{candidate.removesuffix('.txt.j2')}.*"
    return f"[red]missing: emails/{name}[/red]"


def _details(playbook: Playbook, step: StepName) -> list[str]:
    gates = playbook.gates
    match step:
        case StepName.QUALIFICATION:
            rules = playbook.qualification
            lines = [f"decided by: {rules.mode}; required: {', '.join(rules.required_fields)}"]
            if rules.blocked_countries:
                lines.append(f"trade restrictions: {', '.join(rules.blocked_countries)}")
            if rules.screening_list:
                lines.append(f"restricted-party screening: playbooks/{rules.screening_list}")
            refused = [
                what
                for what, on in (
                    ("free mail", rules.refuse_free_mail),
                    ("role addresses", rules.refuse_role_addresses),
                )
                if on
            ]
            if refused:
                lines.append(f"refused: {', '.join(refused)}")
            if rules.score:
                lines.append(
                    f"score: qualified at {rules.score.qualify_at}, "
                    f"disqualified below {rules.score.disqualify_below}, a seller decides between"
                )
            if rules.mode == "seller" or rules.score:
                lines.append(f"wait for the seller: {words(rules.decision_timeout)}")
            return lines
        case StepName.CONTACT:
            cadence = playbook.contact
            follow = ", ".join(words(w) for w in cadence.follow_ups) or "none"
            return [
                f"follow-ups after: {follow}; give up after {words(cadence.give_up_after)}",
                f"after a reply, interest recorded within {words(cadence.interest_wait)}",
            ]
        case StepName.NEEDS_ANALYSIS:
            return [f"needs identified within {words(playbook.needs_analysis.timeout)}"]
        case StepName.PROPOSAL:
            p = playbook.proposal
            return [
                f"default offer: {p.default_purchasing_procedure}; valid {words(p.validity)}; "
                f"reminder {words(p.reminder_before_expiry)} before expiry; "
                f"on expiry {p.on_expiry}",
                f"discount above {p.discount_approval_threshold}% waits "
                f"{words(p.approval_timeout)} for approval (then {p.on_approval_timeout})",
                f"at most {p.max_versions} versions"
                + ("; acceptance needs a PO number" if p.po_number_required else ""),
            ]
        case StepName.TENDER if gates.tender:
            t = gates.tender
            return [
                f"bid leaves at least {words(t.submission_margin)} before the deadline "
                f"(default deadline {words(t.default_window)} after the needs)",
                f"award within {words(t.award_wait)} of the deadline, else lost ({t.lost_reason})",
            ]
        case StepName.EXPORT_LICENSE if gates.export_license:
            e = gates.export_license
            goods = "all goods" if e.all_goods else "dual-use goods"
            return [
                f"{goods} to {', '.join(e.destinations)}",
                f"decision within {words(e.timeout)}, else lost ({e.lost_reason})",
            ]
        case StepName.CREDIT_CHECK if gates.credit_check:
            c = gates.credit_check
            auto = f"up to {c.auto_approve_up_to}" if c.auto_approve_up_to is not None else "none"
            return [
                f"checked from {playbook.currency} {c.above}; rules approve {auto}",
                f"a person decides within {words(c.timeout)}, else lost ({c.lost_reason})",
            ]
        case StepName.LEGAL_REVIEW if gates.legal_review:
            r = gates.legal_review
            return [
                f"at most {r.max_rounds} redline rounds; each answered within "
                f"{words(r.round_timeout)}, else lost ({r.lost_reason})"
            ]
        case StepName.CONTRACT:
            terms = playbook.contract
            lines = [
                f"{terms.term_months} months; {terms.payment_terms}; "
                f"governed by {terms.governing_law}",
                f"reminder after {words(terms.reminder_after)}; expires after "
                f"{words(terms.expires_after)}; on expiry {terms.on_expiry}",
            ]
            if terms.mandatory_terms:
                lines.append(f"{len(terms.mandatory_terms)} mandatory terms")
            return lines
        case StepName.CLOSING:
            return [f"first order within {words(playbook.closing.order_wait)}"]
    return []


def check_simulation_args(args: argparse.Namespace) -> None:
    if args.leads < 1:
        raise UsageError("--leads must be at least 1")
