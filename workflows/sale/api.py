"""The contract of `SaleWorkflow`: what callers, the gateway and tests use to reach a sale.

Workflow id scheme, task queue, its input, the `state` query, every message with its
payload model (seller commands are also updates), the answer to a command, and the search
attributes a sale carries. Names are spelled here once; tests check the workflow registers
exactly these.
"""

from typing import Literal

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales import events as ev
    from sales.lead import Lead
    from sales.playbook import CarriedPlaybook

from workflows import search_attributes as sa
from workflows import versions
from workflows.messages import Message, Messages
from workflows.sale.legacy import Resume
from workflows.sale.snapshot import SaleSnapshot
from workflows.versions import follows

WORKFLOW_TYPE = "SaleWorkflow"
TASK_QUEUE = "sales"
STATE_QUERY = "state"
# The patch that brought windows for outreach only and a reply cancelling outreach.
OUTREACH_RULES = "outreach-rules"


def outreach_rules(process_version: int | None) -> bool:
    """Whether a sale follows the outreach rules (process version 2)."""
    return follows(process_version, versions.OUTREACH_RULES, OUTREACH_RULES)


class SaleInput(BaseModel):
    """Starts a `SaleWorkflow`: the lead and the playbook snapshot it follows; in a run that
    continues a sale, the sale as the last run left it."""

    lead: Lead
    playbook: CarriedPlaybook
    history_limit: int = Field(
        default=10_000, gt=0, description="events before continuing as new, if the server asks not"
    )
    restarted_from: str | None = Field(
        default=None, description="the failed or terminated run this sale was restarted from"
    )
    process_version: int | None = Field(
        default=None, description="the process version its starter runs (PROCESS_VERSION)"
    )
    account_workflow_id: str | None = Field(
        default=None,
        description="the customer account that started this sale (a renewal, an upsell): "
        "told how it ends, and the account it closes into",
    )
    snapshot: SaleSnapshot | None = None
    resume: Resume | None = Field(
        default=None, description="how runs of code before the snapshot continued as new"
    )


def workflow_id(lead_id: str) -> str:
    """`sale-<lead_id>`: the id outside systems use to reach a lead's sale."""
    return f"sale-{lead_id}"


LEAD_QUALIFIED = Message("lead_qualified", ev.LeadQualified, command=True)
CONTACT_RESPONDED = Message("contact_responded", ev.ContactResponded)
INTEREST_EXPRESSED = Message("interest_expressed", ev.InterestExpressed)
NEEDS_IDENTIFIED = Message("needs_identified", ev.NeedsIdentified, command=True)
DISCOUNT_APPROVED = Message("discount_approved", ev.DiscountApproved, command=True)
REVISION_REQUESTED = Message("revision_requested", ev.RevisionRequested, command=True)
PROPOSAL_ACCEPTED = Message("proposal_accepted", ev.ProposalAccepted)
PROPOSAL_REJECTED = Message("proposal_rejected", ev.ProposalRejected)
CONTRACT_SIGNED = Message("contract_signed", ev.ContractSigned)
ORDER_PLACED = Message("order_placed", ev.OrderPlaced)
EMAIL_BOUNCED = Message("email_bounced", ev.EmailBounced)
UNSUBSCRIBED = Message("unsubscribed", ev.Unsubscribed)
MARK_LOST = Message("mark_lost", ev.MarkLost, command=True)
# Gates of the playbook's process.
EXPORT_LICENSE_GRANTED = Message("export_license_granted", ev.ExportLicenseGranted, command=True)
EXPORT_LICENSE_DENIED = Message("export_license_denied", ev.ExportLicenseDenied, command=True)
CREDIT_APPROVED = Message("credit_approved", ev.CreditApproved, command=True)
CONTRACT_REDLINED = Message("contract_redlined", ev.ContractRedlined, command=True)
LEGAL_APPROVED = Message("legal_approved", ev.LegalApproved, command=True)
TENDER_AWARDED = Message("tender_awarded", ev.TenderAwarded, command=True)
TENDER_LOST = Message("tender_lost", ev.TenderLost, command=True)
# A person fixed what a sale needing attention waits on.
RETRY = Message("retry", ev.RetryRequested, command=True)

MESSAGES = Messages(
    LEAD_QUALIFIED,
    CONTACT_RESPONDED,
    INTEREST_EXPRESSED,
    NEEDS_IDENTIFIED,
    DISCOUNT_APPROVED,
    REVISION_REQUESTED,
    PROPOSAL_ACCEPTED,
    PROPOSAL_REJECTED,
    CONTRACT_SIGNED,
    ORDER_PLACED,
    EMAIL_BOUNCED,
    UNSUBSCRIBED,
    MARK_LOST,
    EXPORT_LICENSE_GRANTED,
    EXPORT_LICENSE_DENIED,
    CREDIT_APPROVED,
    CONTRACT_REDLINED,
    LEGAL_APPROVED,
    TENDER_AWARDED,
    TENDER_LOST,
    RETRY,
)


class CommandAnswer(BaseModel):
    """What a seller command's update answers once accepted: applied now, or kept for its step."""

    status: Literal["applied", "kept"]
    detail: str


# Every attribute a sale sets; the workflow upserts no other.
SEARCH_ATTRIBUTES = (
    sa.SALES_STAGE,
    sa.LEAD_SOURCE,
    sa.SALES_OWNER,
    sa.INDUSTRY,
    sa.PLAYBOOK,
    sa.PLAYBOOK_VERSION,
    sa.LEAD_COMPANY,
    sa.DEAL_VALUE,
    sa.DEAL_CURRENCY,
    sa.LOST_REASON,
    sa.NEXT_ACTION_AT,
    sa.STAGE_ENTERED_AT,
    sa.NEEDS_ATTENTION,
)
