"""Small typed events that services publish and the UI (or the CLI) listens to.

Publishers call `EventBus.publish` from whatever thread they run on; listeners are
called on that same thread, so a listener that touches widgets must hop threads
itself (`ui/bridge.py` does).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from desktop.core.audit_records import AuditRecord
    from desktop.core.rpc_log import RpcEntry

log = logging.getLogger(__name__)


class ServerState(Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class IconRef:
    """An icon a server offers for itself or a tool (MCP 2025-11-25): where, and what it says it is."""

    src: str
    mime_type: str = ""
    sizes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolInfo:
    server: str
    name: str
    description: str
    input_schema: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    annotations: dict[str, Any] = field(default_factory=dict)
    output_schema: dict[str, Any] | None = None
    icons: tuple[IconRef, ...] = ()
    """Not part of `definition_hash`: a picture does not change what the tool does."""
    app_view: str | None = None
    """The `ui://` address of the tool's MCP App view (`_meta.ui.resourceUri`), shown in its card."""
    visibility: tuple[str, ...] = ()
    """Who may call it (`_meta.ui.visibility`: "model", "app"); empty means both."""
    task_support: str | None = None
    """Whether a 2025-11-25 server runs it as a task (`execution.taskSupport`: "required", "optional")."""

    @property
    def for_model(self) -> bool:
        """False for a tool only its own app view may call: never offered to a model or another app."""
        return not self.visibility or "model" in self.visibility

    @property
    def qualified_name(self) -> str:
        """How the rest of the app (and the model) names it: `<server>__<tool>`."""
        return f"{self.server}__{self.name}"

    @cached_property
    def definition_hash(self) -> str:
        """Fingerprint of what the user approves: name, title, description, schemas, annotations."""
        definition = {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "input_schema": self.input_schema,
            "output_schema": self.output_schema,
            "annotations": self.annotations,
        }
        canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ServerStatus:
    """A snapshot of one server as a user would describe it."""

    name: str
    state: ServerState
    display_command: str
    reason: str = ""
    """A plain sentence: why it failed or what it is waiting for."""
    details: str = ""
    """The technical story behind `reason`, one click away in the UI."""
    progress: float | None = None
    """How much of a runtime's download before the start is done (0 to 1); None when none is under way."""
    pid: int | None = None
    started_at: float | None = None
    """Wall-clock time of the current run's start (for uptime)."""
    restarts: int = 0
    tool_count: int = 0
    cpu_percent: float = 0.0
    memory_bytes: int = 0
    enabled: bool = True
    needs_trust: bool = False
    remote: bool = False
    title: str = ""
    """The name the server gives itself for people, where it gives one."""
    icons: tuple[IconRef, ...] = ()


@dataclass(frozen=True)
class ServerStatusChanged:
    status: ServerStatus


@dataclass(frozen=True)
class ServerToolsChanged:
    server: str
    tools: tuple[ToolInfo, ...]


@dataclass(frozen=True)
class ServerOutput:
    """New lines from a server's stderr, and MCP Desk's notes about what it did wrong."""

    server: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ServersChanged:
    """The list of configured servers changed (added, removed, renamed or edited)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class SecretsChanged:
    """A secret was set, changed or deleted (names only, never values)."""

    names: tuple[str, ...]


class Severity(Enum):
    """How much a notice matters: it picks the icon the user sees beside it."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def server_key(name: str) -> str:
    """The `Notice.key` of news about server `name`: cleared once that server runs again."""
    return f"server:{name}"


@dataclass(frozen=True)
class Notice:
    """Something the user should hear about even with the window hidden."""

    title: str
    message: str
    details: str = ""
    severity: Severity = Severity.INFO
    key: str = ""
    """What the notice is about (`server_key(name)`, …), so it can be withdrawn once resolved;
    a newer notice with the same key replaces it. Empty: it stays until the user dismisses it."""


@dataclass(frozen=True)
class RpcTraffic:
    """New JSON-RPC log entries, in order, a few times a second."""

    entries: tuple[RpcEntry, ...]


@dataclass(frozen=True)
class AuditRecorded:
    record: AuditRecord


@dataclass(frozen=True)
class RulesChanged:
    """Remembered consent rules or a server's standing consent choices changed."""


class ModelEvent:
    """Base of the model side's events (`desktop.llm.models.control`), which core can't name."""


Event = (
    ServerStatusChanged
    | ServerToolsChanged
    | ServerOutput
    | ServersChanged
    | SecretsChanged
    | Notice
    | RpcTraffic
    | AuditRecorded
    | RulesChanged
    | ModelEvent
)


class EventSink(Protocol):
    def publish(self, event: Event) -> None: ...


class EventBus:
    """Fan-out of events to listeners; safe to publish from any thread."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[Event], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed on %s", type(event).__name__)
