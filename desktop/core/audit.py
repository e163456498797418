"""The tamper-evident audit trail: an append-only, hash-chained, sealed SQLite file.

Every record's hash covers the previous record's hash, so changing, removing or
reordering any record breaks the chain, and a `head` row written in the same
transaction as each batch catches the newest records being cut off. With a keyring
(`keys`), each record is also sealed with this install's key and a signed checkpoint
is kept in the keyring (`audit_sealer`), which is what holds against someone who can
write this file but not read the keyring. One writer thread owns the write connection
and commits whatever is queued in one transaction; a record's future resolves only
once it is committed.

Two kinds of commit: a record that must be on disk before the app goes on (`record`: a
decision before its call goes out) is synced (SQLite's `synchronous=FULL`); a record
written behind the work it describes (`append`: a call's result) is committed at once,
so it survives the app being killed, and reaches the disk itself with the next synced
commit, or within `SYNC_WITHIN` seconds when none follows (`synchronous=NORMAL`, then a
synced commit of the head row). One sync per tool call, not two.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from desktop.core.atomic_file import replaced_atomically
from desktop.core.audit_chain import COLUMNS, GENESIS, WALK_COLUMNS, Row, canonical_json, record_hash
from desktop.core.audit_export import EXPORT_FORMATS, seal_line, write_export
from desktop.core.audit_keys import KeyVault
from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord, Finding, VerifyReport
from desktop.core.audit_sealer import Sealer
from desktop.core.audit_seals import verify_sealed
from desktop.core.redact import Redactor

log = logging.getLogger(__name__)

SYNC_WITHIN = 0.5
"""Seconds an unsynced commit waits for a synced one before the writer syncs it itself."""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    seal TEXT
);
CREATE TABLE IF NOT EXISTS head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT OR IGNORE INTO head (id, seq, hash) VALUES (1, 0, '{GENESIS}');
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""
_UNREADABLE = {sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT}


class AuditTrailClosed(RuntimeError):
    """Raised by `append` and `record` after `close`."""


def _plain(value: Any) -> Any:
    """`value` as JSON-ready data: anything JSON can't hold becomes its `str`."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def masked_json(data: dict[str, Any], redactor: Redactor) -> str:
    """The canonical JSON of `data` with every secret masked, exactly as stored and hashed.

    It is on every tool call's path, so plain data with nothing to mask is encoded only once.
    """
    try:
        plain = canonical_json(data, strict=True)
    except (TypeError, ValueError):
        plain = canonical_json(_plain(data))
    text = redactor.mask(plain)
    if text is plain and text.isascii():
        return text
    text = text.encode("utf-8", "replace").decode("utf-8")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = {"text": text}
    return canonical_json(parsed)


def _connect(path: Path, read_only: bool = False, check_same_thread: bool = True) -> sqlite3.Connection:
    if read_only:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    else:
        conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=check_same_thread)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    return conn


def _create(path: Path) -> None:
    with contextlib.closing(_connect(path)) as conn:
        conn.executescript(_SCHEMA)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
        if "seal" not in columns:  # a trail from before records were sealed
            conn.execute("ALTER TABLE records ADD COLUMN seal TEXT")


def _is_unreadable(exc: sqlite3.DatabaseError) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _UNREADABLE


def _set_aside(path: Path) -> Path:
    """Rename `path` (and its -wal/-shm files) to a free `.unreadable-<stamp>` name."""
    base = f"{path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}"
    aside, n = path.with_name(base), 1
    while aside.exists():
        aside, n = path.with_name(f"{base}-{n}"), n + 1
    path.replace(aside)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(aside.with_name(aside.name + suffix))
    return aside


def _to_record(row: Row) -> AuditRecord | None:
    seq, stamp, kind, data_json, prev_hash, hash_ = row
    try:
        audit_kind = AuditKind(kind)
    except ValueError:
        return None
    try:
        data = json.loads(data_json)
    except ValueError:
        data = {"text": data_json}
    return AuditRecord(seq, stamp, audit_kind, data, prev_hash, hash_)


def _where(where: AuditFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if where.kind is not None:
        clauses.append("kind = ?")
        params.append(where.kind.value)
    if where.server:
        clauses.append("json_extract(data, '$.server') = ?")
        params.append(where.server)
    if where.since is not None:
        clauses.append("time >= ?")
        params.append(where.since)
    if where.text:
        clauses.append("audit_contains(data, ?)")
        params.append(where.text.casefold())
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _contains(haystack: str, needle: str) -> bool:
    return needle in haystack.casefold()


_Item = tuple[AuditKind, float, str, Future[AuditRecord], bool]
"""kind, time, data, the future, whether it must be synced before the future resolves."""


class AuditTrail:
    """The audit file, its writer thread, and reads in worker threads. Implements `AuditControl`."""

    def __init__(
        self,
        path: Path,
        redactor: Redactor,
        on_record: Callable[[AuditRecord], None] | None = None,
        keys: KeyVault | None = None,
    ) -> None:
        self.path = path
        self.problem: str | None = None
        """A plain sentence when the file found at start could not be used as it was."""
        self._redactor = redactor
        self._on_record = on_record
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        """Held while a batch is written: by the writer thread, or by a caller committing in place."""
        self._conn: sqlite3.Connection
        self._head: tuple[int, str] = (0, GENESIS)
        self._synced_commits = True
        """The write connection's `synchronous` setting is FULL (as `_connect` leaves it)."""
        self._unsynced = False
        """A commit since the last synced one was not synced."""
        self._closed = False
        self._open()
        self._sealer = Sealer(keys)
        self._key = self._sealer.key
        started: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="audit-writer", daemon=True)
        self._thread.start()
        started.result()
        with contextlib.closing(self._reader()) as conn:
            self._sealer.start(conn, self._head, self.append)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _create(self.path)
        except sqlite3.DatabaseError as exc:
            if not _is_unreadable(exc):
                raise
            aside = _set_aside(self.path)
            _create(self.path)
            self.problem = (
                f"The audit trail file could not be read, so it was kept aside as {aside.name} "
                "and a new one was started."
            )

    def append(self, kind: AuditKind, data: dict[str, Any]) -> Future[AuditRecord]:
        """Queue one record; the future resolves once it is committed (synced soon after)."""
        return self._queued(self._item(kind, data, synced=False))

    def _queued(self, item: _Item) -> Future[AuditRecord]:
        self._queue.put(item)
        return item[3]

    async def record(self, kind: AuditKind, data: dict[str, Any]) -> AuditRecord:
        """Append and wait until the record is on disk (it is written even if this is cancelled).

        When the writer is idle the caller commits in place: the record has to be on disk
        before the caller goes on anyway, and this spares two thread hops, which on a busy
        machine cost more than the commit itself.
        """
        item = self._item(kind, data, synced=True)
        if not self._write_lock.acquire(blocking=False):
            return await asyncio.wrap_future(self._queued(item))
        try:
            self._commit([*self._drain(), item])
        finally:
            self._write_lock.release()
        return item[3].result()

    def _item(self, kind: AuditKind, data: dict[str, Any], synced: bool) -> _Item:
        data_json = masked_json(data, self._redactor)
        with self._lock:
            if self._closed:
                raise AuditTrailClosed("The audit trail is closed, so nothing more can be recorded.")
            return (kind, time.time(), data_json, Future(), synced)

    def _run(self, started: Future[None]) -> None:
        try:
            self._conn = _connect(self.path, check_same_thread=False)
            self._head = self._conn.execute("SELECT seq, hash FROM head WHERE id = 1").fetchone()
        except BaseException as exc:
            started.set_exception(exc)
            return
        started.set_result(None)
        with contextlib.closing(self._conn):
            while True:
                try:
                    first = self._queue.get(timeout=SYNC_WITHIN if self._unsynced else None)
                except queue.Empty:
                    with self._write_lock:
                        self._sync()
                    continue
                with self._write_lock:
                    batch = self._drain()
                    self._commit(batch if first is None else [first, *batch])
                    if first is None:
                        self._sync()
                        return

    def _sync(self) -> None:
        """Put what was committed unsynced on disk: a synced commit syncs every commit before it."""
        if not self._unsynced:
            return
        try:
            self._set_synchronous(True)
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("UPDATE head SET hash = hash WHERE id = 1")
            self._conn.execute("COMMIT")
        except sqlite3.Error:
            log.exception("could not sync the audit trail")
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            return
        self._unsynced = False

    def _set_synchronous(self, synced: bool) -> None:
        if synced != self._synced_commits:
            self._conn.execute(f"PRAGMA synchronous={'FULL' if synced else 'NORMAL'}")
            self._synced_commits = synced

    def _drain(self) -> list[_Item]:
        """Everything queued now, leaving the stop signal where it is."""
        batch: list[_Item] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch
            if item is None:
                self._queue.put(None)
                return batch
            batch.append(item)

    def _commit(self, batch: list[_Item]) -> None:
        """Write `batch` in one transaction, then resolve its futures (holding the write lock)."""
        if not batch:
            return
        for item in batch:
            item[3].set_running_or_notify_cancel()
        seq, prev = self._head
        records: list[tuple[AuditRecord, Future[AuditRecord]]] = []
        conn, key = self._conn, self._key
        synced = any(item[4] for item in batch)
        try:
            self._set_synchronous(synced)
            conn.execute("BEGIN IMMEDIATE")
            for kind, stamp, data_json, future, _ in batch:
                seq += 1
                hash_ = record_hash(prev, seq, stamp, kind.value, data_json)
                row = (seq, stamp, kind.value, data_json, prev, hash_, key.seal(hash_) if key else None)
                conn.execute(f"INSERT INTO records ({WALK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
                records.append((AuditRecord(seq, stamp, kind, json.loads(data_json), prev, hash_), future))
                prev = hash_
            conn.execute("UPDATE head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
            conn.execute("COMMIT")
        except Exception as exc:
            log.exception("could not write %d audit records", len(batch))
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            for item in batch:
                if not item[3].cancelled():
                    item[3].set_exception(exc)
            return
        self._unsynced = not synced
        self._head = (seq, prev)
        self._sealer.moved(seq, prev)
        self._publish(records)

    def _publish(self, records: list[tuple[AuditRecord, Future[AuditRecord]]]) -> None:
        for record, future in records:
            if not future.cancelled():
                future.set_result(record)
        if self._on_record is None:
            return
        for record, _ in records:
            try:
                self._on_record(record)
            except Exception:
                log.exception("the audit on_record callback failed")

    def close(self) -> None:
        """Write what is queued, stop the writer and close its connection."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._queue.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join()
            self._sealer.close()

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _reader(self) -> sqlite3.Connection:
        conn = _connect(self.path, read_only=True)
        conn.create_function("audit_contains", 2, _contains, deterministic=True)
        return conn

    def flush(self) -> None:
        """Write what is queued now, so a read that follows sees it (blocking)."""
        with self._write_lock:
            if not self._closed:
                self._commit(self._drain())
                self._sync()

    def query_now(self, where: AuditFilter, limit: int = 5000) -> list[AuditRecord]:
        """The newest `limit` records matching `where`, oldest first (blocking)."""
        self.flush()
        clause, params = _where(where)
        sql = f"SELECT {COLUMNS} FROM records{clause} ORDER BY seq DESC LIMIT ?"
        with contextlib.closing(self._reader()) as conn:
            rows = conn.execute(sql, [*params, limit]).fetchall()
        return [r for r in map(_to_record, reversed(rows)) if r is not None]

    def verify_now(self) -> VerifyReport:
        """Check the file, the whole chain, its seals and the keyring's checkpoint (blocking)."""
        self.flush()
        damaged = VerifyReport(
            False,
            0,
            None,
            "The audit trail file is damaged, so its records can't be checked.",
            Finding.DAMAGED,
        )
        sealer = self._sealer
        try:
            with contextlib.closing(self._reader()) as conn:
                if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                    return damaged
                conn.execute("BEGIN")
                return verify_sealed(conn, self._key, sealer.checkpoint, sealer.problem)
        except sqlite3.DatabaseError:
            log.exception("could not verify the audit trail")
            return damaged

    def export_now(self, path: Path, fmt: str, since: float | None = None) -> int:
        """Write the records (from `since`) to `path` as jsonl or csv, atomically; returns how many.

        A JSON Lines export from a sealed trail ends with a seal (`audit_export`), which lets
        anyone check it without this computer's keyring.
        """
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f'The audit trail can be saved as jsonl or csv, not "{fmt}".')
        check = self.verify_now() if fmt == "jsonl" and self._key is not None else None
        clause, params = _where(AuditFilter(since=since))
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        with (
            replaced_atomically(path, encoding=encoding, newline="") as out,
            contextlib.closing(self._reader()) as conn,
        ):
            conn.execute("BEGIN")
            rows = conn.execute(f"SELECT {COLUMNS} FROM records{clause} ORDER BY seq", params)
            count, first, last = write_export(out, (r for r in map(_to_record, rows) if r is not None), fmt)
            if check is not None and self._key is not None and first is not None and last is not None:
                out.write(seal_line(self._key, first, last, check))
            return count

    async def query(self, where: AuditFilter, limit: int = 5000) -> list[AuditRecord]:
        return await asyncio.to_thread(self.query_now, where, limit)

    async def verify(self) -> VerifyReport:
        return await asyncio.to_thread(self.verify_now)

    async def export(self, path: Path, fmt: str, since: float | None = None) -> int:
        return await asyncio.to_thread(self.export_now, path, fmt, since)
