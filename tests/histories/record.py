"""`make histories`: record each shipped playbook's main paths afresh for the replay test.

Runs the built-in simulation personas through every playbook on a time-skipping
server of its own and writes `tests/histories/<playbook>-<persona>.json`. The
histories recorded by earlier code are kept as they are (sale_won.json, support_*.json,
and a folder per change, named for it, with what the code before it recorded:
`before-outreach-rules/`, `before-plain-sale/`, `before-process-3/`, `before-lean/`,
`before-filed-by-email/`, `before-orientation-with-offer/`): they stand for sales that
started on older code. The account's runs
over two years (`account/`) are recorded by tests/workflows/support/test_account_years.py, which
`make histories` runs after this.
"""

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sales.playbook import load_playbook  # noqa: E402
from settings import Settings  # noqa: E402
from simulation.behaviour import load_behaviour  # noqa: E402
from simulation.command import simulate  # noqa: E402

PLAYBOOKS = ("default", "quick", "enterprise", "public-sector")
HERE = Path(__file__).resolve().parent


async def record() -> None:
    settings = Settings()
    personas = load_behaviour(None).personas
    for name in PLAYBOOKS:
        playbook = load_playbook(settings.playbooks_dir, name)
        runs = await simulate(playbook, personas, settings)
        for run in runs:
            assert run.history is not None
            path = HERE / f"{name}-{run.persona}.json"
            path.write_text(run.history.to_json(), encoding="utf-8")
            outcome = run.state.lost_reason or run.state.stage
            print(f"{path.relative_to(ROOT)}: {outcome}, {len(run.history.events)} events")


if __name__ == "__main__":
    asyncio.run(record())
