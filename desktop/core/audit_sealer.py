"""This session's sealing of the audit trail: the key, read once, and the checkpoint kept current.

The keyring is read when the trail opens (on the thread that builds the services), never
per record. The checkpoint in the keyring is refreshed by a thread of its own, at most every
`CHECKPOINT_EVERY` seconds while records arrive, and once more on close.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from desktop.core.audit_keys import AuditKey, AuditKeyringError, Checkpoint, KeyVault
from desktop.core.audit_records import AuditKind, AuditRecord
from desktop.core.audit_seals import reach

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 5.0
"""Seconds between checkpoints while records arrive: what a crash can leave uncaught if cut."""
NO_VAULT = "This trail was opened without a keyring."

Append = Callable[[AuditKind, dict[str, Any]], Future[AuditRecord]]


class Sealer:
    """The key (None where the keyring can't be used: `problem` says why) and the checkpoint."""

    def __init__(self, vault: KeyVault | None, every: float = CHECKPOINT_EVERY) -> None:
        self.key: AuditKey | None = None
        self.problem: str | None = NO_VAULT if vault is None else None
        self.checkpoint: Checkpoint | None = None
        self._vault = vault
        self._every = every
        self._latest: tuple[int, str] | None = None
        self._moved = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if vault is not None:
            self._load(vault)

    def _load(self, vault: KeyVault) -> None:
        try:
            key = vault.load_key()
            if key is None:
                key = AuditKey.generate()
                vault.save_key(key)
            checkpoint = vault.load_checkpoint()
        except AuditKeyringError as error:
            self.problem = str(error)
            return
        self.key = key
        self.checkpoint = checkpoint if checkpoint is not None and checkpoint.holds(key.public) else None

    def start(self, conn: sqlite3.Connection, head: tuple[int, str], append: Append) -> None:
        """Go on with the trail the checkpoint names, or mark where a new sealed one begins."""
        if self.key is None:
            return
        known = self.checkpoint
        lost = None if known is None else known.lost or reach(conn, self.key, known)
        if known is not None and (lost is None or lost.how == "cut"):
            trail, since = known.trail, known.since
        else:
            trail = uuid.uuid4().hex
            marker = {"trail": trail, "key": self.key.public, "fingerprint": self.key.fingerprint}
            record = append(AuditKind.TRAIL_SEALED, {**marker, "after": head[0]}).result()
            since, head = record.seq, (record.seq, record.hash)
        self.checkpoint = Checkpoint(trail, since, *head, time.time(), self.key.public, lost)
        self._latest = head
        self._save(self.checkpoint)
        self._thread = threading.Thread(target=self._run, name="audit-checkpoint", daemon=True)
        self._thread.start()

    def moved(self, seq: int, hash_: str) -> None:
        """The trail's newest record is now `seq` (called by the writer after each commit)."""
        self._latest = (seq, hash_)
        if not self._moved.is_set():
            self._moved.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._moved.wait()
            self._stop.wait(self._every)
            self._moved.clear()
            self._refresh()

    def _refresh(self) -> None:
        known, latest = self.checkpoint, self._latest
        if known is None or latest is None or (known.seq, known.hash) == latest:
            return
        self._save(Checkpoint(known.trail, known.since, *latest, time.time(), known.key, known.lost))

    def _save(self, checkpoint: Checkpoint) -> None:
        assert self._vault is not None and self.key is not None
        signed = checkpoint.signed(self.key)
        try:
            self._vault.save_checkpoint(signed)
        except AuditKeyringError as error:
            log.warning("The audit trail's checkpoint could not be kept in the keyring: %s", error)
            return
        self.checkpoint = signed

    def close(self) -> None:
        """Stop the background refresh and keep the newest checkpoint."""
        if self._thread is None:
            return
        self._stop.set()
        self._moved.set()
        self._thread.join()
        self._thread = None
        self._refresh()
