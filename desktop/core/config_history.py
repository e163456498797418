"""Dated snapshots of the settings file, so no save, update or other program can lose a server for good.

Each snapshot is one JSON file in the history folder, named `<number>-<UTC time>.json`, holding
when it was taken, a one-line summary of what changed since the one before, and the settings as
saved. Settings hold secrets only as `${secret:NAME}` references, so neither do snapshots.
Kept: the newest `KEEP_RECENT`, and the newest of each day for `KEEP_DAYS` days.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop.core.atomic_file import replaced_atomically

KEEP_RECENT = 50
KEEP_DAYS = 30
FORMAT_VERSION = 1
_NAME = re.compile(r"^(\d{6,})-\d{8}T\d{6}Z\.json$")
_SETTING_WORDS = {
    "start_at_login": "start when I sign in",
    "log_keep_days": "log days kept",
    "log_max_mb": "log size",
    "health_check_seconds": "how often servers are checked",
    "client_metadata_url": "sign-in client address",
    "models": "model choices",
    "chat": "chat model",
}
log = logging.getLogger(__name__)

Raw = Mapping[str, Any]
"""The settings as saved: `AppConfig.to_json()` read back."""


@dataclass(frozen=True)
class Changes:
    """What differs between two versions of the settings, by server name and setting."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line: “Added “notes”; removed “files”; settings changed: log size.”"""
        parts = [
            f"{verb} {_listed(names)}"
            for verb, names in (("added", self.added), ("removed", self.removed), ("changed", self.changed))
            if names
        ]
        if self.settings:
            parts.append("settings changed: " + ", ".join(self.settings))
        line = "; ".join(parts)
        return line[:1].upper() + line[1:] if line else "No change"


@dataclass(frozen=True)
class Snapshot:
    number: int
    taken: datetime
    """In UTC."""
    summary: str
    path: Path


def changes_between(old: Raw, new: Raw) -> Changes:
    old_servers, new_servers = old.get("mcpServers", {}), new.get("mcpServers", {})
    old_settings, new_settings = old.get("settings", {}), new.get("settings", {})
    return Changes(
        added=tuple(sorted(set(new_servers) - set(old_servers))),
        removed=tuple(sorted(set(old_servers) - set(new_servers))),
        changed=tuple(
            sorted(n for n in new_servers if n in old_servers and new_servers[n] != old_servers[n])
        ),
        settings=tuple(
            _SETTING_WORDS.get(key, key.replace("_", " "))
            for key in sorted(set(old_settings) | set(new_settings))
            if old_settings.get(key) != new_settings.get(key)
        ),
    )


class ConfigHistory:
    """The snapshots in `folder`; `clock` says what time it is (UTC)."""

    def __init__(self, folder: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.folder = folder
        self._clock = clock

    def snapshots(self) -> list[Snapshot]:
        """Newest first; a file that can't be read is left out (and left alone)."""
        found = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else ():
            match = _NAME.match(path.name)
            head = _read(path) if match else None
            if match and head is not None:
                found.append(Snapshot(int(match.group(1)), _taken(head), str(head["summary"]), path))
        return sorted(found, key=lambda snap: snap.number, reverse=True)

    def settings_of(self, number: int) -> Raw:
        """The settings kept in snapshot `number`; a `LookupError` when there is none."""
        for snapshot in self.snapshots():
            if snapshot.number == number:
                data = _read(snapshot.path)
                if data is not None:
                    return dict(data["config"])
        raise LookupError(f"There is no snapshot number {number}.")

    def record(self, config: Raw, note: str = "") -> Snapshot | None:
        """Keep `config` as the newest snapshot, unless it is the same as the newest; then prune."""
        snapshots = self.snapshots()
        before = self.settings_of(snapshots[0].number) if snapshots else None
        if before == config:
            return None
        what = changes_between(before, config).summary() if before is not None else "First saved settings"
        summary = f"{note}: {what[0].lower()}{what[1:]}" if note else what
        now = self._clock()
        number = snapshots[0].number + 1 if snapshots else 1
        path = self.folder / f"{number:06d}-{now:%Y%m%dT%H%M%SZ}.json"
        data = {"format": FORMAT_VERSION, "taken": now.isoformat(), "summary": summary, "config": config}
        with replaced_atomically(path) as out:
            json.dump(data, out, indent=1, ensure_ascii=False)
        self._prune([Snapshot(number, now, summary, path), *snapshots])
        return Snapshot(number, now, summary, path)

    def _prune(self, newest_first: list[Snapshot]) -> None:
        oldest_daily = (self._clock() - timedelta(days=KEEP_DAYS)).date()
        days_seen: set[object] = set()
        for index, snapshot in enumerate(newest_first):
            day = snapshot.taken.date()
            daily = day not in days_seen and day > oldest_daily
            days_seen.add(day)
            if index >= KEEP_RECENT and not daily:
                snapshot.path.unlink(missing_ok=True)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("config"), dict) and "summary" in data:
            _taken(data)
            return data
    except (OSError, ValueError, TypeError, KeyError) as error:
        log.warning("left out the settings snapshot %s, which could not be read: %s", path.name, error)
    return None


def _taken(data: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(data["taken"])).astimezone(UTC)


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(f"“{name}”" for name in names)
