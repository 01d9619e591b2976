"""The search attributes ops filter sales by in the Temporal UI and `starter.py list`."""

from typing import TYPE_CHECKING, Any

from temporalio.common import SearchAttributeKey, SearchAttributePair, SearchAttributeUpdate

if TYPE_CHECKING:
    from sales.lead import Lead

SALES_STAGE = SearchAttributeKey.for_keyword("SalesStage")
LEAD_SOURCE = SearchAttributeKey.for_keyword("LeadSource")
SALES_OWNER = SearchAttributeKey.for_keyword("SalesOwner")
INDUSTRY = SearchAttributeKey.for_keyword("Industry")
PLAYBOOK = SearchAttributeKey.for_keyword("Playbook")
PLAYBOOK_VERSION = SearchAttributeKey.for_keyword("PlaybookVersion")
LEAD_COMPANY = SearchAttributeKey.for_keyword("LeadCompany")
DEAL_VALUE = SearchAttributeKey.for_float("DealValue")
DEAL_CURRENCY = SearchAttributeKey.for_keyword("DealCurrency")
LOST_REASON = SearchAttributeKey.for_keyword("LostReason")
NEXT_ACTION_AT = SearchAttributeKey.for_datetime("NextActionAt")
# When the sale entered its stage (process version 5 on): upserted with SalesStage, so that
# the report's time in stage holds though the upsert waits for the sale's next wait.
STAGE_ENTERED_AT = SearchAttributeKey.for_datetime("StageEnteredAt")
SUPPRESSED = SearchAttributeKey.for_bool("Suppressed")
NEEDS_ATTENTION = SearchAttributeKey.for_bool("NeedsAttention")
ACCOUNT_HEALTH = SearchAttributeKey.for_keyword("AccountHealth")
OPEN_TICKETS = SearchAttributeKey.for_int("OpenTickets")

ALL: tuple[SearchAttributeKey[Any], ...] = (
    SALES_STAGE,
    LEAD_SOURCE,
    SALES_OWNER,
    INDUSTRY,
    PLAYBOOK,
    PLAYBOOK_VERSION,
    LEAD_COMPANY,
    DEAL_VALUE,
    DEAL_CURRENCY,
    LOST_REASON,
    NEXT_ACTION_AT,
    STAGE_ENTERED_AT,
    SUPPRESSED,
    NEEDS_ATTENTION,
    ACCOUNT_HEALTH,
    OPEN_TICKETS,
)


def lead_attributes(lead: "Lead", playbook_name: str) -> list[SearchAttributePair[Any]]:
    """The attributes a sale carries from its start: who, where from, whose, which playbook."""
    pairs: list[SearchAttributePair[Any]] = [SearchAttributePair(PLAYBOOK, playbook_name)]
    for key, value in (
        (LEAD_SOURCE, lead.source),
        (SALES_OWNER, lead.owner),
        (INDUSTRY, lead.industry),
        (LEAD_COMPANY, lead.company),
    ):
        if value:
            pairs.append(SearchAttributePair(key, value))
    return pairs


def lead_attribute_updates(lead: "Lead", playbook_name: str) -> list[SearchAttributeUpdate[Any]]:
    """`lead_attributes` as the updates a workflow upserts."""
    return [pair.key.value_set(pair.value) for pair in lead_attributes(lead, playbook_name)]


def dev_server_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={key._metadata_type}"]
    return flags
