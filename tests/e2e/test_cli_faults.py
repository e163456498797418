"""What the command line prints when things go wrong: a sentence, never a traceback unless --verbose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.secrets import SecretStore
from tests.fixtures.oauth_server import serve_oauth
from tests.fixtures.servers.paths import server_path

ROOT = Path(__file__).resolve().parents[2]


def desk(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def add(name: str, fixture: str) -> None:
    added = desk("servers", "add", name, "--", sys.executable, str(server_path(fixture)))
    assert added.returncode == 0, added.stderr


def test_a_call_with_a_garbled_answer_prints_a_sentence(isolated_home: str) -> None:
    add("faulty", "faulty_results")
    called = desk("servers", "call", "faulty", "garbled", "--yes")
    assert called.returncode == 1
    assert called.stdout.strip() == "The tool call failed: the server's answer is not a valid MCP result."
    assert "Traceback" not in called.stdout + called.stderr
    verbose = desk("--verbose", "servers", "call", "faulty", "garbled", "--yes")
    assert verbose.returncode == 1 and verbose.stderr.startswith("ValidationError: ")


def test_a_check_that_fails_does_not_promise_a_restart(isolated_home: str) -> None:
    add("broken", "crash_at_start")
    checked = desk("servers", "check", "broken", "--yes")
    assert checked.returncode == 1
    first = checked.stderr.splitlines()[0]
    assert first == "“broken” stopped while starting (exit code 3)."
    assert "Restarting" not in checked.stderr and "Traceback" not in checked.stderr


def test_a_failed_sign_in_is_told_without_the_sdks_traceback(keyring_store: SecretStore) -> None:
    """No browser can be opened: the SDK logs 'OAuth flow error' and its stack; only --verbose shows it."""
    with serve_oauth() as oauth:
        assert desk("servers", "add", "guarded", "--url", oauth.url).returncode == 0
        quiet = desk("servers", "check", "guarded", "--yes", BROWSER="false", DISPLAY="")
        verbose = desk("--verbose", "servers", "check", "guarded", "--yes", BROWSER="false", DISPLAY="")
    assert quiet.returncode == verbose.returncode == 1
    assert "browser" in quiet.stderr
    assert "Traceback" not in quiet.stderr and "OAuth flow error" not in quiet.stderr
    assert "OAuth flow error" in verbose.stderr and "Traceback" in verbose.stderr


@pytest.mark.parametrize("flag", ["--verbose", ""], ids=["verbose", "quiet"])
def test_bad_input_a_server_that_does_not_exist_is_one_sentence(isolated_home: str, flag: str) -> None:
    checked = desk(*filter(None, [flag]), "servers", "check", "nobody", "--yes")
    assert (checked.returncode, checked.stderr.strip()) == (1, "There is no server called “nobody”.")
