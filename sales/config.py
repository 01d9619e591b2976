"""Building blocks of playbook sections: strict frozen sections, waits and percentages."""

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sales.items import Percent

__all__ = ["OptionalWait", "Percent", "Section", "Wait"]


def _duration_text(value: Any) -> Any:
    # A bare number would be read as seconds: `order_wait = 60` meant as days would lose
    # sales after a minute. Waits are written as ISO 8601 durations, always.
    if isinstance(value, bool | int | float):
        raise ValueError(f'{value!r} is not a duration; write an ISO 8601 one such as "P3D"')
    return value


def _none_word(value: Any) -> Any:
    # TOML has no null: "none" (or false) switches an optional wait off.
    if value is False or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        return None
    return _duration_text(value)


Wait = Annotated[timedelta, Field(gt=timedelta(0)), BeforeValidator(_duration_text)]
OptionalWait = Annotated[Wait | None, BeforeValidator(_none_word)]


class Section(BaseModel):
    """A playbook table: unknown keys are refused so that a typo is named, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
