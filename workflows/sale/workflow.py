"""SaleWorkflow: one lead's whole sale, through the steps its playbook lists, to WON or LOST.

Signals arrive through one dynamic handler that takes raw payloads, so a
malformed or early event is never dropped: it is applied once, kept for its
step, or recorded in `rejected_events`. Seller commands are also updates
(one dynamic handler with a validator), so their sender hears at once whether
they were accepted. Message names and payloads are in `workflows.sale.api`.
"""

from collections.abc import Sequence

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.requests import PROCESS_VERSION, SaleInput, SupportInput
    from sales.stages import SalesStage
    from sales.state import SaleOutcome, SaleState

from workflows.handlers import with_message_handlers
from workflows.sale import api
from workflows.sale.book import SaleBook, SaleEnded
from workflows.sale.journal import Rest
from workflows.sale.steps import build_steps
from workflows.support import api as support_api
from workflows.support.workflow import CustomerSupportWorkflow


@workflow.defn(name=api.WORKFLOW_TYPE)
@with_message_handlers(
    api.MESSAGES, signal="receive", update="command", validator="validate_command"
)
class SaleWorkflow:
    """Runs one lead through the steps of its playbook; ends WON (support started) or LOST.

    A long history (a flood of signals, months of retries) continues it as new, in the
    middle of a step if need be (`workflows.sale.journal`).
    """

    @workflow.init
    def __init__(self, input: SaleInput) -> None:
        self._book = SaleBook(input)
        self._steps = build_steps(self._book)

    @workflow.query(name=api.STATE_QUERY)
    def state(self) -> SaleState:
        """The whole sale: stage, steps, gates, timeline, quotes, documents, emails, events."""
        book = self._book
        pending = [received.signal for received in book.kept]
        return book.state.model_copy(
            update={"pending_events": pending, "runs": book.journal.runs + 1}
        )

    @workflow.signal(dynamic=True)
    def receive(self, name: str, args: Sequence[RawValue]) -> None:
        """Every event: validated, de-duplicated by event_id, then kept, applied or rejected."""
        self._book.receive(name, args)

    @workflow.update(dynamic=True)
    async def command(self, name: str, args: Sequence[RawValue]) -> api.CommandAnswer:
        """A seller command: answered once applied, or kept for the step that applies it."""
        return await self._book.command(name, args)

    @command.validator
    def validate_command(self, name: str, args: Sequence[RawValue]) -> None:
        """Refuses, with the reason, a command that would be rejected now; records nothing."""
        step = self._steps[self._book.current] if self._book.current >= 0 else None
        refusal = self._book.refusal(name, args, step.refuse if step else lambda _: None)
        if refusal is not None:
            raise ApplicationError(f"refused: {refusal}", type="CommandRefused")

    @workflow.run
    async def run(self, input: SaleInput) -> SaleOutcome:
        """Qualify, and then each step of the playbook; or lose with a reason."""
        book = self._book
        first = input.resume.start.index if input.resume else 0
        if input.resume is None:
            book.outreach_rules = api.outreach_rules(input.process_version)
            book.upsert_lead_attributes()
        try:
            for index, step in enumerate(self._steps):
                if index < first:
                    continue  # done in an earlier run
                book.begin(index, step.entry_note())
                await step.run()
        except Rest:
            # The history is long: a new run replays this step's journal and goes on here.
            workflow.continue_as_new(book.resume_input())
        except SaleEnded as ended:
            await book.record_opt_out(ended)
            outcome = book.lost(ended)
        else:
            outcome = await self._win()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    async def _win(self) -> SaleOutcome:
        book = self._book
        book.enter(SalesStage.WON, "the prospect is a customer")
        support_id = support_api.workflow_id(book.lead.lead_id)
        await workflow.start_child_workflow(
            CustomerSupportWorkflow.run,
            SupportInput(
                lead=book.lead,
                playbook=book.playbook,
                sale_workflow_id=book.state.workflow_id,
                order_number=book.state.order.order_number if book.state.order else None,
                process_version=PROCESS_VERSION,
            ),
            id=support_id,
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"Support for {book.lead.company or book.lead.email_domain}",
        )
        return book.won(support_id)
