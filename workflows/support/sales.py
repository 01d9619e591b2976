"""The sales an account opens: the renewal before the term ends, an upsell on request.

Each is a `SaleWorkflow` of its own lead id (`<lead_id>-r1`, `<lead_id>-u1`), started as a
child that outlives the account's run; it names the account in its input and state, and
reports its end with `sale_concluded`, so the link holds both ways across continue-as-new.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.exceptions import ActivityError, ChildWorkflowError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.playbooks import PlaybookActivities
    from sales.account.events import SaleConcluded, UpsellRequested
    from sales.account.records import AccountSale, SaleKind
    from sales.items import ItemOfInterest

from workflows.sale import api as sale_api
from workflows.support.events import Rejected
from workflows.versions import PROCESS_VERSION

if TYPE_CHECKING:
    from workflows.support.account import Account

SUFFIX = {SaleKind.RENEWAL: "r", SaleKind.UPSELL: "u"}


class AccountSales:
    """Starts the account's sales and records how they end."""

    def __init__(self, account: "Account") -> None:
        self._account = account

    async def start_renewal(self) -> None:
        account = self._account
        renewal = account.policy.renewal
        if renewal is None:
            return
        await self._start(
            SaleKind.RENEWAL,
            renewal.playbook,
            list(account.state.items),
            requested_by=None,
        )

    async def start_upsell(self, request: UpsellRequested) -> None:
        account = self._account
        items = request.items or list(account.state.items)
        await self._start(
            SaleKind.UPSELL,
            account.policy.upsell_playbook,
            items,
            requested_by=request.requested_by,
        )

    async def _start(
        self,
        kind: SaleKind,
        playbook_name: str,
        items: list[ItemOfInterest],
        *,
        requested_by: str | None,
    ) -> None:
        account = self._account
        state = account.state
        number = sum(1 for sale in state.sales if sale.kind is kind) + 1
        lead_id = f"{state.lead.lead_id}-{SUFFIX[kind]}{number}"
        sale_id = sale_api.workflow_id(lead_id)
        record = AccountSale(
            workflow_id=sale_id,
            kind=kind,
            playbook=playbook_name,
            started_at=workflow.now(),
            requested_by=requested_by,
            for_term_ending=state.term_ends_on if kind is SaleKind.RENEWAL else None,
        )
        try:
            playbook = await workflow.execute_activity_method(
                PlaybookActivities.load_playbook,
                playbook_name,
                start_to_close_timeout=timedelta(seconds=30),
                summary=f"read playbook {playbook_name}",
            )
            owner = state.owner.name if state.owner else state.lead.owner
            lead = state.lead.model_copy(
                update={"lead_id": lead_id, "items": items, "owner": owner}
            )
            await workflow.start_child_workflow(
                sale_api.WORKFLOW_TYPE,
                sale_api.SaleInput(
                    lead=lead,
                    playbook=playbook,
                    process_version=PROCESS_VERSION,
                    account_workflow_id=state.workflow_id,
                ),
                id=sale_id,
                task_queue=workflow.info().task_queue,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                static_summary=f"{kind.value.capitalize()} for {state.lead.company or lead_id}",
            )
        except (ActivityError, ChildWorkflowError, WorkflowAlreadyStartedError) as err:
            cause = err.cause if isinstance(err, ActivityError) and err.cause else err
            record.outcome = "NOT_STARTED"
            record.lost_reason = str(cause)[:300]
            record.ended_at = workflow.now()
            account.concern(f"sale:{sale_id}", f"the {kind} sale could not start: {cause}")
        # Listed once it runs (or could not start): a client following the list finds it.
        state.sales.append(record)

    def concluded(self, report: SaleConcluded) -> None:
        """A sale of the account ended: its outcome recorded; a renewal won extends the term."""
        account = self._account
        record = next(
            (s for s in account.state.sales if s.workflow_id == report.sale_workflow_id), None
        )
        if record is None or record.outcome is not None:
            raise Rejected(
                f"sale {report.sale_workflow_id} "
                + ("was not started by this account" if record is None else "already ended")
            )
        record.outcome = report.outcome
        record.lost_reason = report.lost_reason
        record.deal_value = report.deal_value
        record.currency = report.currency
        record.ended_at = workflow.now()
        if report.outcome == "WON":
            if report.deal_value is not None:
                account.state.value += report.deal_value
            if report.items:
                account.state.items = list(report.items)
            if record.kind is SaleKind.RENEWAL:
                account.extend_term(report.term_months)
