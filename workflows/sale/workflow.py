"""SaleWorkflow: one lead's whole sale, through the steps its playbook lists, to WON or LOST.

Every message is a typed handler of the contract (`workflows.sale.api`): an event arrives as
its payload model, or as an `Unreadable` where the sender sent something else, so nothing
is dropped: it is applied once, kept for its step, or recorded in `rejected_events`; names
the sale does not know reach the dynamic fallback and are recorded the same way. Seller
commands are also updates, checked by their validator, so their sender hears at once
whether they were accepted. A long history continues the sale as new at its next wait,
carrying one snapshot (`workflows.sale.snapshot`).
"""

from collections.abc import Sequence
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales import events as ev
    from sales.account.events import SaleConcluded
    from sales.account.handoff import accepted_quote, handoff_of
    from sales.items import ItemOfInterest
    from sales.process import StepName
    from sales.stages import SalesStage
    from sales.state import SaleOutcome, SaleState
    from sales.unreadable import Unreadable

from workflows.inbox import Payload, unknown_message
from workflows.messages import Message
from workflows.sale import api
from workflows.sale.events import ContinueAsNew, SaleEnded, not_a_command, refused
from workflows.sale.sale import Sale
from workflows.sale.steps import build_steps
from workflows.support import api as support_api
from workflows.versions import PROCESS_VERSION


@workflow.defn(name=api.WORKFLOW_TYPE)
class SaleWorkflow:
    """Runs one lead through the steps of its playbook; ends WON (support started) or LOST."""

    @workflow.init
    def __init__(self, input: api.SaleInput) -> None:
        self._sale = Sale(input)
        self._steps = build_steps(self._sale)

    @workflow.query(name=api.STATE_QUERY)
    def state(self) -> SaleState:
        """The whole sale: stage, steps, gates, timeline, quotes, documents, emails, events."""
        sale = self._sale
        pending = [received.signal for received in sale.events.kept]
        return sale.state.model_copy(update={"pending_events": pending})

    @workflow.run
    async def run(self, input: api.SaleInput) -> SaleOutcome:
        """Qualify, and then each step of the playbook; or lose with a reason."""
        sale = self._sale
        if input.snapshot is None and input.resume is None:
            sale.outreach_rules = api.outreach_rules(input.process_version)
            sale.upsert_lead_attributes()
        try:
            for index, step in enumerate(self._steps):
                if index < sale.resumed_at:
                    continue  # done in an earlier run
                sale.begin(index, step.entry_note())
                await step.run()
        except ContinueAsNew:
            # The history is long: a new run goes on from this wait with the sale's snapshot.
            await workflow.wait_condition(workflow.all_handlers_finished)
            sale.visibility.flush()
            workflow.continue_as_new(sale.next_run())
        except SaleEnded as ended:
            await sale.record_opt_out(ended)
            outcome = sale.lost(ended)
        else:
            outcome = await self._win(input.account_workflow_id)
        sale.visibility.flush()
        if input.account_workflow_id is not None:
            await self._report(input.account_workflow_id, outcome)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    async def _win(self, account_id: str | None) -> SaleOutcome:
        sale = self._sale
        sale.enter(SalesStage.WON, "the prospect is a customer")
        if account_id is not None:
            return sale.won(account_id)  # a renewal or an upsell: the customer has an account
        support_id = support_api.workflow_id(sale.lead.lead_id)
        order = sale.state.order
        sale.visibility.flush()  # WON with the account's start, in one workflow task
        # By its type's name, not its class: importing the account's modules would cost every
        # sale's run in the sandbox (which imports a workflow's modules afresh) a third more.
        await workflow.start_child_workflow(
            support_api.WORKFLOW_TYPE,
            support_api.SupportInput(
                lead=sale.lead,
                playbook=sale.playbook,
                sale_workflow_id=sale.state.workflow_id,
                order_number=order.order_number if order else None,
                handoff=handoff_of(sale.state, sale.playbook),
                process_version=PROCESS_VERSION,
            ),
            id=support_id,
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"Account of {sale.lead.company or sale.lead.email_domain}",
        )
        return sale.won(support_id)

    async def _report(self, account_id: str, outcome: SaleOutcome) -> None:
        """Tells the account that started this sale how it ended (and what was bought)."""
        won = outcome.stage is SalesStage.WON
        quote = accepted_quote(self._sale.state) if won else None
        playbook = self._sale.playbook
        signed = won and playbook.has_step(StepName.CONTRACT)
        report = SaleConcluded(
            event_id=f"{self._sale.state.workflow_id}:concluded",
            sale_workflow_id=self._sale.state.workflow_id,
            outcome=str(outcome.stage),
            lost_reason=str(outcome.lost_reason) if outcome.lost_reason else None,
            deal_value=outcome.deal_value,
            currency=outcome.currency,
            items=[ItemOfInterest(sku=line.sku, quantity=line.quantity) for line in quote.lines]
            if quote
            else [],
            term_months=playbook.contract.term_months if signed else None,
        )
        account = workflow.get_external_workflow_handle(account_id)
        try:
            await account.signal(support_api.SALE_CONCLUDED.name, report)
        except ApplicationError as err:  # the account was closed meanwhile
            self._sale.note(f"the account {account_id} could not be told: {err}")

    def _check(self, message: Message[Any], payload: Payload) -> None:
        """Refuses, with the reason, a command that would be rejected now; records nothing."""
        sale = self._sale
        step = self._steps[sale.current] if sale.current >= 0 else None
        refusal = sale.events.refusal(message, payload, step.refuse if step else lambda _: None)
        if refusal is not None:
            raise refused(refusal)

    @workflow.signal(dynamic=True, description="any other name: recorded as rejected")
    def unknown(self, name: str, args: Sequence[RawValue]) -> None:
        """A message of a name the sale does not know: recorded, never dropped."""
        self._sale.events.record_refused(unknown_message(api.MESSAGES, name, args))

    @workflow.update(dynamic=True, description="any other name: refused, with the commands")
    async def unknown_command(self, name: str, args: Sequence[RawValue]) -> api.CommandAnswer:
        """Never runs: its validator refuses every name that is no seller command."""
        raise refused(not_a_command(name))

    @unknown_command.validator
    def _check_unknown_command(self, name: str, args: Sequence[RawValue]) -> None:
        raise refused(not_a_command(name))

    # --- events, as signals: every one recorded, applied, kept or rejected ---------------

    @workflow.signal(name=api.LEAD_QUALIFIED.name, description=api.LEAD_QUALIFIED.description)
    def lead_qualified(self, event: ev.LeadQualified | Unreadable) -> None:
        self._sale.events.receive(api.LEAD_QUALIFIED, event)

    @workflow.signal(name=api.CONTACT_RESPONDED.name, description=api.CONTACT_RESPONDED.description)
    def contact_responded(self, event: ev.ContactResponded | Unreadable) -> None:
        self._sale.events.receive(api.CONTACT_RESPONDED, event)

    @workflow.signal(
        name=api.INTEREST_EXPRESSED.name, description=api.INTEREST_EXPRESSED.description
    )
    def interest_expressed(self, event: ev.InterestExpressed | Unreadable) -> None:
        self._sale.events.receive(api.INTEREST_EXPRESSED, event)

    @workflow.signal(name=api.NEEDS_IDENTIFIED.name, description=api.NEEDS_IDENTIFIED.description)
    def needs_identified(self, event: ev.NeedsIdentified | Unreadable) -> None:
        self._sale.events.receive(api.NEEDS_IDENTIFIED, event)

    @workflow.signal(name=api.DISCOUNT_APPROVED.name, description=api.DISCOUNT_APPROVED.description)
    def discount_approved(self, event: ev.DiscountApproved | Unreadable) -> None:
        self._sale.events.receive(api.DISCOUNT_APPROVED, event)

    @workflow.signal(
        name=api.REVISION_REQUESTED.name, description=api.REVISION_REQUESTED.description
    )
    def revision_requested(self, event: ev.RevisionRequested | Unreadable) -> None:
        self._sale.events.receive(api.REVISION_REQUESTED, event)

    @workflow.signal(name=api.PROPOSAL_ACCEPTED.name, description=api.PROPOSAL_ACCEPTED.description)
    def proposal_accepted(self, event: ev.ProposalAccepted | Unreadable) -> None:
        self._sale.events.receive(api.PROPOSAL_ACCEPTED, event)

    @workflow.signal(name=api.PROPOSAL_REJECTED.name, description=api.PROPOSAL_REJECTED.description)
    def proposal_rejected(self, event: ev.ProposalRejected | Unreadable) -> None:
        self._sale.events.receive(api.PROPOSAL_REJECTED, event)

    @workflow.signal(name=api.CONTRACT_SIGNED.name, description=api.CONTRACT_SIGNED.description)
    def contract_signed(self, event: ev.ContractSigned | Unreadable) -> None:
        self._sale.events.receive(api.CONTRACT_SIGNED, event)

    @workflow.signal(name=api.ORDER_PLACED.name, description=api.ORDER_PLACED.description)
    def order_placed(self, event: ev.OrderPlaced | Unreadable) -> None:
        self._sale.events.receive(api.ORDER_PLACED, event)

    @workflow.signal(name=api.EMAIL_BOUNCED.name, description=api.EMAIL_BOUNCED.description)
    def email_bounced(self, event: ev.EmailBounced | Unreadable) -> None:
        self._sale.events.receive(api.EMAIL_BOUNCED, event)

    @workflow.signal(name=api.UNSUBSCRIBED.name, description=api.UNSUBSCRIBED.description)
    def unsubscribed(self, event: ev.Unsubscribed | Unreadable) -> None:
        self._sale.events.receive(api.UNSUBSCRIBED, event)

    @workflow.signal(name=api.MARK_LOST.name, description=api.MARK_LOST.description)
    def mark_lost(self, event: ev.MarkLost | Unreadable) -> None:
        self._sale.events.receive(api.MARK_LOST, event)

    @workflow.signal(
        name=api.EXPORT_LICENSE_GRANTED.name, description=api.EXPORT_LICENSE_GRANTED.description
    )
    def export_license_granted(self, event: ev.ExportLicenseGranted | Unreadable) -> None:
        self._sale.events.receive(api.EXPORT_LICENSE_GRANTED, event)

    @workflow.signal(
        name=api.EXPORT_LICENSE_DENIED.name, description=api.EXPORT_LICENSE_DENIED.description
    )
    def export_license_denied(self, event: ev.ExportLicenseDenied | Unreadable) -> None:
        self._sale.events.receive(api.EXPORT_LICENSE_DENIED, event)

    @workflow.signal(name=api.CREDIT_APPROVED.name, description=api.CREDIT_APPROVED.description)
    def credit_approved(self, event: ev.CreditApproved | Unreadable) -> None:
        self._sale.events.receive(api.CREDIT_APPROVED, event)

    @workflow.signal(name=api.CONTRACT_REDLINED.name, description=api.CONTRACT_REDLINED.description)
    def contract_redlined(self, event: ev.ContractRedlined | Unreadable) -> None:
        self._sale.events.receive(api.CONTRACT_REDLINED, event)

    @workflow.signal(name=api.LEGAL_APPROVED.name, description=api.LEGAL_APPROVED.description)
    def legal_approved(self, event: ev.LegalApproved | Unreadable) -> None:
        self._sale.events.receive(api.LEGAL_APPROVED, event)

    @workflow.signal(name=api.TENDER_AWARDED.name, description=api.TENDER_AWARDED.description)
    def tender_awarded(self, event: ev.TenderAwarded | Unreadable) -> None:
        self._sale.events.receive(api.TENDER_AWARDED, event)

    @workflow.signal(name=api.TENDER_LOST.name, description=api.TENDER_LOST.description)
    def tender_lost(self, event: ev.TenderLost | Unreadable) -> None:
        self._sale.events.receive(api.TENDER_LOST, event)

    @workflow.signal(name=api.RETRY.name, description=api.RETRY.description)
    def retry(self, event: ev.RetryRequested | Unreadable) -> None:
        self._sale.events.receive(api.RETRY, event)

    # --- seller commands, as updates: answered at once, applied or refused -------------

    @workflow.update(name=api.LEAD_QUALIFIED.name, description=api.LEAD_QUALIFIED.description)
    async def lead_qualified_command(
        self, event: ev.LeadQualified | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.LEAD_QUALIFIED, event)

    @lead_qualified_command.validator
    def _check_lead_qualified(self, event: ev.LeadQualified | Unreadable) -> None:
        self._check(api.LEAD_QUALIFIED, event)

    @workflow.update(name=api.NEEDS_IDENTIFIED.name, description=api.NEEDS_IDENTIFIED.description)
    async def needs_identified_command(
        self, event: ev.NeedsIdentified | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.NEEDS_IDENTIFIED, event)

    @needs_identified_command.validator
    def _check_needs_identified(self, event: ev.NeedsIdentified | Unreadable) -> None:
        self._check(api.NEEDS_IDENTIFIED, event)

    @workflow.update(name=api.DISCOUNT_APPROVED.name, description=api.DISCOUNT_APPROVED.description)
    async def discount_approved_command(
        self, event: ev.DiscountApproved | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.DISCOUNT_APPROVED, event)

    @discount_approved_command.validator
    def _check_discount_approved(self, event: ev.DiscountApproved | Unreadable) -> None:
        self._check(api.DISCOUNT_APPROVED, event)

    @workflow.update(
        name=api.REVISION_REQUESTED.name, description=api.REVISION_REQUESTED.description
    )
    async def revision_requested_command(
        self, event: ev.RevisionRequested | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.REVISION_REQUESTED, event)

    @revision_requested_command.validator
    def _check_revision_requested(self, event: ev.RevisionRequested | Unreadable) -> None:
        self._check(api.REVISION_REQUESTED, event)

    @workflow.update(name=api.MARK_LOST.name, description=api.MARK_LOST.description)
    async def mark_lost_command(self, event: ev.MarkLost | Unreadable) -> api.CommandAnswer:
        return await self._sale.events.command(api.MARK_LOST, event)

    @mark_lost_command.validator
    def _check_mark_lost(self, event: ev.MarkLost | Unreadable) -> None:
        self._check(api.MARK_LOST, event)

    @workflow.update(
        name=api.EXPORT_LICENSE_GRANTED.name, description=api.EXPORT_LICENSE_GRANTED.description
    )
    async def export_license_granted_command(
        self, event: ev.ExportLicenseGranted | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.EXPORT_LICENSE_GRANTED, event)

    @export_license_granted_command.validator
    def _check_export_license_granted(self, event: ev.ExportLicenseGranted | Unreadable) -> None:
        self._check(api.EXPORT_LICENSE_GRANTED, event)

    @workflow.update(
        name=api.EXPORT_LICENSE_DENIED.name, description=api.EXPORT_LICENSE_DENIED.description
    )
    async def export_license_denied_command(
        self, event: ev.ExportLicenseDenied | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.EXPORT_LICENSE_DENIED, event)

    @export_license_denied_command.validator
    def _check_export_license_denied(self, event: ev.ExportLicenseDenied | Unreadable) -> None:
        self._check(api.EXPORT_LICENSE_DENIED, event)

    @workflow.update(name=api.CREDIT_APPROVED.name, description=api.CREDIT_APPROVED.description)
    async def credit_approved_command(
        self, event: ev.CreditApproved | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.CREDIT_APPROVED, event)

    @credit_approved_command.validator
    def _check_credit_approved(self, event: ev.CreditApproved | Unreadable) -> None:
        self._check(api.CREDIT_APPROVED, event)

    @workflow.update(name=api.CONTRACT_REDLINED.name, description=api.CONTRACT_REDLINED.description)
    async def contract_redlined_command(
        self, event: ev.ContractRedlined | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.CONTRACT_REDLINED, event)

    @contract_redlined_command.validator
    def _check_contract_redlined(self, event: ev.ContractRedlined | Unreadable) -> None:
        self._check(api.CONTRACT_REDLINED, event)

    @workflow.update(name=api.LEGAL_APPROVED.name, description=api.LEGAL_APPROVED.description)
    async def legal_approved_command(
        self, event: ev.LegalApproved | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.LEGAL_APPROVED, event)

    @legal_approved_command.validator
    def _check_legal_approved(self, event: ev.LegalApproved | Unreadable) -> None:
        self._check(api.LEGAL_APPROVED, event)

    @workflow.update(name=api.TENDER_AWARDED.name, description=api.TENDER_AWARDED.description)
    async def tender_awarded_command(
        self, event: ev.TenderAwarded | Unreadable
    ) -> api.CommandAnswer:
        return await self._sale.events.command(api.TENDER_AWARDED, event)

    @tender_awarded_command.validator
    def _check_tender_awarded(self, event: ev.TenderAwarded | Unreadable) -> None:
        self._check(api.TENDER_AWARDED, event)

    @workflow.update(name=api.TENDER_LOST.name, description=api.TENDER_LOST.description)
    async def tender_lost_command(self, event: ev.TenderLost | Unreadable) -> api.CommandAnswer:
        return await self._sale.events.command(api.TENDER_LOST, event)

    @tender_lost_command.validator
    def _check_tender_lost(self, event: ev.TenderLost | Unreadable) -> None:
        self._check(api.TENDER_LOST, event)

    @workflow.update(name=api.RETRY.name, description=api.RETRY.description)
    async def retry_command(self, event: ev.RetryRequested | Unreadable) -> api.CommandAnswer:
        return await self._sale.events.command(api.RETRY, event)

    @retry_command.validator
    def _check_retry(self, event: ev.RetryRequested | Unreadable) -> None:
        self._check(api.RETRY, event)
