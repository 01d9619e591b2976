"""Building blocks of playbook sections: strict frozen sections, waits and percentages."""

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sales.items import Percent

__all__ = ["OptionalWait", "Percent", "Section", "Wait"]

Wait = Annotated[timedelta, Field(gt=timedelta(0))]


def _none_word(value: Any) -> Any:
    # TOML has no null: "none" (or false) switches an optional wait off.
    if value is False or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        return None
    return value


OptionalWait = Annotated[Wait | None, BeforeValidator(_none_word)]


class Section(BaseModel):
    """A playbook table: unknown keys are refused so that a typo is named, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
