"""Lasting failures of remote servers, remembered from one launch to the next."""

from __future__ import annotations

from pathlib import Path

from desktop.core.config import ServerConfig
from desktop.servers.last_failures import LastFailures

BROKEN = ServerConfig(url="http://mcp-desk-test.invalid/mcp")


def test_a_failure_outlives_the_app_and_ends_with_forget(tmp_path: Path) -> None:
    path = tmp_path / "remote-failures.json"
    LastFailures(path).remember("remote", BROKEN, "The address was not found.", "ConnectError: [Errno -2]")
    again = LastFailures(path)
    failure = again.of("remote", BROKEN)
    assert failure is not None and failure.reason == "The address was not found."
    assert failure.details == "ConnectError: [Errno -2]"
    again.forget("remote")
    assert LastFailures(path).of("remote", BROKEN) is None


def test_a_changed_launch_is_not_held_to_the_old_failure(tmp_path: Path) -> None:
    failures = LastFailures(tmp_path / "remote-failures.json")
    failures.remember("remote", BROKEN, "The address was not found.", "")
    fixed = ServerConfig(url="http://127.0.0.1:8080/mcp")
    assert failures.of("remote", fixed) is None
    assert failures.of("other", BROKEN) is None


def test_an_unreadable_file_is_set_aside_and_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "remote-failures.json"
    path.write_text("{not json", encoding="utf-8")
    failures = LastFailures(path)
    assert failures.of("remote", BROKEN) is None
    assert not path.exists() and path.with_suffix(".unreadable").read_text(encoding="utf-8") == "{not json"
    failures.remember("remote", BROKEN, "The address was not found.", "")
    assert LastFailures(path).of("remote", BROKEN) is not None
