"""The account's emails: to the customer (welcome, check-ins, reviews, renewal) and to the
seller's people (the hand-off note, escalations, follow-up tasks, the renewal notice)."""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.account.state import AccountState
    from sales.playbook import Playbook
    from sales.requests import EmailRequest

from temporalio.exceptions import ActivityError

from workflows.emailing import Suppressed, Undeliverable, send_email
from workflows.playbook_delivery import PlaybookDelivery


class AccountMail:
    """Sends the account's emails once each (the step makes the Message-ID) and records them."""

    def __init__(self, state: AccountState, playbook: Playbook, process_version: int | None):
        self._state = state
        self._playbook = playbook
        self._process_version = process_version
        self._delivery = PlaybookDelivery(playbook)

    @property
    def team(self) -> tuple[str, str]:
        """Who looks after the account (name, address): its owner, else the support contact."""
        owner = self._state.owner
        if owner is not None:
            return owner.name, str(owner.email)
        support = self._playbook.support
        return support.contact_name, str(support.contact_email)

    async def to_customer(self, step: str, template: str, context: dict[str, Any]) -> bool:
        return await self.send(step, template, self._state.lead.email, context)

    async def to_team(self, step: str, template: str, context: dict[str, Any]) -> bool:
        return await self.send(step, template, self.team[1], context)

    async def send(self, step: str, template: str, to: str, context: dict[str, Any]) -> bool:
        """Whether it went out; an address that cannot receive it is recorded, not retried."""
        if any(email.step == step for email in self._state.emails):
            return True  # sent in an earlier run
        state = self._state
        request = EmailRequest(
            workflow_id=state.workflow_id,
            step=step,
            template=self._playbook.email_template(template),
            to=to,
            lead=state.lead,
            playbook=self._delivery.for_activity(),
            context={**self._common(), **context},
        )
        while True:
            try:
                record = await send_email(request, process_version=self._process_version)
            except (Undeliverable, Suppressed) as refused:
                # A customer who opted out still has an account: the email is just not sent.
                state.undelivered.append(f"{step}: {refused}")
                return False
            except ActivityError as err:
                if not self._delivery.sent_whole_after(err):
                    raise
                request = request.model_copy(update={"playbook": self._delivery.for_activity()})
                continue
            break
        state.emails.append(record)
        return True

    def _common(self) -> dict[str, Any]:
        owner = self._state.owner
        return {
            "support": self._playbook.support.model_dump(mode="json"),
            "owner": owner.model_dump(mode="json") if owner else None,
            "account_workflow_id": self._state.workflow_id,
        }
