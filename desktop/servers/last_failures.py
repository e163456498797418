"""Remote servers that failed in a way that lasts, remembered until they run again or change.

A remote server whose address was not found, that has no MCP server at its path or that turned
MCP Desk away would fail the same way at every launch. `LastFailures` keeps why, for which
launch (`ServerConfig.launch_hash`), in a small JSON file, so the next launch can say so and
leave the server alone until the user presses Start. An unreadable file is set aside and
forgotten: the worst that costs is one more try.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.core.config import ServerConfig
from desktop.servers.server_memo import ServerMemo


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
        self._memo = ServerMemo(path, LastFailure)

    def of(self, server: str, config: ServerConfig) -> LastFailure | None:
        """How `server` failed last time, if it did with this very launch."""
        failure = self._memo.get(server)
        return failure if failure is not None and failure.launch_hash == config.launch_hash() else None

    def remember(self, server: str, config: ServerConfig, reason: str, details: str) -> None:
        self._memo.put(server, LastFailure(reason, details, config.launch_hash()))

    def forget(self, server: str) -> None:
        self._memo.pop(server)
