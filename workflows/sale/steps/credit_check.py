"""Gate credit_check: above an amount, the buyer's credit is checked by rules or by a person."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.credit import check_credit
    from sales.events import CreditApproved
    from sales.process import StepName
    from sales.requests import CreditCheckRequest
    from sales.stages import LostReason
    from sales.state import GateStatus

from workflows.sale.events import SaleEnded
from workflows.sale.steps.base import ACTIVITY_TIMEOUT, Step

REFERRED = "referred to a person: "


class CreditCheck(Step):
    """The rules approve or refer to a person; a person's `credit_approved` decides a referral."""

    name = StepName.CREDIT_CHECK

    async def run(self) -> None:
        sale = self.sale
        policy = self.settings(sale.playbook.gates.credit_check)
        quote = sale.state.quotes[-1]
        net, currency = quote.totals.net, quote.currency
        if not policy.applies(net):
            sale.skip_gate(
                self.name, f"{currency} {net} is below the {policy.above} that is checked"
            )
            return
        record = sale.gate(self.name)  # a resumed run finds it referred to a person
        if record is None or not record.notes.startswith(REFERRED):
            record = record or sale.open_gate(
                self.name, f"credit for {currency} {net}", amount=str(net)
            )
            request = CreditCheckRequest(
                lead=sale.lead, playbook=sale.playbook, net=net, currency=currency
            )
            decision = await sale.operations.run(
                "check credit",
                lambda: workflow.execute_activity(
                    check_credit,
                    request,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    summary="apply the playbook's credit rules",
                ),
            )
            if decision.approved:
                sale.decide_gate(record, GateStatus.PASSED, by="rules", notes=decision.reason)
                return
            sale.note_gate(record, f"{REFERRED}{decision.reason}", rules=decision.reason)
        reason = str(record.details.get("rules", ""))
        due = sale.expect(
            f"a person decides on credit for {currency} {net} (credit_approved)", policy.timeout
        )
        received = await sale.events.next(CreditApproved, due)
        if received is None:
            notes = f"no credit decision in time ({reason})"
            sale.decide_gate(record, GateStatus.FAILED, notes=notes)
            raise SaleEnded(policy.lost_reason, notes)
        sale.events.applied(received)
        event = received.event
        limit = str(event.credit_limit) if event.credit_limit is not None else None
        if not event.approved:
            notes = "credit refused" + (f": {event.reason}" if event.reason else "")
            sale.decide_gate(record, GateStatus.FAILED, by=event.approved_by, notes=notes)
            raise SaleEnded(LostReason.CREDIT_DENIED, notes)
        notes = "credit approved" + (f": {event.reason}" if event.reason else "")
        sale.decide_gate(record, GateStatus.PASSED, by=event.approved_by, notes=notes, limit=limit)
