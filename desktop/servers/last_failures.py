"""Remote servers that failed in a way that lasts, remembered until they run again or change.

A remote server whose address was not found, that has no MCP server at its path or that turned
MCP Desk away would fail the same way at every launch. `LastFailures` keeps why, for which
launch (`ServerConfig.launch_hash`), in a small JSON file, so the next launch can say so and
leave the server alone until the user presses Start. An unreadable file is set aside and
forgotten: the worst that costs is one more try.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.core.atomic_file import replaced_atomically
from desktop.core.config import ServerConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LastFailure:
    reason: str
    """The sentence the user saw when it failed."""
    details: str
    launch_hash: str
    """The launch that failed; after an edit the failure no longer applies."""

    @property
    def held_back(self) -> str:
        """What a launch that did not try says instead."""
        return (
            f"{self.reason} That is how it failed last time, so MCP Desk did not start it this time. "
            "Press Start to try again."
        )


class LastFailures:
    """Each server's lasting failure, kept in `path` (with None, only while the app runs)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._failures = self._read()

    def of(self, server: str, config: ServerConfig) -> LastFailure | None:
        """How `server` failed last time, if it did with this very launch."""
        failure = self._failures.get(server)
        return failure if failure is not None and failure.launch_hash == config.launch_hash() else None

    def remember(self, server: str, config: ServerConfig, reason: str, details: str) -> None:
        self._failures[server] = LastFailure(reason, details, config.launch_hash())
        self._write()

    def forget(self, server: str) -> None:
        if self._failures.pop(server, None) is not None:
            self._write()

    def _read(self) -> dict[str, LastFailure]:
        if self._path is None or not self._path.exists():
            return {}
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            return {name: LastFailure(**entry) for name, entry in data.items()}
        except (OSError, ValueError, TypeError, AttributeError) as error:
            log.warning("set aside %s, which could not be read: %s", self._path, error)
            with contextlib.suppress(OSError):
                self._path.replace(self._path.with_suffix(".unreadable"))
            return {}

    def _write(self) -> None:
        if self._path is None:
            return
        data = {name: asdict(failure) for name, failure in self._failures.items()}
        try:
            with replaced_atomically(self._path) as out:
                json.dump(data, out, indent=2, ensure_ascii=False)
        except OSError as error:  # the next launch tries once more; nothing else depends on it
            log.warning("could not write %s: %s", self._path, error)
