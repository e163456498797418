"""Secrets through the CLI and into a server, with a real keyring (a private gnome-keyring)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.secrets import CHUNK_CHARS, SecretStore
from tests.fixtures.servers.paths import server_path

ROOT = Path(__file__).resolve().parents[2]
CANARY = "sk-canary-5f0c9e2b71d4a8"


def desk(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def add_server(name: str) -> None:
    added = desk(
        "servers", "add", name,
        "--env", "FIXTURE_TOKEN=${secret:API_TOKEN}",
        "--env", "PLAIN=not secret",
        "--", sys.executable, str(server_path("well_behaved")), "--key=${secret:API_TOKEN}",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def test_set_list_and_delete_through_the_cli(keyring_store: SecretStore) -> None:
    assert desk("secrets", "set", "API_TOKEN", stdin=CANARY + "\n").returncode == 0
    assert keyring_store.get("API_TOKEN") == CANARY, "stdin's trailing newline is not part of the value"
    add_server("echo")
    listing = desk("secrets", "list", "--json")
    assert json.loads(listing.stdout) == [{"name": "API_TOKEN", "set": True, "used_by": ["echo"]}]

    refused = desk("secrets", "delete", "API_TOKEN")
    assert refused.returncode == 2
    assert "“API_TOKEN” is used by “echo”" in refused.stdout and "Not deleted" in refused.stderr
    assert keyring_store.get("API_TOKEN") == CANARY
    assert desk("secrets", "delete", "API_TOKEN", "--yes").returncode == 0
    assert keyring_store.get("API_TOKEN") is None
    listing = desk("secrets", "list")
    assert "API_TOKEN" in listing.stdout and "MISSING" in listing.stdout, "still referred to by echo"
    records = [json.loads(line) for line in desk("audit", "export").stdout.splitlines()]
    secret_records = [(r["kind"], r["data"]) for r in records if r["kind"].startswith("secret")]
    assert secret_records == [
        ("secret added", {"secret": "API_TOKEN", "replaced": False}),
        ("secret removed", {"secret": "API_TOKEN", "used_by": ["echo"]}),
    ]


def test_a_value_too_large_for_one_windows_credential_round_trips(keyring_store: SecretStore) -> None:
    big = "x" * (CHUNK_CHARS * 4 + 3)
    assert desk("secrets", "set", "CERT", stdin=big).returncode == 0
    assert keyring_store.get("CERT") == big


def test_a_server_receives_the_secret_and_no_file_holds_it(
    keyring_store: SecretStore, isolated_home: str, tmp_path: Path
) -> None:
    keyring_store.set("API_TOKEN", CANARY)
    add_server("echo")
    called = desk("servers", "call", "echo", "digests", "--yes")
    assert called.returncode == 0, called.stderr
    seen = json.loads(called.stdout)
    assert seen["env"]["FIXTURE_TOKEN"] == sha(CANARY)
    assert seen["args"] == [sha(f"--key={CANARY}")]
    echoed = desk("servers", "call", "echo", "echo", "--args", json.dumps({"text": CANARY}), "--yes")
    assert echoed.returncode == 0, "a call that carries the secret: the log and the audit trail mask it"

    exports = [tmp_path / "log.jsonl", tmp_path / "audit.jsonl", tmp_path / "audit.csv"]
    assert desk("log", "export", "--output", str(exports[0])).returncode == 0
    assert desk("audit", "export", "--output", str(exports[1])).returncode == 0
    assert desk("audit", "export", "--format", "csv", "--output", str(exports[2])).returncode == 0
    files = [p for p in Path(isolated_home).rglob("*") if p.is_file()]
    assert any(p.name == "config.json" for p in files)
    for path in [*files, *exports]:
        assert CANARY.encode() not in path.read_bytes(), f"the secret is in {path}"
    config = json.loads((Path(isolated_home) / "config" / "config.json").read_text())
    assert config["mcpServers"]["echo"]["env"]["FIXTURE_TOKEN"] == "${secret:API_TOKEN}"


def test_a_missing_secret_stops_the_start_with_what_to_do(keyring_store: SecretStore) -> None:
    add_server("echo")
    checked = desk("servers", "check", "echo", "--yes")
    assert checked.returncode == 1
    assert "The secret “API_TOKEN” is not set. Add it on the Secrets page" in checked.stderr


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"])
def test_fail_and_null_keyrings_are_refused_and_doctor_says_how_to_fix_it(backend: str) -> None:
    env = {"PYTHON_KEYRING_BACKEND": backend}
    refused = desk("secrets", "set", "API_TOKEN", stdin=CANARY, env=env)
    assert refused.returncode == 1
    assert "No system keyring was found, so MCP Desk cannot store secrets safely" in refused.stderr
    assert "gnome-keyring" in refused.stderr and "Traceback" not in refused.stderr
    doctor = desk("doctor", env=env)
    assert doctor.returncode == 1
    assert "keyring problem: No system keyring was found" in doctor.stdout


def test_an_import_moves_tokens_into_the_keyring_and_keeps_a_reference(
    keyring_store: SecretStore, isolated_home: str, tmp_path: Path
) -> None:
    token = "ghp_" + CANARY.replace("-", "")
    claude = tmp_path / "claude_desktop_config.json"
    server = {"command": "npx", "args": ["-y", "server-github"], "env": {"GITHUB_TOKEN": token, "DEBUG": "1"}}
    claude.write_text(json.dumps({"mcpServers": {"github": server}}))
    imported = desk("import", "claude", str(claude))
    assert imported.returncode == 0, imported.stderr
    assert "environment variable GITHUB_TOKEN: becomes the secret GITHUB_TOKEN" in imported.stdout
    assert "Moved into" in imported.stdout
    assert keyring_store.get("GITHUB_TOKEN") == token
    config = json.loads((Path(isolated_home) / "config" / "config.json").read_text())
    assert config["mcpServers"]["github"]["env"] == {"GITHUB_TOKEN": "${secret:GITHUB_TOKEN}", "DEBUG": "1"}
    for path in Path(isolated_home).rglob("*"):
        assert not path.is_file() or token.encode() not in path.read_bytes(), f"the token is in {path}"


def test_an_import_can_leave_tokens_where_they_are(keyring_store: SecretStore, tmp_path: Path) -> None:
    claude = tmp_path / "claude_desktop_config.json"
    server = {"command": "npx", "env": {"API_KEY": "sk-" + CANARY}}
    claude.write_text(json.dumps({"mcpServers": {"kept": server}}))
    assert desk("import", "claude", str(claude), "--keep-secrets-in-config").returncode == 0
    assert keyring_store.names() == []
