"""The servers `make bench` compares SQLite settings on: `make run`'s command, on a file of
their own, with only the pragmas each is given."""

from pathlib import Path

from soak.bench_sqlite import FileServer, chosen_pragmas, settings_compared


def pragmas_of(command: list[str]) -> list[str]:
    return [command[i + 1] for i, part in enumerate(command) if part == "--sqlite-pragma"]


def test_each_server_runs_on_its_own_file_with_only_its_pragmas(tmp_path: Path) -> None:
    db = tmp_path / "defaults.db"
    defaults = FileServer(tmp_path / "log", db, []).command()
    chosen = FileServer(tmp_path / "log", tmp_path / "chosen.db", chosen_pragmas()).command()

    assert defaults[defaults.index("--db-filename") + 1] == str(db)
    assert defaults.count("--db-filename") == 1
    assert pragmas_of(defaults) == []
    assert pragmas_of(chosen) == ["journal_mode=wal", "synchronous=normal"]  # as make run's
    assert "--headless" in chosen
    assert [c.name for c in settings_compared()] == ["sqlite_defaults", "chosen", "no_sync"]
