"""CustomerSupportWorkflow: the customer account, from the hand-off for as long as it lasts.

Every message is a typed handler of the contract (`workflows.support.api`); `upsell_requested`
is also an update that answers at once. A workflow started by process version 4 or later runs
the account (`workflows.support.account`); one begun before runs the support of old
(`workflows.support.legacy`) to its end, so its history replays.
"""

from collections.abc import Sequence
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales import events as ev
    from sales.account import events as account_events
    from sales.account.state import AccountState
    from sales.refusals import COMMAND_REFUSED, Refusal
    from sales.unreadable import Unreadable

from workflows.inbox import Payload, unknown_message
from workflows.messages import Message
from workflows.sale.api import CommandAnswer
from workflows.support import api
from workflows.support.account import Account
from workflows.support.legacy import SupportOfOld


@workflow.defn(name=api.WORKFLOW_TYPE)
class CustomerSupportWorkflow:
    """The customer's account: owner, orders, service levels, health, renewals, closing."""

    @workflow.init
    def __init__(self, input: api.SupportInput) -> None:
        self._account: Account | SupportOfOld = (
            Account(input) if api.runs_account(input.process_version) else SupportOfOld(input)
        )

    @workflow.query(name=api.STATE_QUERY)
    def state(self) -> AccountState:
        """The account: owner, hand-off, orders, tickets, health, sales, emails, next deadline."""
        return self._account.state

    @workflow.run
    async def run(self, input: api.SupportInput) -> AccountState:
        """Runs until the account is closed; returns the final state."""
        return await self._account.run()

    def _receive(self, message: Message[Any], payload: Payload) -> None:
        self._account.receive(message, payload)

    @workflow.signal(dynamic=True, description="any other name: recorded as rejected")
    def unknown(self, name: str, args: Sequence[RawValue]) -> None:
        """A message of a name the account does not know: recorded, never dropped."""
        self._account.events.record(unknown_message(api.MESSAGES, name, args))

    @workflow.signal(name=api.ORDER_PLACED.name, description=api.ORDER_PLACED.description)
    def order_placed(self, event: ev.OrderPlaced | Unreadable) -> None:
        self._receive(api.ORDER_PLACED, event)

    @workflow.signal(name=api.ORDER_SHIPPED.name, description=api.ORDER_SHIPPED.description)
    def order_shipped(self, event: account_events.OrderShipped | Unreadable) -> None:
        self._receive(api.ORDER_SHIPPED, event)

    @workflow.signal(name=api.ORDER_FULFILLED.name, description=api.ORDER_FULFILLED.description)
    def order_fulfilled(self, event: ev.OrderFulfilled | Unreadable) -> None:
        self._receive(api.ORDER_FULFILLED, event)

    @workflow.signal(name=api.TICKET_OPENED.name, description=api.TICKET_OPENED.description)
    def ticket_opened(self, event: ev.TicketOpened | Unreadable) -> None:
        self._receive(api.TICKET_OPENED, event)

    @workflow.signal(name=api.TICKET_RESPONDED.name, description=api.TICKET_RESPONDED.description)
    def ticket_responded(self, event: account_events.TicketResponded | Unreadable) -> None:
        self._receive(api.TICKET_RESPONDED, event)

    @workflow.signal(name=api.TICKET_RESOLVED.name, description=api.TICKET_RESOLVED.description)
    def ticket_resolved(self, event: ev.TicketResolved | Unreadable) -> None:
        self._receive(api.TICKET_RESOLVED, event)

    @workflow.signal(name=api.FEEDBACK_RECEIVED.name, description=api.FEEDBACK_RECEIVED.description)
    def feedback_received(self, event: ev.FeedbackReceived | Unreadable) -> None:
        self._receive(api.FEEDBACK_RECEIVED, event)

    @workflow.signal(name=api.FOLLOW_UP_DONE.name, description=api.FOLLOW_UP_DONE.description)
    def follow_up_done(self, event: account_events.FollowUpDone | Unreadable) -> None:
        self._receive(api.FOLLOW_UP_DONE, event)

    @workflow.signal(name=api.SALE_CONCLUDED.name, description=api.SALE_CONCLUDED.description)
    def sale_concluded(self, event: account_events.SaleConcluded | Unreadable) -> None:
        self._receive(api.SALE_CONCLUDED, event)

    @workflow.signal(name=api.ACCOUNT_CLOSED.name, description=api.ACCOUNT_CLOSED.description)
    def account_closed(self, event: ev.AccountClosed | Unreadable) -> None:
        self._receive(api.ACCOUNT_CLOSED, event)

    # --- the owner's command: a signal, and an update that answers at once ---------------

    @workflow.signal(name=api.UPSELL_REQUESTED.name, description=api.UPSELL_REQUESTED.description)
    def upsell_requested(self, event: account_events.UpsellRequested | Unreadable) -> None:
        self._receive(api.UPSELL_REQUESTED, event)

    @workflow.update(name=api.UPSELL_REQUESTED.name, description=api.UPSELL_REQUESTED.description)
    async def request_upsell(
        self, event: account_events.UpsellRequested | Unreadable
    ) -> CommandAnswer:
        """Accepted: the account starts the upsell sale with its next event round."""
        self._receive(api.UPSELL_REQUESTED, event)
        return CommandAnswer(status="applied", detail="the upsell sale starts now")

    @request_upsell.validator
    def _check_upsell(self, event: account_events.UpsellRequested | Unreadable) -> None:
        refusal = self._account.refusal(api.UPSELL_REQUESTED, event)
        if refusal is not None:
            raise _refused(refusal)

    @workflow.update(dynamic=True, description="any other name: refused, with the commands")
    async def unknown_command(self, name: str, args: Sequence[RawValue]) -> CommandAnswer:
        """Never runs: its validator refuses every name that is no command of the account."""
        raise _refused(_not_a_command(name))

    @unknown_command.validator
    def _check_unknown_command(self, name: str, args: Sequence[RawValue]) -> None:
        raise _refused(_not_a_command(name))


def _not_a_command(name: str) -> str:
    commands = ", ".join(api.MESSAGES.commands())
    if api.MESSAGES.get(name):
        return f"{name} is an event, not a command: send it as a signal (commands: {commands})"
    return f"{name} is no command of the account (commands: {commands})"


def _refused(reason: str) -> ApplicationError:
    """The failure a refused command's update ends with, as the sale's commands do."""
    return ApplicationError(
        reason, Refusal(reason=reason).model_dump(), type=COMMAND_REFUSED, non_retryable=True
    )
