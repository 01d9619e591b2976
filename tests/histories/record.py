"""`make histories`: record each shipped playbook's main paths afresh for the replay test.

Runs the built-in simulation personas through every playbook on a time-skipping
server of its own and writes `tests/histories/<playbook>-<persona>.json`. The
histories recorded by earlier code are kept as they are (sale_won.json, support_*.json,
and a folder per change, named for it, with what the code before it recorded:
`before-outreach-rules/`, `before-plain-sale/`, `before-process-3/`, `before-lean/`,
`before-filed-by-email/`, `before-orientation-with-offer/`,
`before-intro-with-qualification/`, `before-reminders-at-the-window/`,
`before-later-deadlines/`, `before-offer-with-its-quote/`,
`before-outreach-in-its-window/`): they stand for sales that started on older code. The
account's runs over two years (`account/`) are recorded by
tests/workflows/support/test_account_years.py, which `make histories` runs after this. The
default playbook's sales are recorded twice: begun on a working morning and on a Saturday
night (`-night`), the intro sent by the qualification or when the window opens.
"""

import asyncio
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sales.playbook import load_playbook  # noqa: E402
from settings import Settings  # noqa: E402
from simulation.behaviour import load_behaviour  # noqa: E402
from simulation.command import simulate  # noqa: E402
from soak.bench_costs import working_morning  # noqa: E402

PLAYBOOKS = ("default", "quick", "enterprise", "public-sector")
HERE = Path(__file__).resolve().parent
BERLIN = ZoneInfo("Europe/Berlin")


def morning(now: datetime) -> datetime:
    """10:00 on the next working day in Berlin, the recorded leads' zone."""
    return working_morning(now, BERLIN)


def saturday_night(now: datetime) -> datetime:
    """22:00 on the next Saturday in Berlin."""
    day = now.astimezone(BERLIN).date() + timedelta(days=1)
    while day.weekday() != 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(22), tzinfo=BERLIN)


# When the recorded sales begin, on their virtual clocks: a working morning in the leads' zone
# (the intro goes with the qualification, process version 8) and a Saturday night (it waits
# for Monday's window), so that both paths replay whatever hour `make histories` runs at.
BEGINS = {"": morning, "-night": saturday_night}


async def record() -> None:
    settings = Settings()
    personas = load_behaviour(None).personas
    now = datetime.now(UTC)
    for name in PLAYBOOKS:
        playbook = load_playbook(settings.playbooks_dir, name)
        for suffix, begins in BEGINS.items():
            if suffix and name != "default":
                continue  # the night path once, on the default playbook
            runs = await simulate(playbook, personas, settings, begins_at=begins(now))
            for run in runs:
                assert run.history is not None
                path = HERE / f"{name}-{run.persona}{suffix}.json"
                path.write_text(run.history.to_json(), encoding="utf-8")
                outcome = run.state.lost_reason or run.state.stage
                print(f"{path.relative_to(ROOT)}: {outcome}, {len(run.history.events)} events")


if __name__ == "__main__":
    asyncio.run(record())
