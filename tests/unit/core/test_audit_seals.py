"""A sealed audit trail against someone who can write MCP Desk's files but not read the keyring.

Every test uses the real Secret Service (the private keyring of `tests/conftest.py`).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from desktop.core.audit import AuditTrail
from desktop.core.audit_chain import GENESIS, canonical_json, record_hash
from desktop.core.audit_keys import AuditKey, Checkpoint, KeyringVault
from desktop.core.audit_records import AuditKind, AuditRecord, Finding
from desktop.core.audit_sealer import Sealer
from desktop.core.redact import Redactor
from desktop.core.secrets import SecretStore


@pytest.fixture
def vault(keyring_store: SecretStore) -> KeyringVault:
    return KeyringVault(SecretServiceKeyring(), keyring_store.service)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "audit.db"


def sealed(db: Path, vault: KeyringVault | None) -> AuditTrail:
    return AuditTrail(db, Redactor(), keys=vault)


def fill(trail: AuditTrail, count: int) -> list[AuditRecord]:
    futures = [
        trail.append(AuditKind.TOOL_CALL, {"server": "files", "tool": "read", "n": n}) for n in range(count)
    ]
    return [future.result(10) for future in futures]


def rows(db: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "SELECT seq, time, kind, data, prev_hash, hash, seal FROM records ORDER BY seq"
        ).fetchall()


def rewrite(db: Path, change: dict[int, str], cut_after: int | None = None) -> None:
    """The attack: change records' data, cut the end, recompute the chain and the head with the old recipe."""
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("DROP TRIGGER IF EXISTS records_no_update")
        conn.execute("DROP TRIGGER IF EXISTS records_no_delete")
        if cut_after is not None:
            conn.execute("DELETE FROM records WHERE seq > ?", (cut_after,))
        prev = GENESIS
        for seq, stamp, kind, data, _, _, _ in conn.execute(
            "SELECT seq, time, kind, data, prev_hash, hash, seal FROM records ORDER BY seq"
        ).fetchall():
            data = change.get(seq, data)
            hash_ = record_hash(prev, seq, stamp, kind, data)
            conn.execute(
                "UPDATE records SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?", (data, prev, hash_, seq)
            )
            prev = hash_
        conn.execute("UPDATE head SET seq = (SELECT MAX(seq) FROM records), hash = ? WHERE id = 1", (prev,))
        conn.commit()


def verify(db: Path, vault: KeyringVault | None) -> Any:
    with sealed(db, vault) as trail:
        return trail.verify_now()


def test_a_sealed_trail_marks_where_sealing_begins_and_verifies(db: Path, vault: KeyringVault) -> None:
    with sealed(db, vault) as trail:
        records = fill(trail, 5)
        report = trail.verify_now()
    stored = rows(db)
    assert stored[0][2] == AuditKind.TRAIL_SEALED.value and [r.seq for r in records] == [2, 3, 4, 5, 6]
    key = vault.load_key()
    assert key is not None and report.key == key.fingerprint
    assert all(seal == key.seal(hash_) for *_, hash_, seal in stored)
    assert report.ok and report.finding is Finding.INTACT and report.message == "All 6 records are intact."


def test_the_checkpoint_is_kept_on_close(db: Path, vault: KeyringVault) -> None:
    with sealed(db, vault) as trail:
        last = fill(trail, 4)[-1]
    checkpoint = vault.load_checkpoint()
    key = vault.load_key()
    assert checkpoint is not None and key is not None and checkpoint.holds(key.public)
    assert (checkpoint.seq, checkpoint.hash, checkpoint.since) == (last.seq, last.hash, 1)


def test_the_checkpoint_is_refreshed_in_the_background(db: Path, vault: KeyringVault) -> None:
    with sealed(db, vault) as trail:
        head = fill(trail, 1)[-1]
    sealer = Sealer(vault, every=0.01)
    with closing(sqlite3.connect(db)) as conn:
        sealer.start(conn, (head.seq, head.hash), lambda kind, data: pytest.fail("no marker is needed"))
    saved = threading.Event()
    original = vault.save_checkpoint

    def spy(checkpoint: Checkpoint) -> None:
        original(checkpoint)
        if checkpoint.seq == 99:
            saved.set()

    vault.save_checkpoint = spy  # type: ignore[method-assign]
    sealer.moved(99, "f" * 64)
    assert saved.wait(30), "no checkpoint was written in the background"
    sealer.close()


def test_an_edited_record_with_the_chain_recomputed_is_caught(db: Path, vault: KeyringVault) -> None:
    with sealed(db, vault) as trail:
        fill(trail, 9)
    rewrite(db, {7: canonical_json({"server": "nobody", "tool": "read"})})
    report = verify(db, vault)
    assert not report.ok and report.finding is Finding.CHANGED and report.first_bad == 7
    assert report.message == "Record 7 was changed after it was written."


def test_records_cut_off_the_end_with_the_head_fixed_are_caught(db: Path, vault: KeyringVault) -> None:
    with sealed(db, vault) as trail:
        fill(trail, 9)
    rewrite(db, {}, cut_after=6)
    report = verify(db, vault)
    assert not report.ok and report.finding is Finding.CUT and report.first_bad == 7
    assert report.message.startswith("Records after 6 were cut off: MCP Desk had written 10 records by ")
    assert "What the file holds now: All 6 records are intact." in report.message


def test_a_cut_stays_found_after_new_records_are_written(db: Path, vault: KeyringVault) -> None:
    with sealed(db, vault) as trail:
        fill(trail, 9)
    rewrite(db, {}, cut_after=6)
    with sealed(db, vault) as trail:
        fill(trail, 5)
    with sealed(db, vault) as trail:
        report = trail.verify_now()
    assert report.finding is Finding.CUT and report.message.startswith("Records after 6 were cut off")


@pytest.mark.parametrize("how", ["fresh database", "file removed", "old recipe throughout"])
def test_a_replaced_trail_is_caught(db: Path, vault: KeyringVault, tmp_path: Path, how: str) -> None:
    with sealed(db, vault) as trail:
        fill(trail, 9)
    if how == "fresh database":
        other = tmp_path / "other" / "audit.db"
        with AuditTrail(other, Redactor()) as elsewhere:
            fill(elsewhere, 3)
        shutil.copy(other, db)
    elif how == "file removed":
        db.unlink()
    else:
        with closing(sqlite3.connect(db)) as conn:
            conn.execute("DROP TRIGGER records_no_delete")
            conn.execute("DROP TRIGGER records_no_update")
            conn.execute("DELETE FROM records WHERE kind = 'trail sealed'")
            conn.execute("UPDATE records SET seq = seq - 1")
            conn.commit()
        rewrite(db, {})
    report = verify(db, vault)
    assert not report.ok and report.finding is Finding.REPLACED and report.first_bad is None
    assert report.message.startswith(
        "This is not the audit trail MCP Desk was keeping on this computer: that one had 10 records"
    )


def test_a_missing_key_says_what_can_still_be_checked(db: Path, vault: KeyringVault) -> None:
    with sealed(db, vault) as trail:
        fill(trail, 4)
    vault.forget()  # a new computer: the files came along, the keyring did not
    with sealed(db, vault) as trail:
        fill(trail, 2)
        report = trail.verify_now()
    assert not report.ok and report.finding is Finding.KEY_MISSING
    assert report.message == (
        "This computer's keyring does not have the key that sealed records 1 to 5 (as happens on a new "
        "computer). For those, MCP Desk can only check that none is missing or out of place, and none is; "
        "it can't rule out that someone rewrote them. Records 6 to 8 are sealed with this computer's key "
        "and intact."
    )
    assert rows(db)[5][2] == AuditKind.TRAIL_SEALED.value


def test_without_a_usable_keyring_the_trail_says_it_is_not_sealed(
    db: Path, keyring_store: SecretStore
) -> None:
    with sealed(db, KeyringVault(fail.Keyring(), keyring_store.service)) as trail:
        fill(trail, 3)
        report = trail.verify_now()
    assert all(seal is None for *_, seal in rows(db))
    assert report.ok and report.finding is Finding.NOT_SEALED
    assert report.message.startswith(
        "All 3 records are intact. The trail is not sealed with a key. No system keyring"
    )
    assert "Install and run a Secret Service" in report.message, "it says what to do next"
    assert "could rewrite the trail without this check noticing" in report.message, "and what it means"


def test_records_written_without_the_key_after_sealed_ones_are_named(
    db: Path, vault: KeyringVault, keyring_store: SecretStore
) -> None:
    with sealed(db, vault) as trail:
        fill(trail, 3)
    with sealed(db, KeyringVault(fail.Keyring(), keyring_store.service)) as unkeyed:
        fill(unkeyed, 2)
    report = verify(db, vault)
    assert report.finding is Finding.ADDED and report.first_bad == 5
    assert report.message.startswith("Records from 5 on are not sealed")


def test_a_crash_before_the_checkpoint_is_not_a_cut(db: Path, vault: KeyringVault) -> None:
    with sealed(db, vault) as trail:
        fill(trail, 2)
    early = vault.load_checkpoint()
    with sealed(db, vault) as trail:
        fill(trail, 5)
    assert early is not None
    vault.save_checkpoint(early)  # as if killed before the checkpoint moved on
    report = verify(db, vault)
    assert report.ok and report.message == "All 8 records are intact."


def old_trail(db: Path, count: int) -> None:
    """A trail as the code before sealing wrote it: no seal column, plain SHA-256 chain."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(db)) as conn:
        conn.executescript(
            "CREATE TABLE records (seq INTEGER PRIMARY KEY, time REAL NOT NULL, kind TEXT NOT NULL,"
            " data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
            "CREATE TABLE head (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL);"
        )
        prev = GENESIS
        for seq in range(1, count + 1):
            data = canonical_json({"server": "old", "tool": "read", "n": seq})
            hash_ = record_hash(prev, seq, 1_700_000_000.0 + seq, "tool call", data)
            conn.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)",
                (seq, 1_700_000_000.0 + seq, "tool call", data, prev, hash_),
            )
            prev = hash_
        conn.execute("INSERT INTO head VALUES (1, ?, ?)", (count, prev))
        conn.commit()


def test_an_old_trail_keeps_verifying_and_the_sealed_part_is_marked(db: Path, vault: KeyringVault) -> None:
    old_trail(db, 4)
    with sealed(db, vault) as trail:
        fill(trail, 2)
        report = trail.verify_now()
    stored = rows(db)
    assert [row[6] is None for row in stored] == [True] * 4 + [False] * 3
    assert stored[4][2] == AuditKind.TRAIL_SEALED.value and '"after":4' in stored[4][3]
    assert report.ok and report.message == "All 7 records are intact."


def test_an_old_record_edited_before_the_sealed_part_is_caught(db: Path, vault: KeyringVault) -> None:
    old_trail(db, 4)
    with sealed(db, vault) as trail:
        fill(trail, 2)
    rewrite(db, {2: canonical_json({"server": "old", "tool": "delete"})})
    report = verify(db, vault)
    assert report.finding is Finding.CHANGED and report.first_bad == 5
    assert (
        report.message
        == "Record 5, or one of the unsealed records before it, was changed after it was written."
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        '{"trail": 3}',
        '{"trail": "x", "since": 1, "seq": 2, "hash": "a", "time": 0, "key": "k", "lost": {"how": 1}}',
    ],
)
def test_a_damaged_checkpoint_is_not_trusted(text: str) -> None:
    checkpoint = Checkpoint.from_json(text)
    assert checkpoint is None or not checkpoint.holds(AuditKey.generate().public)


def test_a_checkpoint_signed_by_another_key_does_not_hold() -> None:
    mine, theirs = AuditKey.generate(), AuditKey.generate()
    forged = Checkpoint("t", 1, 5, "a" * 64, 0.0, "").signed(theirs)
    assert forged.holds(theirs.public) and not forged.holds(mine.public)
    assert not Checkpoint("t", 1, 5, "a" * 64, 0.0, mine.public, signature=forged.signature).holds(
        mine.public
    )
