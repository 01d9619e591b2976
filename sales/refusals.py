"""A seller command the sale does not apply: one type and one wording for its sender.

The workflow raises it (as the failure of the command's update), the CLI prints it and the
gateway answers it, each with `str(refusal)`: "refused: no quote is waiting for a discount
approval".
"""

from pydantic import BaseModel, Field

# The failure type of a refused command's update.
COMMAND_REFUSED = "CommandRefused"


class Refusal(BaseModel):
    """Why a seller command was not applied."""

    reason: str
    recorded: bool = Field(
        default=False,
        description="the sale had taken the command in and lists it in rejected_events; "
        "false: refused at once by the update's validator, and nothing was recorded",
    )

    def __str__(self) -> str:
        return f"refused: {self.reason}"
