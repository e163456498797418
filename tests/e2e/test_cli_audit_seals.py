"""`mcp-desk audit verify` and `verify-export` on a sealed trail, with the real keyring."""

from __future__ import annotations

import re
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from desktop.core.audit_chain import GENESIS, record_hash
from desktop.core.audit_keys import KeyringVault
from desktop.core.secrets import SecretStore
from tests.e2e.test_cli_log_audit import desk
from tests.fixtures.servers.paths import server_path


def recompute_with_the_old_recipe(db: Path, seq: int, old: str, new: str) -> None:
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("DROP TRIGGER records_no_update")
        conn.execute("UPDATE records SET data = replace(data, ?, ?) WHERE seq = ?", (old, new, seq))
        prev = GENESIS
        rows = conn.execute("SELECT seq, time, kind, data FROM records ORDER BY seq").fetchall()
        for number, stamp, kind, data in rows:
            hash_ = record_hash(prev, number, stamp, kind, data)
            conn.execute("UPDATE records SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, hash_, number))
            prev = hash_
        conn.execute("UPDATE head SET hash = ? WHERE id = 1", (prev,))
        conn.commit()


def test_a_sealed_trail_from_the_command_line(
    isolated_home: str, keyring_store: SecretStore, tmp_path: Path
) -> None:
    added = desk("servers", "add", "echo", "--", sys.executable, str(server_path("well_behaved")))
    assert added.returncode == 0, added.stderr
    called = desk("servers", "call", "echo", "echo", "--args", '{"text": "hi"}', "--yes")
    assert called.returncode == 0, called.stderr

    verified = desk("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    fingerprint = re.search(r"This computer's audit key: ([0-9a-f ]{19})\.", verified.stdout)
    assert fingerprint and "intact" in verified.stdout

    exported = tmp_path / "trail.jsonl"
    assert desk("audit", "export", "--output", str(exported)).returncode == 0
    checked = desk("audit", "verify-export", str(exported), "--key", fingerprint[1])
    assert checked.returncode == 0 and checked.stdout.startswith("This export is intact"), checked.stdout

    db = Path(isolated_home) / "data" / "audit.db"
    with closing(sqlite3.connect(db)) as conn:
        call_seq = conn.execute("SELECT seq FROM records WHERE kind = 'tool call'").fetchone()[0]
    recompute_with_the_old_recipe(db, call_seq, "hi", "bye")
    tampered = desk("audit", "verify")
    assert tampered.returncode == 1 and "Traceback" not in tampered.stderr
    assert tampered.stdout.startswith(f"Record {call_seq} was changed after it was written.")

    KeyringVault(SecretServiceKeyring(), keyring_store.service).forget()
    new_computer = desk("audit", "verify")
    assert new_computer.returncode == 3, new_computer.stdout
    assert new_computer.stdout.startswith(
        "This computer's keyring does not have the key that sealed records 1 to"
    )
