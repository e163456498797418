"""Reading and writing the settings file without ever losing it.

Saves are atomic (write a temp file, then rename) and keep the previous version as
`config.json.bak`, and a dated snapshot in the history (`ConfigHistory`). A file that can't be
read is moved aside, never overwritten, and the problem is reported in words a user can act on.
At load, servers that are in the newest snapshot but not in the file were removed by someone
else while MCP Desk was closed (the app's own removals are in its snapshots): `LoadResult.lost`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from desktop.core.atomic_file import replaced_atomically
from desktop.core.config import SCHEMA_VERSION, AppConfig
from desktop.core.config_history import ConfigHistory

log = logging.getLogger(__name__)
OUTSIDE_NOTE = "Changed outside MCP Desk"
MISSING_NOTE = "The settings file was missing"


@dataclass(frozen=True)
class ConfigProblem:
    """Why the settings file was not used as it was."""

    message: str
    details: str
    kept_at: Path | None


@dataclass(frozen=True)
class LostServers:
    """Servers someone else removed from the settings file while MCP Desk was closed."""

    names: tuple[str, ...]
    snapshot: int
    """The snapshot that still has them."""

    def sentence(self) -> str:
        listed = ", ".join(f"“{name}”" for name in self.names)
        return f"While MCP Desk was closed, another program or an update removed {listed} from its settings."


@dataclass(frozen=True)
class LoadResult:
    config: AppConfig
    problem: ConfigProblem | None
    created: bool
    """True when there was no settings file and the defaults were written."""
    lost: LostServers | None = None


def _v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 1 called "start with the app" `autostart` and stored timeouts in milliseconds."""
    for entry in raw.get("mcpServers", {}).values():
        if isinstance(entry, dict):
            if "autostart" in entry:
                entry["start_with_app"] = entry.pop("autostart")
            for key in ("init_timeout", "request_timeout"):
                if isinstance(entry.get(key), int | float):
                    entry[key] = entry[key] / 1000
    return raw


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


class ConfigStore:
    def __init__(
        self, path: Path, defaults: Callable[[], AppConfig], history: ConfigHistory | None = None
    ) -> None:
        self.path = path
        self.history = history
        self._defaults = defaults
        self._holding = False
        self._last_saved: AppConfig | None = None

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def load(self) -> LoadResult:
        if not self.path.exists():
            config = self._defaults()
            lost = self._compare_with_history(config, MISSING_NOTE)
            self.save(config)
            return LoadResult(config, None, created=True, lost=lost)
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("the file does not hold a JSON object")
            migrated = self._migrate(raw)
            config = AppConfig.model_validate(migrated)
        except (OSError, UnicodeDecodeError, ValueError, ValidationError) as exc:
            return self._recover(exc)
        lost = self._compare_with_history(config, OUTSIDE_NOTE)
        if migrated.get("schema_version") != raw.get("schema_version"):
            self.save(config)
        return LoadResult(config, None, created=False, lost=lost)

    def parse(self, raw: dict[str, Any]) -> AppConfig:
        """Settings as saved by any version of MCP Desk; a `ValueError` when they can't be used."""
        return AppConfig.model_validate(self._migrate(raw))

    def save(self, config: AppConfig) -> None:
        with replaced_atomically(self.path, keep_previous=self.backup_path) as out:
            out.write(config.to_json() + "\n")
        self._last_saved = config
        if not self._holding:
            self._snapshot(config, "")

    @contextmanager
    def one_snapshot(self, note: str) -> Iterator[None]:
        """Saves inside the block make one snapshot at its end, summed up after `note`."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            if self._last_saved is not None:
                self._snapshot(self._last_saved, note)

    def _snapshot(self, config: AppConfig, note: str) -> None:
        if self.history is None:
            return
        try:
            self.history.record(json.loads(config.to_json()), note)
        except OSError as error:  # the settings themselves are saved; the history catches up next time
            log.warning("could not keep a snapshot of the settings: %s", error)

    def _compare_with_history(self, config: AppConfig, note: str) -> LostServers | None:
        """Keep what is on disk as a snapshot when it differs from the newest; name servers it lost."""
        if self.history is None:
            return None
        newest = self.history.snapshots()[:1]
        before = self.history.settings_of(newest[0].number).get("mcpServers", {}) if newest else {}
        self._snapshot(config, note if newest else "")
        missing = tuple(sorted(set(before) - set(config.servers)))
        return LostServers(missing, newest[0].number) if missing else None

    def _migrate(self, raw: dict[str, Any]) -> dict[str, Any]:
        version = raw.get("schema_version", 1)
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise ValueError(f"it was written by a newer MCP Desk (settings version {version})")
        raw = dict(raw)
        while version < SCHEMA_VERSION:
            raw = MIGRATIONS[version](raw)
            version += 1
            raw["schema_version"] = version
        return raw

    def _recover(self, exc: Exception) -> LoadResult:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        self.path.replace(kept)
        config, source = self._from_backup()
        message = (
            f"MCP Desk could not read its settings file, so it started with {source}. "
            f"Nothing was deleted: the unreadable file was kept as “{kept.name}” in {kept.parent}."
        )
        self.save(config)
        return LoadResult(config, ConfigProblem(message, f"{type(exc).__name__}: {exc}", kept), created=False)

    def _from_backup(self) -> tuple[AppConfig, str]:
        try:
            raw = json.loads(self.backup_path.read_text(encoding="utf-8"))
            return self.parse(raw), "the previous saved settings"
        except (OSError, UnicodeDecodeError, ValueError, ValidationError, TypeError):
            return self._defaults(), "default settings"
