"""Playbooks validate with errors that name the file and the field."""

from datetime import timedelta
from pathlib import Path

import pytest

from sales.playbook import PlaybookError, load_playbook

ROOT = Path(__file__).resolve().parents[2]


def test_default_playbook_loads_with_its_durations() -> None:
    playbook = load_playbook(ROOT / "playbooks", "default")
    assert playbook.contact.follow_ups == [timedelta(days=3), timedelta(days=7)]
    assert playbook.proposal.validity == timedelta(days=30)


def test_a_bad_playbook_names_file_and_field(tmp_path: Path) -> None:
    text = (
        (ROOT / "playbooks" / "default.toml")
        .read_text()
        .replace('validity = "P30D"', 'validity = "soon"')
    )
    (tmp_path / "broken.toml").write_text(text)
    with pytest.raises(PlaybookError, match=r"broken.toml.*proposal.validity"):
        load_playbook(tmp_path, "broken")


def test_a_missing_playbook_lists_the_available_ones() -> None:
    with pytest.raises(PlaybookError, match="available: default"):
        load_playbook(ROOT / "playbooks", "nope")
