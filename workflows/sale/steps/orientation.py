"""The orientation email, what the sale understood of the prospect's needs: sent as the needs
analysis ends or, from process version 7, with the first offer when that follows at once, by
the same activity (one action less, and both emails arrive in the same moment as before)."""

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.process import StepName
    from sales.requests import CarriedEmail

from workflows.sale import references
from workflows.sale.sale import Sale
from workflows.versions import ORIENTATION_WITH_OFFER

STEP = "orientation"


def wanted(sale: Sale) -> bool:
    """The playbook's needs analysis sends one, and this sale has not sent it yet."""
    return _still_to_go(sale) and sale.state.needs is not None


def _still_to_go(sale: Sale) -> bool:
    """The playbook sends one, and this sale has neither sent it nor cancelled it."""
    playbook = sale.playbook
    return (
        playbook.has_step(StepName.NEEDS_ANALYSIS)
        and playbook.needs_analysis.send_orientation
        and not sale.sent(STEP)
        and not sale.cancelled(STEP)
    )


def goes_with_offer(sale: Sale) -> bool:
    """Whether the orientation waits for the offer, to go out with it: from version 7, when
    the next step offers the quote just priced at once (no discount held for approval), and
    the two emails wait for the lead's sending window alike."""
    version = sale.process_version
    if version is None or version < ORIENTATION_WITH_OFFER:
        return False
    following = sale.current + 1
    if following >= len(sale.steps) or sale.steps[following] != StepName.PROPOSAL:
        return False
    threshold = sale.playbook.proposal.discount_approval_threshold
    if sale.draft is None or sale.draft.totals.need_approval(threshold):
        return False
    outreach = sale.playbook.outreach
    return outreach.waits(STEP) == outreach.waits("proposal")


def _context(sale: Sale) -> tuple[dict[str, object], dict[str, str]]:
    needs = sale.state.needs
    if needs is None:  # `wanted` is checked first: a sale records its needs before this
        raise ApplicationError("no needs recorded for the orientation", non_retryable=True)
    context, files = references.needs_context(sale, needs)
    return {**context, "currency": sale.playbook.currency}, files


async def send(sale: Sale) -> None:
    """The orientation, on its own."""
    context, files = _context(sale)
    await sale.mail.send(STEP, STEP, context, context_files=files)


def before_offer(sale: Sale) -> CarriedEmail | None:
    """The orientation for the activity that prices the first offer to send before it (process
    version 11), its needs read from the quote that activity files: if the playbook sends one,
    this sale has not, and it waits for the sending window as the offer does."""
    playbook = sale.playbook
    outreach = playbook.outreach
    if not _still_to_go(sale) or outreach.waits(STEP) != outreach.waits("proposal"):
        return None
    context = {"currency": playbook.currency}
    return CarriedEmail(step=STEP, template=playbook.email_template(STEP), context=context)


def with_offer(sale: Sale) -> CarriedEmail | None:
    """The orientation to send first with an offer's email, if it waits for one (version 7)."""
    version = sale.process_version
    if version is None or version < ORIENTATION_WITH_OFFER or not wanted(sale):
        return None
    context, files = _context(sale)
    template = sale.playbook.email_template(STEP)
    return CarriedEmail(step=STEP, template=template, context=context, context_files=files)
