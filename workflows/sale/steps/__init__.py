"""Every kind of step a playbook may list, by name: a new gate is a module here plus its data."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.process import StepName

from workflows.sale.sale import Sale
from workflows.sale.steps.base import Step
from workflows.sale.steps.closing import Closing
from workflows.sale.steps.contact import Contact
from workflows.sale.steps.contract import Contract
from workflows.sale.steps.credit_check import CreditCheck
from workflows.sale.steps.export_license import ExportLicense
from workflows.sale.steps.legal_review import LegalReview
from workflows.sale.steps.needs_analysis import NeedsAnalysis
from workflows.sale.steps.proposal import Proposal
from workflows.sale.steps.qualification import Qualification
from workflows.sale.steps.tender import Tender

STEPS: dict[StepName, type[Step]] = {
    step.name: step
    for step in (
        Qualification,
        Contact,
        NeedsAnalysis,
        Proposal,
        Tender,
        ExportLicense,
        CreditCheck,
        LegalReview,
        Contract,
        Closing,
    )
}


def build_steps(sale: Sale) -> list[Step]:
    """The steps of the sale's playbook, in order, each working through `sale`."""
    return [STEPS[name](sale) for name in sale.steps]
