"""The bytes another app's settings file held before MCP Desk changed it, kept for Undo.

Each change keeps a copy next to the file (`<file>.mcp-desk-backup-<UTC time>`, where the
user will look) and one in MCP Desk's data folder, and remembers the last change per app
(`last-change.json`): which file, which copy, and what MCP Desk wrote, so Undo puts back
the exact bytes only while the file still holds what MCP Desk wrote.

The copies are the app's file as it was, so they may hold keys the app kept in plain text, even
those a move put in the keyring: Undo promises those bytes back whatever the keyring holds by then
(the server removed from MCP Desk, its keys with it). So each copy is readable by the user alone
(`PRIVATE`), whatever the file's own permissions, and its folder in the data folder too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop.core.atomic_file import replaced_atomically

BACKUP_MARK = ".mcp-desk-backup-"
PRIVATE = 0o600
PRIVATE_FOLDER = 0o700


@dataclass(frozen=True)
class LastChange:
    path: Path
    backup: Path | None
    """None: MCP Desk made the file, and Undo removes it."""
    written: str
    """SHA-256 of the bytes MCP Desk wrote."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ConfigBackups:
    """Backups and the last change of each app, under `folder` (one subfolder per app)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def write(self, app: str, path: Path, before: bytes | None, after: bytes) -> Path | None:
        """Keep `before` twice (None: there was no file), then put `after` in `path`'s place in one step.

        Returns the backup beside the file, if there was a file to back up.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        beside = path.with_name(f"{path.name}{BACKUP_MARK}{stamp}")
        kept = self._folder / app / beside.name
        if before is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.parent.chmod(PRIVATE_FOLDER)
            for copy in (beside, kept):
                with replaced_atomically(copy, binary=True) as out:
                    out.write(before)
                copy.chmod(PRIVATE)
        _replace(path, after)
        backup = str(kept) if before is not None else None
        with replaced_atomically(self._record(app)) as out:
            json.dump({"path": str(path), "backup": backup, "written": digest(after)}, out, indent=2)
        return beside if before is not None else None

    def last(self, app: str) -> LastChange | None:
        try:
            record = json.loads(self._record(app).read_text("utf-8"))
            backup = Path(record["backup"]) if record["backup"] is not None else None
            return LastChange(Path(record["path"]), backup, str(record["written"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def restore(self, app: str, change: LastChange) -> None:
        """Put `change`'s backup back in its file's place (or remove a file MCP Desk made); forget it."""
        if change.backup is None:
            change.path.unlink()
        else:
            _replace(change.path, change.backup.read_bytes())
        self._record(app).unlink(missing_ok=True)

    def _record(self, app: str) -> Path:
        return self._folder / app / "last-change.json"


def _replace(path: Path, data: bytes) -> None:
    """Atomically, keeping the file's permissions (a new temporary file is private)."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    with replaced_atomically(path, binary=True) as out:
        out.write(data)
    if mode is not None:
        path.chmod(mode)
