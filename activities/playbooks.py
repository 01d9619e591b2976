"""Reading a playbook for a sale a workflow starts (an account's renewal or upsell), and
finding the playbook an activity's request names by version (`PlaybookStore`).

A sale carries a snapshot of its playbook; the account reads the renewal playbook when the
renewal starts, as `starter.py lead` would for a new sale: today's file, validated.
"""

import functools
from pathlib import Path
from typing import TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from sales.playbook import Playbook, PlaybookError, load_playbook
from sales.requests import PlaybookRef, UsesPlaybook
from settings import Settings

PLAYBOOK_UNUSABLE = "PlaybookUnusable"
PLAYBOOK_NOT_HERE = "PlaybookNotHere"
R = TypeVar("R", bound=UsesPlaybook)


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


class PlaybookStore:
    """The playbooks the activities of process-version-5 sales name by version instead of
    receiving them whole (4-6 KB less in every activity's input, in every history).

    Found in today's playbooks folder while the file still has that version (or its
    intro-at-once variant), or among those this worker was sent whole. Anything else fails
    for good with PLAYBOOK_NOT_HERE, and the sale sends it whole from then on (which teaches
    the worker): a playbook edited since the sale began, or a worker deployed with other
    playbooks, costs a sale one failed attempt (billed as an action), once per run.
    """

    KEEP = 256  # playbook versions a worker remembers; a version is 5-10 KB

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._known: dict[str, Playbook] = {}

    def remember(self, playbook: Playbook) -> None:
        self._known[playbook.version] = playbook
        while len(self._known) > self.KEEP:
            del self._known[next(iter(self._known))]

    def complete(self, request: R) -> R:
        """`request` with its playbook whole; PLAYBOOK_NOT_HERE when it cannot be found."""
        named = request.playbook
        if isinstance(named, Playbook):
            self.remember(named)
            return request
        found = self._known.get(named.version) or self._from_file(named)
        if found is None:
            raise ApplicationError(
                f"playbook {named.name} version {named.version} is not known to this worker nor "
                f"in {self._directory} (changed since the sale began?): the sale sends it whole",
                type=PLAYBOOK_NOT_HERE,
                non_retryable=True,
            )
        return request.model_copy(update={"playbook": found})

    def _from_file(self, named: PlaybookRef) -> Playbook | None:
        try:
            today = load_playbook(self._directory, named.name)
        except PlaybookError:
            return None
        for candidate in (today, today.with_intro_at_once()):
            if candidate.version == named.version:
                self.remember(candidate)
                return candidate
        return None


@functools.cache
def store_for(directory: Path) -> PlaybookStore:
    """The one store of a worker process for a playbooks folder, shared by its activities."""
    return PlaybookStore(directory)
