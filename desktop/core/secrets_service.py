"""What the Secrets page and the CLI may do with secrets: list, reveal, set and delete.

Values never leave this module except to the caller that asked to reveal one and to the
server launch that needs it; records and events carry names only. Keyring calls block,
so they run in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from desktop.core.audit_records import AuditKind, AuditWriter
from desktop.core.events import EventSink, SecretsChanged
from desktop.core.redact import Redactor
from desktop.core.secret_refs import SecretsError, check_name
from desktop.core.secrets import SecretStore
from desktop.core.secrets_control import BackendCheck, SecretInfo

HIDDEN_PREFIX = "oauth."
"""Names MCP Desk keeps for itself (sign-in tokens of remote servers); not listed, not editable."""


class SecretInUse(SecretsError):
    """Deleting this secret would break servers; the caller must confirm with `breaking=True`."""

    def __init__(self, name: str, servers: tuple[str, ...]) -> None:
        listed = ", ".join(f"“{s}”" for s in servers)
        super().__init__(
            f"“{name}” is used by {listed}. Without it {'that server' if len(servers) == 1 else 'they'} "
            "will not start until you set it again."
        )
        self.servers = servers


class SecretsService:
    def __init__(
        self,
        store: SecretStore,
        audit: AuditWriter,
        events: EventSink,
        redactor: Redactor,
        users: Callable[[], dict[str, list[str]]],
    ) -> None:
        self._store = store
        self._audit = audit
        self._events = events
        self._redactor = redactor
        self._users = users

    @property
    def check(self) -> BackendCheck:
        return self._store.check

    async def secrets(self) -> list[SecretInfo]:
        """Every secret held or referred to, by name."""
        users = self._users()
        held = set(await asyncio.to_thread(self._store.names))
        names = sorted((held | set(users)) - {n for n in held if n.startswith(HIDDEN_PREFIX)}, key=str.lower)
        return [SecretInfo(name, name in held, tuple(sorted(users.get(name, ())))) for name in names]

    async def reveal(self, name: str) -> str:
        value = await asyncio.to_thread(self._store.get, name)
        if value is None:
            raise SecretsError(f"There is no secret called “{name}”.")
        return value

    async def set(self, name: str, value: str) -> None:
        _check_own(name)
        existed = await asyncio.to_thread(self._store.get, name) is not None
        await asyncio.to_thread(self._store.set, name, value)
        self._redactor.add(value)
        await self._audit.record(AuditKind.SECRET_ADDED, {"secret": name, "replaced": existed})
        self._events.publish(SecretsChanged((name,)))

    async def delete(self, name: str, breaking: bool = False) -> None:
        _check_own(name)
        servers = tuple(sorted(self._users().get(name, ())))
        if servers and not breaking:
            raise SecretInUse(name, servers)
        await asyncio.to_thread(self._store.delete, name)
        await self._audit.record(AuditKind.SECRET_REMOVED, {"secret": name, "used_by": list(servers)})
        self._events.publish(SecretsChanged((name,)))


def _check_own(name: str) -> None:
    check_name(name)
    if name.startswith(HIDDEN_PREFIX):
        raise SecretsError(f"Names starting with “{HIDDEN_PREFIX}” are kept for MCP Desk's own sign-ins.")
