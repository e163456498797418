"""`mcp-desk settings history|restore|export|import`, run as a user would, with a real keyring."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from desktop.core.sealed_file import DAMAGED
from desktop.core.secrets import SecretStore
from tests.e2e.test_secrets import CANARY, add_server, desk

PASSPHRASE = "correct horse battery staple"


def test_history_export_import_and_restore_on_the_command_line(
    keyring_store: SecretStore, isolated_home: str, tmp_path: Path
) -> None:
    assert desk("secrets", "set", "API_TOKEN", stdin=CANARY + "\n").returncode == 0
    add_server("echo")
    history = desk("settings", "history")
    assert history.returncode == 0 and "Added “echo”" in history.stdout.splitlines()[0]
    sealed = tmp_path / "everything.mcpdesk"
    exported = desk("settings", "export", str(sealed), stdin=PASSPHRASE + "\n")
    assert exported.returncode == 0, exported.stderr
    assert "(servers: 3, permissions: 0, secrets: 1)" in exported.stdout

    service = f"mcp-desk-test-{uuid.uuid4().hex[:8]}"
    other = {"MCP_DESK_HOME": str(tmp_path / "other-computer"), "MCP_DESK_KEYRING_SERVICE": service}
    wrong = desk("settings", "import", str(sealed), stdin="not the passphrase\n", env=other)
    assert wrong.returncode == 1 and wrong.stderr.strip() == DAMAGED
    dry = desk("settings", "import", str(sealed), "--dry-run", stdin=PASSPHRASE + "\n", env=other)
    assert "Servers to add: “echo”. Each asks before it first runs here." in dry.stdout
    assert "Secrets to put in this computer's keyring: “API_TOKEN”." in dry.stdout
    unasked = desk("settings", "import", str(sealed), stdin=PASSPHRASE + "\n", env=other)
    assert unasked.returncode == 2 and "Nothing was changed." in unasked.stderr
    second_keyring = SecretStore(SecretServiceKeyring(), service)
    assert second_keyring.get("API_TOKEN") is None

    imported = desk("settings", "import", str(sealed), "--yes", stdin=PASSPHRASE + "\n", env=other)
    assert imported.returncode == 0, imported.stderr
    assert second_keyring.get("API_TOKEN") == CANARY
    listing = desk("servers", "list", "--json", env=other)
    assert "echo" in listing.stdout

    first = desk("settings", "history", "--json", env=other)
    oldest = first.stdout.count('"number"')
    restored = desk("settings", "restore", "1", env=other)
    assert restored.returncode == 0, restored.stderr
    assert "echo" not in desk("servers", "list", "--json", env=other).stdout
    assert desk("settings", "history", "--json", env=other).stdout.count('"number"') == oldest + 1
    gone = desk("settings", "restore", "999", env=other)
    assert gone.returncode == 1 and "no longer kept" in gone.stderr and "Traceback" not in gone.stderr


def test_servers_removed_behind_the_apps_back_are_told_with_the_restore_that_brings_them_back(
    keyring_store: SecretStore, isolated_home: str
) -> None:
    add_server("echo")
    config = Path(isolated_home) / "config" / "config.json"
    edited = json.loads(config.read_text(encoding="utf-8"))
    del edited["mcpServers"]["echo"]
    config.write_text(json.dumps(edited), encoding="utf-8")  # another program's doing

    told = desk("servers", "list")
    assert "another program or an update removed “echo” from its settings" in told.stderr
    found = re.search(r"mcp-desk settings restore (\d+)", told.stderr)
    assert found is not None
    assert desk("settings", "restore", found.group(1)).returncode == 0
    again = desk("servers", "list")
    assert "echo" in again.stdout and "removed" not in again.stderr
