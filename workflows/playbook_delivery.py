"""How a workflow hands its playbook to activities: by version (the worker looks it up), and
whole from the moment a worker did not have it (`activities.playbooks.PlaybookStore`)."""

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.playbooks import PLAYBOOK_NOT_HERE
    from sales.playbook import Playbook
    from sales.requests import PlaybookRef


def _playbook_not_here(err: BaseException) -> bool:
    """Whether an activity failed because its worker could not find the playbook's version."""
    cause = err.cause if isinstance(err, ActivityError) else None
    return isinstance(cause, ApplicationError) and cause.type == PLAYBOOK_NOT_HERE


class PlaybookDelivery:
    """The playbook as the next activity gets it: a reference of a few dozen bytes instead of
    the whole playbook (4-6 KB of every activity's input in the history), whole once a worker
    lacked it (one attempt more, once a run)."""

    def __init__(self, playbook: Playbook, *, whole: bool = False) -> None:
        self._playbook = playbook
        self._ref = PlaybookRef(name=playbook.name, version=playbook.version)
        self.whole = whole

    def for_activity(self) -> Playbook | PlaybookRef:
        return self._playbook if self.whole else self._ref

    def sent_whole_after(self, err: BaseException) -> bool:
        """Whether `err` was a worker lacking the reference's playbook: then it is sent whole
        from now on and the caller tries again."""
        if self.whole or not _playbook_not_here(err):
            return False
        self.whole = True
        return True
