"""NEEDS_ANALYSIS: the prospect's business, culture and items recorded, the first quote priced."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.process import StepName

from workflows.sale.steps import orientation
from workflows.sale.steps.base import Step
from workflows.sale.steps.quoting import priced_needs


class NeedsAnalysis(Step):
    """Waits for the seller's `needs_identified`; the offer step sends the quote priced here."""

    name = StepName.NEEDS_ANALYSIS

    def entry_note(self) -> str:
        return "the lead is now a prospect"

    async def run(self) -> None:
        sale = self.sale
        needs = sale.state.needs  # a resumed run priced them already
        if needs is None or sale.draft is None:
            due = sale.expect(
                "seller records needs and items (needs_identified)",
                sale.playbook.needs_analysis.timeout,
            )
            following = sale.current + 1
            offered = following < len(sale.steps) and sale.steps[following] == StepName.PROPOSAL
            needs, quote = await priced_needs(sale, due, offer=offered)
            sale.draft = quote
        if orientation.wanted(sale) and not orientation.goes_with_offer(sale):
            await orientation.send(sale)
