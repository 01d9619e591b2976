"""CLOSING: the offer accepted and any contract signed, the first order closes the sale."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import OrderPlaced
    from sales.process import StepName
    from sales.stages import LostReason
    from sales.state import Order

from workflows.sale.events import SaleEnded
from workflows.sale.steps.base import Step


class Closing(Step):
    """Waits for `order_placed`; an order that came early was kept and closes the sale at once."""

    name = StepName.CLOSING

    def entry_note(self) -> str:
        if self.sale.playbook.has_step(StepName.CONTRACT):
            return "proposal accepted and contract signed"
        return "offer accepted"

    async def run(self) -> None:
        sale = self.sale
        due = sale.expect(
            "customer places the first order (order_placed)", sale.playbook.closing.order_wait
        )
        received = await sale.events.next(OrderPlaced, due)
        if received is None:
            raise SaleEnded(LostReason.NO_ORDER, "no order placed in time")
        order = received.event
        sale.events.applied(received)
        sale.ordered(Order(order_number=order.order_number, amount=order.amount, at=received.at))
