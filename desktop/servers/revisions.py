"""The protocol revision each server spoke last time, so that the next start begins with it.

The SDK's `Client` first asks `server/discover` (2026-07-28), and a server of an earlier revision
answers that with an error before the `initialize` handshake it does speak: one round trip more
at every start, and on a server behind OAuth, a sign-in started by the probe. A server that spoke
a handshake-era revision last time, with the same launch, starts with the handshake at once; if
it refuses it now, it is forgotten and asked again (`falls_back`). For 2026-07-28 the probe is the
handshake itself, so nothing is skipped. Kept in a `ServerMemo`; an unreadable file costs one probe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mcp import MCPError
from mcp.client.client import ConnectMode
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from desktop.core.config import ServerConfig
from desktop.servers.health import SILENT_CODES
from desktop.servers.server_memo import ServerMemo


@dataclass(frozen=True)
class Spoken:
    revision: str
    launch_hash: str
    """The launch that spoke it; another launch may be another program."""


class Revisions:
    """Each server's last protocol revision, kept in `path` (with None, only while the app runs)."""

    def __init__(self, path: Path | None = None) -> None:
        self._memo = ServerMemo(path, Spoken)

    def mode(self, server: str, config: ServerConfig) -> ConnectMode:
        """How `Client` should begin with `server`: the handshake it spoke last time, or the probe."""
        spoken = self._memo.get(server)
        if spoken is None or spoken.launch_hash != config.launch_hash():
            return "auto"
        return "legacy" if spoken.revision in HANDSHAKE_PROTOCOL_VERSIONS else "auto"

    def remember(self, server: str, config: ServerConfig, revision: str) -> None:
        self._memo.put(server, Spoken(revision, config.launch_hash()))

    def forget(self, server: str) -> None:
        self._memo.pop(server)

    def falls_back(self, server: str, config: ServerConfig, exc: BaseException) -> bool:
        """After a start that failed with `exc` before running: True when it began with a remembered
        handshake that the server refused (an error answer, not silence). It is forgotten then, so
        the next start asks the server which revision it speaks."""
        if self.mode(server, config) != "legacy" or not _refused(exc):
            return False
        self.forget(server)
        return True


def _refused(exc: BaseException) -> bool:
    """Whether `exc` (or one in its groups) is the server's error answer, not a missing one."""
    if isinstance(exc, BaseExceptionGroup):
        return any(_refused(inner) for inner in exc.exceptions)
    return isinstance(exc, MCPError) and exc.code not in SILENT_CODES
