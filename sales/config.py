"""Building blocks of playbook sections: strict frozen sections, waits and percentages."""

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from sales.items import Percent

__all__ = ["Percent", "Section", "Wait"]

Wait = Annotated[timedelta, Field(gt=timedelta(0))]


class Section(BaseModel):
    """A playbook table: unknown keys are refused so that a typo is named, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
