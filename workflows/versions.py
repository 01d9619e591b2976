"""The version of the process today's code runs, which a starter declares in a workflow's input.

2: sending windows hold outreach only, and a reply cancels outreach (sales); check-ins wait
for the window (support). A workflow started without it (begun on older code, or started by
another client) asks a `workflow.patched` instead, so one begun before replays as it ran.
A declared version costs no marker and no action.
"""

from temporalio import workflow

PROCESS_VERSION = 2


def follows(version: int | None, since: int, patch: str) -> bool:
    """Whether a workflow runs the process as changed at `since`: by its declared version,
    or, without one, by the patch that brought the change."""
    if version is not None:
        return version >= since
    return workflow.patched(patch)
