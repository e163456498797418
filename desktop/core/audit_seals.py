"""Checking the trail's seals and checkpoint: what the plain hash chain can't catch.

The chain alone can be recomputed by anyone who can write the file. From the record
that marks where sealing began (`AuditKind.TRAIL_SEALED`), every record also carries a
seal (HMAC with this install's key), and the keyring holds a signed checkpoint. A check
then tells apart: a changed record, records cut off the end, a replaced trail, records
added outside MCP Desk, and a key this computer does not have (a new computer).
"""

from __future__ import annotations

import hmac
import json
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import datetime

from desktop.core.audit_chain import SealedRow, changed, walk
from desktop.core.audit_keys import AuditKey, Checkpoint, Lost
from desktop.core.audit_records import AuditKind, Finding, VerifyReport

SEALED = AuditKind.TRAIL_SEALED.value


@dataclass(frozen=True)
class Marker:
    """A `TRAIL_SEALED` record's data: which trail, sealed by which key."""

    trail: str
    key: str

    @classmethod
    def parse(cls, data_json: str) -> Marker | None:
        try:
            data = json.loads(data_json)
            return cls(str(data["trail"]), str(data["key"]))
        except (ValueError, KeyError, TypeError):
            return None


def when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M")


def _span(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first} to {last}"


@dataclass
class SealWalk:
    """Follows the seals along the chain (`audit_chain.SealCheck`)."""

    key: AuditKey | None
    sealed_by: str = ""
    """'ours', 'other' or '' (not sealed yet) for the record being checked."""
    ours: list[int] = field(default_factory=list)
    """First and last record sealed with this computer's key."""
    others: list[int] = field(default_factory=list)
    """First and last record sealed with keys this computer does not have."""

    def check(self, row: SealedRow) -> VerifyReport | None:
        seq, _, kind, data_json, _, hash_, seal = row
        followed_ours = self.sealed_by == "ours"
        if kind == SEALED:
            marker = Marker.parse(data_json)
            mine = marker is not None and self.key is not None and marker.key == self.key.public
            if followed_ours and not mine:
                return changed(seq - 1, seq)
            self.sealed_by = "ours" if mine else "other" if marker else self.sealed_by
        problem = self._seal_problem(seq, hash_, seal, followed_ours) if self.sealed_by == "ours" else None
        if problem is not None:
            return problem
        if self.sealed_by:
            _extend(self.ours if self.sealed_by == "ours" else self.others, seq)
        return None

    def _seal_problem(
        self, seq: int, hash_: str, seal: str | None, followed_ours: bool
    ) -> VerifyReport | None:
        assert self.key is not None
        if seal is None:
            message = (
                f"Records from {seq} on are not sealed: they were added outside MCP Desk, "
                "or while the keyring could not be used."
            )
            return VerifyReport(False, seq - 1, seq, message, Finding.ADDED)
        if hmac.compare_digest(seal, self.key.seal(hash_)):
            return None
        if followed_ours:
            return changed(seq - 1, seq)
        # The first sealed record's hash covers every record before it, sealed or not.
        message = f"Record {seq}, or one of the unsealed records before it, was changed after it was written."
        return VerifyReport(False, seq - 1, seq, message, Finding.CHANGED)

    def summary(self, report: VerifyReport, keyring_problem: str | None) -> VerifyReport:
        """An intact chain, said with what the seals let this computer vouch for."""
        if self.key is None:
            why = keyring_problem or "The keyring could not be used."
            then = (
                "Someone who can change MCP Desk's files could rewrite the trail without this check noticing."
                if report.checked
                else ""
            )
            message = f"{report.message} The trail is not sealed with a key. {why} {then}".strip()
            return replace(report, message=message, finding=Finding.NOT_SEALED)
        report = replace(report, key=self.key.fingerprint)
        if not self.others:
            return report
        message = (
            f"This computer's keyring does not have the key that sealed {_span(*self.others)} (as happens "
            "on a new computer). For those, MCP Desk can only check that none is missing or out of place, "
            "and none is; it can't rule out that someone rewrote them."
        )
        if self.ours:
            first, last = self.ours
            verb = "is" if first == last else "are"
            message += (
                f" {_span(first, last).capitalize()} {verb} sealed with this computer's key and intact."
            )
        return replace(report, ok=False, message=message, finding=Finding.KEY_MISSING)


def _extend(span: list[int], seq: int) -> None:
    """`span` is [first, last]: make `seq` its last."""
    if span:
        span[1] = seq
    else:
        span.extend((seq, seq))


def _row(conn: sqlite3.Connection, seq: int) -> tuple[str, str] | None:
    row = conn.execute("SELECT kind, data FROM records WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else (row[0], row[1])


def reach(conn: sqlite3.Connection, key: AuditKey, checkpoint: Checkpoint) -> Lost | None:
    """Whether the checkpoint's trail is gone (replaced) or ends before it (cut).

    A record there that was changed is left to the walk, which names it.
    """
    left = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM records").fetchone()[0]
    start = _row(conn, checkpoint.since)
    marker = Marker.parse(start[1]) if start is not None and start[0] == SEALED else None
    if marker != Marker(checkpoint.trail, key.public):
        return Lost("replaced", checkpoint.seq, checkpoint.time, left)
    if left < checkpoint.seq:
        return Lost("cut", checkpoint.seq, checkpoint.time, left)
    return None


def lost_report(lost: Lost, walked: VerifyReport) -> VerifyReport:
    """What was lost, then what the file now holds."""
    if lost.how == "cut":
        first = f"Records after {lost.left} were cut off" if lost.left else "Every record was cut off"
        found = f"{first}: MCP Desk had written {lost.seq:,} records by {when(lost.time)}."
        at: int | None = lost.left + 1
    else:
        found = (
            "This is not the audit trail MCP Desk was keeping on this computer: that one had "
            f"{lost.seq:,} records by {when(lost.time)}, and it was replaced or removed."
        )
        at = None
    then = f"What the file holds now: {walked.message}" if walked.checked or not walked.ok else ""
    finding = Finding.CUT if lost.how == "cut" else Finding.REPLACED
    bad = at if walked.ok else walked.first_bad
    return replace(walked, ok=False, first_bad=bad, message=f"{found} {then}".strip(), finding=finding)


def verify_sealed(
    conn: sqlite3.Connection, key: AuditKey | None, checkpoint: Checkpoint | None, keyring_problem: str | None
) -> VerifyReport:
    """The whole check: chain, seals, head row, then the keyring's checkpoint."""
    seals = SealWalk(key)
    walked = walk(conn, seals)
    lost = None
    if key is not None and checkpoint is not None and checkpoint.holds(key.public):
        lost = checkpoint.lost or reach(conn, key, checkpoint)
    if lost is not None:
        return replace(lost_report(lost, walked), key=key.fingerprint if key else "")
    if not walked.ok:
        return replace(walked, key=key.fingerprint if key else "")
    return seals.summary(walked, keyring_problem)
