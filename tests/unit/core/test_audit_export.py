"""A sealed JSON Lines export, checked on its own: untouched it holds, tampered it is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from desktop.core.audit import AuditTrail
from desktop.core.audit_chain import GENESIS, canonical_json, record_hash
from desktop.core.audit_export import verify_export
from desktop.core.audit_keys import AuditKey, KeyringVault
from desktop.core.audit_records import AuditKind
from desktop.core.redact import Redactor
from desktop.core.secrets import SecretStore

ROOT = Path(__file__).resolve().parents[3]
Lines = list[dict[str, Any]]


@pytest.fixture
def vault(keyring_store: SecretStore) -> KeyringVault:
    return KeyringVault(SecretServiceKeyring(), keyring_store.service)


@pytest.fixture
def export(tmp_path: Path, vault: KeyringVault) -> Path:
    path = tmp_path / "trail.jsonl"
    with AuditTrail(tmp_path / "audit.db", Redactor(), keys=vault) as trail:
        for n in range(6):
            trail.append(AuditKind.TOOL_CALL, {"server": "files", "tool": "read", "n": n, "text": "Ünï"})
        assert trail.export_now(path, "jsonl") == 7
    return path


def lines(path: Path) -> Lines:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write(path: Path, items: Lines) -> None:
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")


def rehash(items: Lines) -> Lines:
    """What someone who knows the recipe does after a change: recompute every hash."""
    prev = items[0]["prev_hash"]
    for item in items:
        if "seal" in item:
            continue
        item["prev_hash"] = prev
        item["hash"] = record_hash(
            prev, item["seq"], item["time"], item["kind"], canonical_json(item["data"])
        )
        prev = item["hash"]
    return items


def resealed(items: Lines) -> Lines:
    """Sealed again with a key of the attacker's own, as a whole new valid-looking export."""
    mine = AuditKey.generate()
    seal = items[-1]["seal"]
    payload = {k: v for k, v in seal.items() if k != "signature"}
    payload.update(key=mine.public, hash=items[-2]["hash"])
    items[-1] = {**items[-1], "seal": {**payload, "signature": mine.sign(payload)}}
    return items


def edit_data(items: Lines) -> Lines:
    items[3]["data"]["tool"] = "delete"
    return items


TAMPERING: dict[str, tuple[Callable[[Lines], Lines], str]] = {
    "a record's data edited": (edit_data, "Record 4 in this export was changed after it was saved."),
    "edited and every hash recomputed": (
        lambda items: rehash(edit_data(items)),
        "The records in this export were changed after it was saved: they don't match its seal.",
    ),
    "the last records taken out": (
        lambda items: [*items[:4], items[-1]],
        "Records after 4 were taken out of this export.",
    ),
    "the first record taken out": (
        lambda items: items[1:],
        "Records were taken out of, or added to, the start of this export after it was saved.",
    ),
    "a record taken out of the middle": (
        lambda items: [*items[:2], *items[3:]],
        "Record 3 was taken out of this export.",
    ),
    "records swapped": (
        lambda items: [items[0], items[2], items[1], *items[3:]],
        "Record 2 was taken out of this export.",
    ),
    "a record repeated": (
        lambda items: [*items[:3], items[2], *items[3:]],
        "Record 3 is out of order in this export: it was moved after it was saved.",
    ),
    "the seal taken off": (lambda items: items[:-1], "This export has no seal"),
    "a line added after the seal": (
        lambda items: [*items, items[0]],
        "Line 9 comes after the seal, so it was added after the export was saved.",
    ),
    "the seal's time changed": (
        lambda items: [*items[:-1], {**items[-1], "seal": {**items[-1]["seal"], "time": 0}}],
        "The export's seal does not match its contents: it was changed after it was saved.",
    ),
    "the seal's signature garbled": (
        lambda items: [
            *items[:-1],
            {**items[-1], "seal": {**items[-1]["seal"], "signature": "!!not base64"}},
        ],
        "The export's seal does not match its contents",
    ),
    "the seal's fields the wrong kind": (
        lambda items: [*items[:-1], {**items[-1], "seal": {**items[-1]["seal"], "last": "7"}}],
        "The export's seal is damaged, so the export can't be checked.",
    ),
    "a record's seq made a boolean": (
        lambda items: [{**items[0], "seq": True}, *items[1:]],
        "Line 1 is not an audit record: a field is missing or of the wrong kind.",
    ),
}


def test_an_untouched_export_holds(export: Path, vault: KeyringVault) -> None:
    assert [item["kind"] for item in lines(export)] == ["trail sealed"] + ["tool call"] * 6 + ["export seal"]
    report = verify_export(export)
    key = vault.load_key()
    assert key is not None and report.key == key.fingerprint
    assert report.ok and report.records == 7
    assert report.message.startswith("This export is intact: 7 records (1 to 7), sealed on ")
    assert report.message.endswith("said: All 7 records are intact.")
    assert verify_export(export, key.fingerprint.replace(" ", "").upper()).ok


@pytest.mark.parametrize("how", TAMPERING)
def test_a_tampered_export_is_refused(export: Path, how: str) -> None:
    change, message = TAMPERING[how]
    write(export, change(lines(export)))
    report = verify_export(export)
    assert not report.ok and report.message.startswith(message)


def test_an_export_sealed_again_by_someone_else_names_their_key(export: Path, vault: KeyringVault) -> None:
    write(export, resealed(rehash(edit_data(lines(export)))))
    key = vault.load_key()
    assert key is not None
    alone = verify_export(export)
    assert alone.ok and alone.key != key.fingerprint, "without a key to expect, only the fingerprint tells"
    expected = verify_export(export, key.fingerprint)
    assert not expected.ok and f"not by {key.fingerprint}" in expected.message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "This export has no seal"),
        (b"not json at all\n", "Line 1 is not an audit record, so this is not an export MCP Desk wrote."),
        (b"[1, 2]\n", "Line 1 is not an audit record, so this is not an export MCP Desk wrote."),
        (b"\xff\xfe garbage\n", "This file could not be read as an audit export"),
        (b'{"seal": "x"}\n', "The export's seal is damaged, so the export can't be checked."),
    ],
    ids=["empty", "text", "a list", "not UTF-8", "a broken seal"],
)
def test_a_file_that_is_not_an_export_is_refused_plainly(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    report = verify_export(path)
    assert not report.ok and report.message.startswith(message)


def test_a_missing_file_is_said_plainly(tmp_path: Path) -> None:
    report = verify_export(tmp_path / "nowhere.jsonl")
    assert not report.ok and report.message.startswith("This file could not be read as an audit export")


def test_an_export_of_recent_records_holds(tmp_path: Path, vault: KeyringVault) -> None:
    path = tmp_path / "recent.jsonl"
    with AuditTrail(tmp_path / "audit.db", Redactor(), keys=vault) as trail:
        trail.append(AuditKind.SECRET_ADDED, {"name": "OLD"}).result()
        since = trail.append(AuditKind.SECRET_ADDED, {"name": "NEW"}).result().time
        trail.export_now(path, "jsonl", since)
    report = verify_export(path)
    assert report.ok and report.records == 1 and "(3 to 3)" in report.message
    assert lines(path)[0]["prev_hash"] != GENESIS


def test_an_unsealed_trail_exports_without_a_seal(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    with AuditTrail(tmp_path / "audit.db", Redactor()) as trail:
        trail.append(AuditKind.SECRET_ADDED, {"name": "A"}).result()
        trail.export_now(path, "jsonl")
    assert all("seal" not in item for item in lines(path))
    assert verify_export(path).message.startswith("This export has no seal")


def test_the_command_checks_an_export_with_no_keyring_at_all(export: Path, vault: KeyringVault) -> None:
    key = vault.load_key()
    assert key is not None
    no_keyring = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DBUS_SESSION_BUS_ADDRESS", "MCP_DESK_KEYRING_SERVICE")
    }
    no_keyring["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

    def check(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "desktop", "audit", "verify-export", str(export), *extra]
        return subprocess.run(command, cwd=ROOT, env=no_keyring, capture_output=True, text=True, timeout=120)

    untouched = check("--key", key.fingerprint)
    assert untouched.returncode == 0, untouched.stderr
    assert untouched.stdout.startswith("This export is intact: 7 records")
    write(export, edit_data(lines(export)))
    tampered = check("--json")
    assert tampered.returncode == 1 and "Traceback" not in tampered.stderr
    assert json.loads(tampered.stdout)["message"] == "Record 4 in this export was changed after it was saved."
