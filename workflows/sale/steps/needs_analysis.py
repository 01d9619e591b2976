"""NEEDS_ANALYSIS: the prospect's business, culture and items recorded, the first quote priced."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.process import StepName

from workflows.sale.steps.base import Step
from workflows.sale.steps.quoting import priced_needs


class NeedsAnalysis(Step):
    """Waits for the seller's `needs_identified`; the offer step sends the quote priced here."""

    name = StepName.NEEDS_ANALYSIS

    def entry_note(self) -> str:
        return "the lead is now a prospect"

    async def run(self) -> None:
        book = self.book
        due = book.expect(
            "seller records needs and items (needs_identified)",
            book.playbook.needs_analysis.timeout,
        )
        needs, quote = await priced_needs(book, due)
        book.draft = quote
        if book.playbook.needs_analysis.send_orientation:
            await book.email(
                "orientation",
                "orientation",
                {"needs": needs.model_dump(mode="json"), "currency": book.playbook.currency},
            )
