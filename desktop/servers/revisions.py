"""The protocol revision each server spoke last time, so that the next start begins with it.

The SDK's `Client` first asks `server/discover` (2026-07-28), and a server of an earlier revision
answers that with an error before the `initialize` handshake it does speak: one round trip more
at every start, and on a server behind OAuth, a sign-in started by the probe. A server that spoke
a handshake-era revision last time, with the same launch, starts with the handshake at once; if
it refuses it now, it is forgotten and asked again (`falls_back`). For 2026-07-28 the probe is the
handshake itself, so nothing is skipped. Kept in a small JSON file like `last_failures`; an
unreadable file is set aside and costs one probe.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from mcp import MCPError
from mcp.client.client import ConnectMode
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from desktop.core.atomic_file import replaced_atomically
from desktop.core.config import ServerConfig
from desktop.servers.health import SILENT_CODES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spoken:
    revision: str
    launch_hash: str
    """The launch that spoke it; another launch may be another program."""


class Revisions:
    """Each server's last protocol revision, kept in `path` (with None, only while the app runs)."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._spoken = self._read()

    def mode(self, server: str, config: ServerConfig) -> ConnectMode:
        """How `Client` should begin with `server`: the handshake it spoke last time, or the probe."""
        spoken = self._spoken.get(server)
        if spoken is None or spoken.launch_hash != config.launch_hash():
            return "auto"
        return "legacy" if spoken.revision in HANDSHAKE_PROTOCOL_VERSIONS else "auto"

    def remember(self, server: str, config: ServerConfig, revision: str) -> None:
        spoken = Spoken(revision, config.launch_hash())
        if self._spoken.get(server) != spoken:
            self._spoken[server] = spoken
            self._write()

    def forget(self, server: str) -> None:
        if self._spoken.pop(server, None) is not None:
            self._write()

    def falls_back(self, server: str, config: ServerConfig, exc: BaseException) -> bool:
        """After a start that failed with `exc` before running: True when it began with a remembered
        handshake that the server refused (an error answer, not silence). It is forgotten then, so
        the next start asks the server which revision it speaks."""
        if self.mode(server, config) != "legacy" or not _refused(exc):
            return False
        self.forget(server)
        return True

    def _read(self) -> dict[str, Spoken]:
        if self._path is None or not self._path.exists():
            return {}
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            return {name: Spoken(**entry) for name, entry in data.items()}
        except (OSError, ValueError, TypeError, AttributeError) as error:
            log.warning("set aside %s, which could not be read: %s", self._path, error)
            with contextlib.suppress(OSError):
                self._path.replace(self._path.with_suffix(".unreadable"))
            return {}

    def _write(self) -> None:
        if self._path is None:
            return
        data = {name: asdict(spoken) for name, spoken in self._spoken.items()}
        try:
            with replaced_atomically(self._path) as out:
                json.dump(data, out, indent=2, ensure_ascii=False)
        except OSError as error:  # the next start probes once more; nothing else depends on it
            log.warning("could not write %s: %s", self._path, error)


def _refused(exc: BaseException) -> bool:
    """Whether `exc` (or one in its groups) is the server's error answer, not a missing one."""
    if isinstance(exc, BaseExceptionGroup):
        return any(_refused(inner) for inner in exc.exceptions)
    return isinstance(exc, MCPError) and exc.code not in SILENT_CODES
