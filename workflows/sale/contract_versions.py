"""A contract version as the contract steps keep it: on file, or out with the buyer; plain data.

Apart from `workflows.sale.steps.drafting`, and passed through the sandbox (`workflows.sandbox`),
so that a sale's run does not build these classes again (a dataclass costs the sandbox ~5 ms).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sales.requests import ContractDocument


@dataclass
class Issued:
    """A contract version out with the buyer, with its deadlines and its email's context."""

    document: ContractDocument
    remind_at: datetime
    expires_at: datetime
    context: dict[str, Any]
    context_files: dict[str, str] = field(default_factory=dict)


@dataclass
class Rendered:
    """A contract version on file, with when it was issued and when it lapses unsigned."""

    document: ContractDocument
    issued_at: datetime
    expires_at: datetime
