"""Every save keeps a dated snapshot, bounded; servers removed behind the app's back are named at load."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.core.config import AppConfig, AppSettings, ServerConfig
from desktop.core.config_history import ConfigHistory
from desktop.core.config_store import ConfigStore


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _servers(*names: str) -> AppConfig:
    return AppConfig(servers={name: ServerConfig(command=f"{name}-server") for name in names})


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture
def history(tmp_path: Path, clock: Clock) -> ConfigHistory:
    return ConfigHistory(tmp_path / "history", clock)


@pytest.fixture
def store(tmp_path: Path, history: ConfigHistory) -> ConfigStore:
    return ConfigStore(tmp_path / "config.json", lambda: _servers("time"), history)


def test_sixty_saves_keep_the_last_fifty_and_one_a_day_before_them(
    store: ConfigStore, history: ConfigHistory, clock: Clock
) -> None:
    for save in range(60):
        store.save(AppConfig(settings=AppSettings(log_keep_days=save + 1)))
        clock.now += timedelta(hours=8)
    kept = sorted(snapshot.number for snapshot in history.snapshots())
    # Saves 1-3 were on 1 November, 4-6 on the 2nd, 7-9 on the 3rd: the last of each day stays.
    assert kept == [3, 6, 9, *range(11, 61)]

    clock.now += timedelta(days=40)
    store.save(AppConfig(settings=AppSettings(log_keep_days=99)))
    assert sorted(s.number for s in history.snapshots()) == list(range(12, 62)), "dailies end after 30 days"


def test_a_save_that_changes_nothing_keeps_no_new_snapshot(
    store: ConfigStore, history: ConfigHistory
) -> None:
    store.save(_servers("time"))
    store.save(_servers("time"))
    assert [s.number for s in history.snapshots()] == [1]


def test_each_snapshot_says_what_changed(store: ConfigStore, history: ConfigHistory) -> None:
    store.save(_servers("time", "files"))
    changed = _servers("files", "Notes")
    changed.servers["files"].args = ["--root", "/elsewhere"]
    changed.settings.log_max_mb = 512
    store.save(changed)
    newest, first = history.snapshots()
    assert first.summary == "First saved settings"
    assert newest.summary == "Added “Notes”; removed “time”; changed “files”; settings changed: log size"
    saved = json.loads(newest.path.read_text())
    assert saved["config"]["mcpServers"]["files"]["args"] == ["--root", "/elsewhere"]


def test_a_snapshot_keeps_secret_references_not_values(store: ConfigStore, history: ConfigHistory) -> None:
    config = AppConfig(servers={"gh": ServerConfig(command="gh-mcp", env={"TOKEN": "${secret:GH_TOKEN}"})})
    store.save(config)
    (snapshot,) = history.snapshots()
    assert "${secret:GH_TOKEN}" in snapshot.path.read_text()


def test_a_damaged_snapshot_is_left_out_and_the_others_stay(
    store: ConfigStore, history: ConfigHistory
) -> None:
    store.save(_servers("a"))
    store.save(_servers("a", "b"))
    damaged = history.snapshots()[0].path
    damaged.write_text('{"taken": ', encoding="utf-8")
    assert [s.number for s in history.snapshots()] == [1]
    assert damaged.exists(), "a file that can't be read is left alone"


def test_a_snapshot_that_is_no_longer_kept_is_a_lookup_error(history: ConfigHistory) -> None:
    with pytest.raises(LookupError):
        history.settings_of(7)


def test_servers_removed_behind_the_apps_back_are_named_at_load(
    store: ConfigStore, history: ConfigHistory
) -> None:
    store.save(_servers("notes", "files", "time"))
    before = history.snapshots()[0].number
    store.path.write_text(_servers("time").to_json(), encoding="utf-8")  # another program's doing

    loaded = store.load()
    assert loaded.lost is not None
    assert loaded.lost.names == ("files", "notes") and loaded.lost.snapshot == before
    assert history.snapshots()[0].summary == "Changed outside MCP Desk: removed “files”, “notes”"
    assert store.load().lost is None, "told once: the next start compares with what it found"


def test_servers_the_app_removed_are_not_lost(store: ConfigStore) -> None:
    store.save(_servers("notes", "time"))
    store.save(_servers("time"))
    assert store.load().lost is None


def test_a_deleted_settings_file_loses_its_servers_too(store: ConfigStore, history: ConfigHistory) -> None:
    store.save(_servers("notes", "time"))
    store.path.unlink()
    loaded = store.load()
    assert loaded.created and loaded.lost is not None and loaded.lost.names == ("notes",)
    assert history.snapshots()[0].summary.startswith("The settings file was missing: removed “notes”")


def test_saves_in_one_change_make_one_snapshot(store: ConfigStore, history: ConfigHistory) -> None:
    store.save(_servers("a"))
    with store.one_snapshot("Restored snapshot 1"):
        store.save(_servers("a", "b"))
        store.save(_servers("a", "b", "c"))
    assert history.snapshots()[0].summary == "Restored snapshot 1: added “b”, “c”"
