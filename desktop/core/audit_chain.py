"""The audit trail's hash chain: how each record's hash is made, and how the chain is checked.

Every record's hash covers the previous record's hash, so changing, removing or
reordering any record breaks the chain; the `head` row catches the newest records
being cut off. That much anyone who can write the file could redo: the seals
(`audit_seals`, keyed) are what hold against them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any, Protocol

from desktop.core.audit_records import Finding, VerifyReport

GENESIS = "0" * 64
"""The `prev_hash` of the first record."""
COLUMNS = "seq, time, kind, data, prev_hash, hash"
_NEARBY = 64
"""How far from its place `verify` looks for where a record that does not fit came from."""

WALK_COLUMNS = f"{COLUMNS}, seal"
Row = tuple[int, float, str, str, str, str]
SealedRow = tuple[int, float, str, str, str, str, str | None]


class SealCheck(Protocol):
    """Checks each record's seal as the walk reaches it (`audit_seals.SealWalk`)."""

    def check(self, row: SealedRow) -> VerifyReport | None:
        """A report of what is wrong with this record's seal, or None."""
        ...


def canonical_json(data: dict[str, Any], strict: bool = False) -> str:
    """`strict`: raise on what JSON can't hold (NaN, other types) instead of writing it anyway."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=not strict)


def record_hash(prev_hash: str, seq: int, time: float, kind: str, data_json: str) -> str:
    """sha256 hex of UTF-8 `prev_hash \\n seq \\n repr(time) \\n kind \\n data_json`."""
    text = "\n".join((prev_hash, str(seq), repr(float(time)), kind, data_json))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def intact_message(count: int) -> str:
    if count < 2:
        return "The one record is intact." if count else "The audit trail is empty."
    return f"All {count:,} records are intact."


def _gap_message(expected: int, found: int) -> str:
    after = f"from {expected - 1}" if expected > 1 else "from the start"
    if found == expected + 1:
        return f"Record {expected} is missing: the trail jumps {after} to {found}."
    return f"Records {expected} to {found - 1} are missing: the trail jumps {after} to {found}."


def _bad_hash_message(conn: sqlite3.Connection, row: Row) -> str:
    """Why a record's hash does not match it: moved from another place, or changed."""
    seq, stamp, kind, data_json, prev_hash, hash_ = row
    candidates = [s for s in range(seq - _NEARBY, seq + _NEARBY + 1) if s >= 1 and s != seq]
    found = conn.execute("SELECT seq FROM records WHERE hash = ? LIMIT 1", (prev_hash,)).fetchone()
    if found:
        candidates.insert(0, found[0] + 1)
    for origin in candidates:
        if record_hash(prev_hash, origin, stamp, kind, data_json) == hash_:
            first, second = sorted((seq, origin))
            return f"Records {first} and {second} are out of order."
    return f"Record {seq} was changed after it was written."


def changed(checked: int, seq: int) -> VerifyReport:
    return VerifyReport(
        False, checked, seq, f"Record {seq} was changed after it was written.", Finding.CHANGED
    )


def walk(conn: sqlite3.Connection, seals: SealCheck | None = None) -> VerifyReport:
    """Check every record's hash, link, number and (with `seals`) seal, then the head row."""
    expected, prev, checked = 1, GENESIS, 0
    for row in conn.execute(f"SELECT {WALK_COLUMNS} FROM records ORDER BY seq"):
        seq, stamp, kind, data_json, prev_hash, hash_, _ = row
        if seq != expected:
            return VerifyReport(False, checked, expected, _gap_message(expected, seq), Finding.CHANGED)
        if record_hash(prev_hash, seq, stamp, kind, data_json) != hash_:
            return VerifyReport(False, checked, seq, _bad_hash_message(conn, row[:6]), Finding.CHANGED)
        if prev_hash != prev:
            return changed(checked, max(seq - 1, 1))
        if seals is not None and (sealed := seals.check(row)) is not None:
            return sealed
        expected, prev, checked = seq + 1, hash_, checked + 1
    return _check_head(conn, checked, prev)


def _check_head(conn: sqlite3.Connection, last: int, last_hash: str) -> VerifyReport:
    head = conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
    if head is None:
        message = "The trail's note of its newest record is missing, so removed records can't be ruled out."
        return VerifyReport(False, last, None, message, Finding.CUT)
    head_seq, head_hash = head
    if head_seq > last:
        message = f"The newest records after {last} were removed." if last else "All records were removed."
        return VerifyReport(False, last, last + 1, message, Finding.CUT)
    if head_seq < last:
        message = f"Records after {head_seq} were added outside MCP Desk."
        return VerifyReport(False, last, head_seq + 1, message, Finding.ADDED)
    if head_hash != last_hash:
        return changed(last, last)
    return VerifyReport(True, last, None, intact_message(last))
