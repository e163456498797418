"""The one door between the service thread and Qt.

Service events arrive on the service thread; `Bridge.deliver` queues them for the Qt thread,
where every typed signal below fires. Calls into the services go out through `Bridge.call`, and
their results come back through the same queue, in the order they happened.

Signals:
    services_ready(): the server side is built and `control` can be used.
    server_status_changed(ServerStatus): a server's state, stats or reason changed.
    server_tools_changed(str, tuple): a server's tools catalogue changed (name, ToolInfo...).
    server_output_arrived(str, tuple): new stderr lines from a server (name, lines).
    servers_changed(tuple): servers were added, removed, renamed or edited.
    notice_posted(Notice): something worth telling the user, even with the window hidden.
    call_failed(str, str): a service call failed (plain sentence, details).
    rpc_traffic_logged(tuple): new JSON-RPC log entries (RpcEntry...), in batches.
    audit_recorded(AuditRecord): a record was appended to the audit trail.
    secrets_changed(tuple): secrets were set or deleted (names only).
    model_library_changed(): models were added, removed, downloaded or made.
    memory_measured(MemorySnapshot): GPUs, RAM and this app's use, once a second.
    model_job_progressed(JobProgress): a load, download or quantization moved on or ended.
    model_state_changed(ModelState): a model was loaded or unloaded.
    rules_changed(): remembered consent rules or a server's consent choices changed.
    chat_list_changed(): chats were added, renamed or deleted.
    chat_message_changed(ChatMessage): a chat message was added or changed.
    chat_text_arrived(str, int, str): more of an answer being written (chat id, message id, text).
    chat_turn_changed(str, bool, str): a chat started or finished working (chat id, busy, status).
    context_measured(str, ContextUse): how much of the model's context a chat takes.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from desktop.catalogue.control import CatalogueControl
from desktop.core.audit_records import AuditControl
from desktop.core.consent import ConsentControl
from desktop.core.events import (
    AuditRecorded,
    Event,
    Notice,
    RpcTraffic,
    RulesChanged,
    SecretsChanged,
    ServerOutput,
    ServersChanged,
    ServerStatusChanged,
    ServerToolsChanged,
)
from desktop.core.problem import Problem
from desktop.core.rpc_log import RpcLogControl
from desktop.core.secret_refs import SecretsError
from desktop.core.secrets_control import SecretsControl
from desktop.core.settings import SettingsControl
from desktop.gateway.control import AppConfigControl, GatewayControl
from desktop.llm.chat.control import (
    ChatControl,
    ChatListChanged,
    ChatMessageChanged,
    ChatTextArrived,
    ChatTurnChanged,
    ContextMeasured,
)
from desktop.llm.models.control import (
    MemoryMeasured,
    ModelControl,
    ModelJobProgressed,
    ModelLibraryChanged,
    ModelStateChanged,
)
from desktop.servers.control import ServerControl
from desktop.servers.icon_control import IconControl
from desktop.servers.runtime_control import RuntimeControl
from desktop.servers.web_part_control import WebPartControl


@dataclass(frozen=True)
class Controls:
    """Everything the window may ask of the service side."""

    servers: ServerControl
    settings: SettingsControl
    rpc_log: RpcLogControl
    audit: AuditControl
    secrets: SecretsControl
    models: ModelControl
    consent: ConsentControl
    chats: ChatControl
    diagnose: Callable[[], Coroutine[Any, Any, str]]
    """`mcp-desk doctor`'s report, secrets masked, for the user to copy into a bug report."""
    catalogue: CatalogueControl | None = None
    runtimes: RuntimeControl | None = None
    icons: IconControl | None = None
    """Servers' and tools' icons; None shows names without them."""
    apps: AppConfigControl | None = None
    """MCP Desk's entry in the user's other AI apps' settings (the Other AI apps page)."""
    gateway: GatewayControl | None = None
    web_part: WebPartControl | None = None
    """Getting the web view part that shows tools' own views."""


Submit = Callable[[Coroutine[Any, Any, Any]], "concurrent.futures.Future[Any]"]
OnDone = Callable[[Any], None]
OnError = Callable[[Problem], None]
DRAIN_BUDGET = 0.008
"""The longest the Qt thread spends on arrived work before it lets a paint or a click in (seconds)."""


class Bridge(QObject):
    services_ready = Signal()
    server_status_changed = Signal(object)
    server_tools_changed = Signal(str, tuple)
    server_output_arrived = Signal(str, tuple)
    servers_changed = Signal(tuple)
    notice_posted = Signal(object)
    call_failed = Signal(str, str)
    rpc_traffic_logged = Signal(tuple)
    audit_recorded = Signal(object)
    secrets_changed = Signal(tuple)
    model_library_changed = Signal()
    memory_measured = Signal(object)
    model_job_progressed = Signal(object)
    model_state_changed = Signal(object)
    rules_changed = Signal()
    chat_list_changed = Signal()
    chat_message_changed = Signal(object)
    chat_text_arrived = Signal(str, int, str)
    chat_turn_changed = Signal(str, bool, str)
    context_measured = Signal(str, object)

    _work_arrived = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.control: ServerControl | None = None
        self.settings: SettingsControl | None = None
        self.rpc_log: RpcLogControl | None = None
        self.audit: AuditControl | None = None
        self.secrets: SecretsControl | None = None
        self.models: ModelControl | None = None
        self.consent: ConsentControl | None = None
        self.chats: ChatControl | None = None
        self.diagnose: Callable[[], Coroutine[Any, Any, str]] | None = None
        self.catalogue: CatalogueControl | None = None
        self.runtimes: RuntimeControl | None = None
        self.icons: IconControl | None = None
        self.apps: AppConfigControl | None = None
        self.gateway: GatewayControl | None = None
        self.web_part: WebPartControl | None = None
        self._submit: Submit | None = None
        self._arrived: deque[Callable[[], None]] = deque()
        self._arrived_lock = threading.Lock()
        self._wake_pending = False
        self._work_arrived.connect(self._on_work_arrived, Qt.ConnectionType.QueuedConnection)

    def attach(self, controls: Controls, submit: Submit) -> None:
        """Called on the Qt thread once the service side exists."""
        self.control = controls.servers
        self.settings = controls.settings
        self.rpc_log = controls.rpc_log
        self.audit = controls.audit
        self.secrets = controls.secrets
        self.models = controls.models
        self.consent = controls.consent
        self.chats = controls.chats
        self.diagnose = controls.diagnose
        self.catalogue = controls.catalogue
        self.runtimes = controls.runtimes
        self.icons = controls.icons
        self.apps = controls.apps
        self.gateway = controls.gateway
        self.web_part = controls.web_part
        self._submit = submit
        self.services_ready.emit()

    def when_ready(self, slot: Callable[[], None]) -> None:
        """Call `slot` once the services are attached: at once if they are already (a page built
        on its first visit comes after `services_ready`), else when `services_ready` fires."""
        self.services_ready.connect(slot)
        if self._submit is not None:
            slot()

    def attach_when_ready(self, controls: concurrent.futures.Future[Controls], submit: Submit) -> None:
        """Attach, on the Qt thread, once the service thread has built the services."""
        controls.add_done_callback(
            lambda f: self._post(
                partial(self._on_service_call_finished, f, lambda built: self.attach(built, submit), None)
            )
        )

    def update_settings(self, **changes: Any) -> None:
        """Change some of the app's settings and save them; before the services exist, nothing changes."""
        if self.settings is not None:
            self.call(self.settings.change_app_settings(changes))

    def deliver(self, event: Event) -> None:
        """An `EventBus` listener: safe to call from any thread."""
        self._post(partial(self._on_service_event, event))

    def _post(self, work: Callable[[], None]) -> None:
        """Queue `work` for the Qt thread, from any thread.

        The Qt thread is woken once for all that arrives until it looks: under load (8 apps calling
        through the gateway: ~400 audit records a second) each wake is a call into Python that must
        first win the GIL from the busy service thread, and each waits behind the one before.
        """
        with self._arrived_lock:
            self._arrived.append(work)
            wake, self._wake_pending = not self._wake_pending, True
        if wake:
            self._work_arrived.emit()

    def _on_work_arrived(self) -> None:
        """Do what arrived, in order, for at most `DRAIN_BUDGET`; the rest after what else is waiting.

        While items remain a wake stays posted, so a dialog's own event loop opened by one of them
        still sees the rest.
        """
        with self._arrived_lock:
            self._wake_pending = False
        deadline = time.perf_counter() + DRAIN_BUDGET
        while time.perf_counter() < deadline:
            with self._arrived_lock:
                if not self._arrived:
                    return
                work = self._arrived.popleft()
                wake = bool(self._arrived) and not self._wake_pending
                self._wake_pending = self._wake_pending or wake
            if wake:
                self._work_arrived.emit()
            work()

    def call(
        self,
        coro: Coroutine[Any, Any, Any],
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
    ) -> concurrent.futures.Future[Any] | None:
        """Run `coro` on the service loop; `on_done`/`on_error` run later on the Qt thread.

        Without `on_error`, a failure is announced through `call_failed`. Returns the call's
        future (None when it could not start): cancelling it cancels the call, and then neither
        `on_done` nor `on_error` runs.
        """
        if self._submit is None:
            coro.close()
            self.call_failed.emit(self.tr("MCP Desk is still starting. Try again in a moment."), "")
            return None
        try:
            future = self._submit(coro)
        except RuntimeError:  # the service loop has stopped: the app is on its way out
            coro.close()
            return None
        future.add_done_callback(
            lambda f: self._post(partial(self._on_service_call_finished, f, on_done, on_error))
        )
        return future

    def _on_service_call_finished(
        self, future: concurrent.futures.Future[Any], on_done: OnDone | None, on_error: OnError | None
    ) -> None:
        if future.cancelled():  # whoever cancelled it knows
            return
        try:
            result = future.result()
        except Problem as problem:
            self._report(problem, on_error)
            return
        except SecretsError as error:
            self._report(Problem(str(error)), on_error)
            return
        except Exception as exc:  # a bug on the service side must not take the window down
            sentence = self.tr(
                "Something went wrong inside MCP Desk. Try again; if it keeps happening, "
                "send the diagnostic report (Help menu) with the details below."
            )
            self._report(Problem(sentence, repr(exc)), on_error)
            return
        if on_done is not None:
            on_done(result)

    def _report(self, problem: Problem, on_error: OnError | None) -> None:
        if on_error is not None:
            on_error(problem)
        else:
            self.call_failed.emit(problem.message, problem.details)

    def _on_service_event(self, event: Event) -> None:
        match event:
            case ServerStatusChanged(status):
                self.server_status_changed.emit(status)
            case ServerToolsChanged(server, tools):
                self.server_tools_changed.emit(server, tools)
            case ServerOutput(server, lines):
                self.server_output_arrived.emit(server, lines)
            case ServersChanged(names):
                self.servers_changed.emit(names)
            case Notice():
                self.notice_posted.emit(event)
            case RpcTraffic(entries):
                self.rpc_traffic_logged.emit(entries)
            case AuditRecorded(record):
                self.audit_recorded.emit(record)
            case SecretsChanged(names):
                self.secrets_changed.emit(names)
            case ModelLibraryChanged():
                self.model_library_changed.emit()
            case MemoryMeasured(snapshot):
                self.memory_measured.emit(snapshot)
            case ModelJobProgressed(progress):
                self.model_job_progressed.emit(progress)
            case ModelStateChanged(state):
                self.model_state_changed.emit(state)
            case RulesChanged():
                self.rules_changed.emit()
            case ChatListChanged():
                self.chat_list_changed.emit()
            case ChatMessageChanged(message):
                self.chat_message_changed.emit(message)
            case ChatTextArrived(chat_id, message_id, text):
                self.chat_text_arrived.emit(chat_id, message_id, text)
            case ChatTurnChanged(chat_id, busy, status):
                self.chat_turn_changed.emit(chat_id, busy, status)
            case ContextMeasured(chat_id, use):
                self.context_measured.emit(chat_id, use)
