"""The contract of `SuppressionWorkflow`: one entity per address, kept as long as the list is.

Its id is `suppression-<hash of the normalised address>`, so any worker or client
finds an address's entry without a database, and no address stands in an id.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.suppression import address_key

from workflows import search_attributes as sa

WORKFLOW_TYPE = "SuppressionWorkflow"
STATUS_QUERY = "status"
SUPPRESS = "suppress"
UNSUPPRESS = "unsuppress"
ADDRESS_MEMO = "address"
SUPPRESSED = sa.SUPPRESSED


def workflow_id(address: str) -> str:
    return f"suppression-{address_key(address)}"
