"""Test doubles of every activity, registered under the real names: the fast tier.

They price quotes with the real domain code but write no files and send no
mail; they record what the workflow asked for, so tests assert on that.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar import holidays_of, public_holidays
from activities.documents import bid_number, contract_number
from activities.playbooks import PlaybookActivities, store_for
from sales.catalog import load_catalog
from sales.gates import CreditCheckGate, CreditDecision
from sales.pricing import priced_quote
from sales.qualification import Assessment, QualificationDecision, assess
from sales.quote import Quote
from sales.requests import (
    BidDocument,
    BidRequest,
    ContractDocument,
    ContractRequest,
    CreditCheckRequest,
    EmailReceipt,
    EmailRequest,
    OfferedQuote,
    QualificationRequest,
    QualificationResult,
    QuoteRequest,
)
from sales.suppression import Suppress, SuppressionStatus
from settings import ROOT, Settings


class Doubles:
    """The activities of the worker, fast and in memory; settable answers where tests need them."""

    def __init__(self) -> None:
        self.catalog = load_catalog(ROOT / "catalog" / "products.toml")
        self.emails: list[EmailRequest] = []
        self.assessment: Assessment | None = None
        self.credit: CreditDecision | None = None
        self.opted_out: list[Suppress] = []
        # The first offer's email cannot go with its quote (the mail server down, version 11).
        self.offer_mail_down = False

    def activities(self) -> list[Callable[..., Any]]:
        return [
            self.qualify_lead,
            self.check_credit,
            self.send_email,
            self.prepare_quote,
            self.offer_quote,
            self.prepare_contract,
            self.prepare_bid,
            self.record_opt_out,
            public_holidays,  # the real one: it only reads the holidays package
            PlaybookActivities(Settings()).load_playbook,  # the real one: it reads a file
        ]

    def steps_to(self, address: str) -> list[str]:
        return [email.step for email in self.emails if email.to == address]

    @activity.defn(name="qualify_lead")
    async def qualify_lead(self, request: QualificationRequest) -> QualificationResult:
        request = store_for(Settings().playbooks_dir).complete(request)  # as the real one
        found = self.assessment or assess(request.lead, request.book.qualification)
        viable = found.decision is not QualificationDecision.DISQUALIFIED
        intro = None
        if found.decision is QualificationDecision.QUALIFIED:
            intro = await self._intro(request)
        # The lead country's holidays come back with it, as from the real one (version 5).
        holidays = holidays_of(request.holidays) if request.holidays else None
        return QualificationResult(
            viable=viable, reasons=found.reasons, assessment=found, holidays=holidays, intro=intro
        )

    async def _intro(self, request: QualificationRequest) -> EmailReceipt | None:
        """As the real one (process version 8): the intro, if the lead's window is open."""
        days = frozenset(holidays_of(request.holidays)) if request.holidays else frozenset()
        email = request.intro_request(days)
        if email is None:
            return None
        try:
            return await self.send_email(email)
        except ApplicationError:
            return None  # left to the sale

    @activity.defn(name="check_credit")
    async def check_credit(self, request: CreditCheckRequest) -> CreditDecision:
        policy = request.playbook.gates.credit_check or CreditCheckGate()
        return self.credit or policy.decide(request.net, request.currency, request.lead.country)

    @activity.defn(name="send_email")
    async def send_email(self, request: EmailRequest) -> EmailReceipt:
        if request.to.startswith("refused-"):
            raise ApplicationError(
                "550 mailbox unknown", type="RecipientRefused", non_retryable=True
            )
        earlier = request.earlier_request()  # process version 7: sent first, by this activity
        if earlier is not None:
            receipt = await self.send_email(earlier)
            return (await self.send_email(request.model_copy(update={"earlier": None}))).model_copy(
                update={"earlier": receipt}
            )
        self.emails.append(request)
        draft = request.contract  # process version 6: the contract email files it
        contract = None
        if draft is not None:
            number = contract_number(request.person.lead_id, draft.issued_on.year, draft.version)
            contract = ContractDocument(
                number=number, version=draft.version, html_path=f"{number}.html"
            )
        return EmailReceipt(
            to=request.to,
            subject=f"{request.template} {request.step}",
            message_id=f"<{request.workflow_id}.{request.step}@test>",
            sent_at=datetime.now(UTC),
            contract=contract,
        )

    @activity.defn(name="prepare_quote")
    async def prepare_quote(self, request: QuoteRequest) -> Quote:
        request = store_for(Settings().playbooks_dir).complete(request)
        try:
            return priced_quote(request, self.catalog)
        except ValueError as err:
            raise ApplicationError(str(err), type="PricingError", non_retryable=True) from err

    @activity.defn(name="offer_quote")
    async def offer_quote(self, request: QuoteRequest) -> OfferedQuote:
        """As the real one (process version 11): the quote, and its offer sent unless held."""
        quote = await self.prepare_quote(request)
        policy = store_for(Settings().playbooks_dir).complete(request).book.proposal
        if (
            request.offer is None
            or quote.totals.need_approval(policy.discount_approval_threshold)
            or self.offer_mail_down
        ):
            return OfferedQuote(quote=quote)
        try:
            receipt = await self.send_email(request.offer.with_quote(quote, request.needs))
        except ApplicationError:
            return OfferedQuote(quote=quote)  # left to the sale
        return OfferedQuote(quote=quote, offer=receipt)

    @activity.defn(name="prepare_contract")
    async def prepare_contract(self, request: ContractRequest) -> ContractDocument:
        number = contract_number(request.lead.lead_id, request.issued_on.year, request.version)
        return ContractDocument(number=number, version=request.version, html_path=f"{number}.html")

    @activity.defn(name="record_opt_out")
    async def record_opt_out(self, request: Suppress) -> SuppressionStatus:
        self.opted_out.append(request)
        return SuppressionStatus(address=request.address, suppressed=True)

    @activity.defn(name="prepare_bid")
    async def prepare_bid(self, request: BidRequest) -> BidDocument:
        number = bid_number(request.quote.number)
        return BidDocument(number=number, html_path=f"{number}.html")
