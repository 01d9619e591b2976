"""Reading a playbook for a sale a workflow starts (an account's renewal or upsell).

A sale carries a snapshot of its playbook; the account reads the renewal playbook when the
renewal starts, as `starter.py lead` would for a new sale: today's file, validated.
"""

from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from sales.playbook import Playbook, PlaybookError, load_playbook
from settings import Settings

PLAYBOOK_UNUSABLE = "PlaybookUnusable"


class PlaybookActivities:
    """Reads playbooks from the worker's playbooks folder."""

    def __init__(self, settings: Settings) -> None:
        self._directory: Path = settings.playbooks_dir

    @activity.defn
    async def load_playbook(self, name: str) -> Playbook:
        """The playbook called `name`; a missing or broken one fails for good, naming why."""
        try:
            return load_playbook(self._directory, name)
        except PlaybookError as err:
            raise ApplicationError(str(err), type=PLAYBOOK_UNUSABLE, non_retryable=True) from err
