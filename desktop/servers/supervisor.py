"""Keeping one MCP server alive: start, watch, restart with backoff, stop.

A `Supervisor` lives on the service loop. It drives the SDK's `Client` over
`StdioTransport` (or Streamable HTTP), keeps the server's tools catalogue current and
tells the rest of the app what happened in sentences a user can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import anyio
from mcp import Client
from mcp.client._transport import Transport
from mcp.client.session import IncomingMessage

from desktop.core.config import ServerConfig
from desktop.core.events import (
    EventSink,
    Notice,
    ServerState,
    ServerStatus,
    ServerStatusChanged,
    Severity,
    ToolInfo,
    server_key,
)
from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcLog
from desktop.core.secrets import SecretVault
from desktop.servers.catalogue import icon_refs
from desktop.servers.control import ServerProblem
from desktop.servers.faults import describe
from desktop.servers.health import HealthWatch
from desktop.servers.last_failures import LastFailures
from desktop.servers.launch_secrets import with_secrets
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.oauth import BrowserOpener, find_sign_in_problem
from desktop.servers.output import OutputLog
from desktop.servers.remote import SignInBrowser, connect_remote
from desktop.servers.remote_failure import Unreachable, no_answer, unreachable
from desktop.servers.resource_watch import ResourceWatch
from desktop.servers.resources import ResourceChanged
from desktop.servers.restart_policy import DEFAULT_POLICY, Backoff, RestartPolicy
from desktop.servers.revisions import Revisions
from desktop.servers.runtime_control import RuntimePreparer
from desktop.servers.runtime_start import prepare_until_stopped
from desktop.servers.sandbox import sandboxed
from desktop.servers.sdk_client import new_client
from desktop.servers.server_requests import RequestCallbacks
from desktop.servers.tool_watch import ToolWatch
from desktop.servers.transport import StdioTransport
from desktop.servers.wire_tap import TappedHTTP, WireTap


@dataclass(frozen=True)
class Credentials:
    """How servers get in: keyring secrets, and sign-ins in the user's browser under a client ID."""

    vault: SecretVault
    browser: BrowserOpener
    client_metadata_url: str | None = None


@dataclass(frozen=True)
class RunEnd:
    reason: str
    details: str = ""
    retry: bool = True
    again: bool = False
    """Start again at once, unannounced: the server refused the revision it spoke last time."""


class Supervisor:
    def __init__(
        self,
        name: str,
        config: ServerConfig,
        events: EventSink,
        leftovers: LeftoverRegistry,
        rpc_log: RpcLog,
        redactor: Redactor,
        credentials: Credentials,
        policy: RestartPolicy = DEFAULT_POLICY,
        on_tools: Callable[[str, tuple[ToolInfo, ...]], None] | None = None,
        *,
        requests: RequestCallbacks | None = None,
        failures: LastFailures | None = None,
        revisions: Revisions | None = None,
        runtimes: RuntimePreparer | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.output = OutputLog(redactor)
        self._events = events
        self._leftovers = leftovers
        self._rpc_log = rpc_log
        self._redactor = redactor
        self._credentials = credentials
        self._handshake: anyio.CancelScope | None = None
        self._tap = WireTap(name, rpc_log)
        self._policy = policy
        self._health = HealthWatch(policy)
        self._on_tools = on_tools
        self._requests = requests
        self._failures = failures or LastFailures()
        self._revisions = revisions or Revisions()
        self._runtimes = runtimes
        self._http: TappedHTTP | None = None
        self._status = ServerStatus(
            name,
            ServerState.STOPPED,
            config.display_command(),
            enabled=config.enabled,
            remote=config.is_remote,
            needs_trust=not config.is_trusted,
        )
        self._client: Client | None = None
        self._transport: StdioTransport | None = None
        self._stop = anyio.Event()
        self._settled = anyio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._end = RunEnd("")
        self._tool_watch = ToolWatch(name, self._on_tools_changed)
        self.resource_watch = ResourceWatch(lambda uri: events.publish(ResourceChanged(name, uri)))

    @property
    def status(self) -> ServerStatus:
        return self._status

    @property
    def tools(self) -> tuple[ToolInfo, ...]:
        return self._tool_watch.tools

    @property
    def transport(self) -> StdioTransport | None:
        return self._transport

    @property
    def client(self) -> Client:
        if self._client is None or self._status.state is not ServerState.RUNNING:
            raise ServerProblem(f"“{self.name}” is not running. Start it first.")
        return self._client

    @property
    def active(self) -> bool:
        return self._runner is not None and not self._runner.done()

    async def start(self, once: bool = False) -> ServerStatus:
        """Start (if not already running) and return once the first attempt has settled;
        with `once`, a run that ends is not followed by another (a one-off check on the command line)."""
        if not self.active:
            self._stop = anyio.Event()
            self._settled = anyio.Event()
            backoff = Backoff(replace(self._policy, max_failures=1) if once else self._policy)
            run = self._run(backoff)
            self._runner = asyncio.get_running_loop().create_task(run, name=f"supervise {self.name}")
        await self._settled.wait()
        return self._status

    async def stop(self) -> None:
        self._stop.set()
        self.resource_watch.wanted.clear()
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner
        self._runner = None

    def publish(self, **changes: Any) -> None:
        if "state" in changes:  # a download's progress lasts until the state moves on
            changes.setdefault("progress", None)
        self._status = replace(self._status, **changes)
        self._events.publish(ServerStatusChanged(self._status))

    async def _run(self, backoff: Backoff) -> None:
        """Run, and after a run that ended on its own, wait and run again until stopped or given up."""
        restarts = 0
        try:
            while not self._stop.is_set():
                end, ran_for = await self._one_run(restarts)
                if end is None:
                    break
                if end.again:
                    continue
                delay = backoff.after_run(ran_for) if end.retry else None
                if delay is None:
                    self._give_up(end, backoff.failures)
                    return
                self.publish(
                    state=ServerState.RESTARTING,
                    reason=f"{end.reason} Restarting in {delay:.0f} s.",
                    details=end.details,
                    pid=None,
                    started_at=None,
                )
                self._settled.set()
                with anyio.move_on_after(delay):
                    await self._stop.wait()
                restarts += 1
            self.publish(
                state=ServerState.STOPPED,
                reason="",
                details="",
                pid=None,
                started_at=None,
                cpu_percent=0.0,
                memory_bytes=0,
            )
        finally:
            self._settled.set()

    async def _one_run(self, restarts: int) -> tuple[RunEnd | None, float]:
        """One start to one end: how it ended (None when stopped) and how many seconds it ran."""
        started = time.monotonic()
        self.publish(
            state=ServerState.STARTING if restarts == 0 else ServerState.RESTARTING,
            reason="",
            details="",
            restarts=restarts,
        )
        self._rpc_log.lifecycle(
            self.name,
            "Starting." if restarts == 0 else f"Restarting (attempt {restarts + 1}).",
            new_run=True,
        )
        end = await self._run_once()
        if self._stop.is_set():
            self._rpc_log.lifecycle(self.name, "Stopped.")
            return None, 0.0
        self._rpc_log.lifecycle(self.name, end.reason)
        return end, time.monotonic() - started

    def _give_up(self, end: RunEnd, failures: int) -> None:
        if not end.retry or failures == 1:  # with one try, no "times in a row" to tell
            self._fail(end.reason, end.details)
            if self.config.is_remote and not end.retry:  # it would fail the same way at the next launch
                self._failures.remember(self.name, self.config, end.reason, end.details)
            return
        fix = "Check that it is up" if self.config.is_remote else "Look at its output, fix the problem"
        self._fail(
            f"{end.reason} That happened {failures} times in a row, so MCP Desk stopped trying. "
            f"{fix}, then press Start.",
            end.details,
        )

    def _fail(self, reason: str, details: str) -> None:
        self._rpc_log.lifecycle(self.name, reason)
        self.publish(
            state=ServerState.FAILED,
            reason=reason,
            details=details,
            pid=None,
            started_at=None,
            cpu_percent=0.0,
            memory_bytes=0,
        )
        self._events.publish(
            Notice(f"{self.name} stopped", reason, details, Severity.ERROR, server_key(self.name))
        )

    async def _run_once(self) -> RunEnd:
        self._tool_watch.clear()
        try:
            if self._runtimes is not None and self.config.runtime is not None:
                await prepare_until_stopped(self._runtimes, self.config, self._installing, self._stop)
            if self._stop.is_set():
                return RunEnd("stopped by the user", retry=False)
            transport = self._connect(
                await with_secrets(self.config, self._credentials.vault, self._redactor)
            )
        except ServerProblem as problem:
            return RunEnd(problem.message, problem.details, retry=False)
        self._end = RunEnd(self._crash_reason("stopped unexpectedly."))
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._wait_stop, tasks.cancel_scope)
                tasks.start_soon(self._wait_exit, tasks.cancel_scope)
                await self._session(transport, tasks)
        except Exception as exc:  # whatever a broken server makes the SDK raise ends this run only
            return self._ended_by(exc)
        finally:
            self._client = None
            self.output.flush_pending_into(self._events, self.name)
        return self._end

    def _installing(self, sentence: str, fraction: float | None, /) -> None:
        if (sentence, fraction) != (self._status.reason, self._status.progress):
            self.publish(reason=sentence, progress=fraction)

    def _ended_by(self, exc: Exception) -> RunEnd:
        """How a run that raised `exc` ended, in words; causes that last are not retried."""
        if (sign_in := find_sign_in_problem(exc)) is not None:
            return RunEnd(sign_in.message, sign_in.details, retry=False)
        starting = self._status.state is not ServerState.RUNNING
        if starting and self._revisions.falls_back(self.name, self.config, exc):  # a refusal may end it too
            return RunEnd(f"“{self.name}” refused the revision it spoke last time.", again=True)
        if self._transport and self._transport.exited.is_set():
            return replace(self._end, details=describe(exc))
        why = self._unreachable(exc) if starting else None
        if why is not None:
            return RunEnd(why.reason, describe(exc), retry=not why.lasting)
        return RunEnd(self._crash_reason("stopped unexpectedly."), describe(exc))

    def _unreachable(self, exc: Exception) -> Unreachable | None:
        """Why a remote server could not be reached while connecting; None for a local one."""
        if self._http is None or self.config.url is None:
            return None
        return unreachable(self.name, self.config.url, exc, self._http.last_status)

    async def _session(self, transport: Transport, tasks: anyio.abc.TaskGroup) -> None:
        """Handshake, list tools, then serve until the task group is cancelled."""
        mode = self._revisions.mode(self.name, self.config)
        client = new_client(transport, self.config, mode, self._on_message, self._requests)
        with anyio.CancelScope(deadline=anyio.current_time() + self.config.init_timeout) as handshake:
            self._handshake = handshake
            async with client:
                self._client = client
                await tasks.start(self._tool_watch.listen, client)
                await self._tool_watch.refresh(client)
                handshake.deadline = math.inf
                pid = self._transport.pid if self._transport else None
                info = client.server_info
                self.publish(
                    state=ServerState.RUNNING,
                    reason="",
                    details="",
                    pid=pid,
                    started_at=time.time(),
                    title=(info.title or "") if info else "",
                    icons=icon_refs(info.icons) if info else (),
                )
                self._failures.forget(self.name)
                self._revisions.remember(self.name, self.config, client.protocol_version)
                where = f"process {pid}" if pid else self.config.url
                self._rpc_log.lifecycle(self.name, f"Running ({where}, protocol {client.protocol_version}).")
                self._settled.set()
                tasks.start_soon(self._tool_watch.keep_fresh, client)
                tasks.start_soon(self.resource_watch.keep, client)
                tasks.start_soon(self._watch_health, client, tasks.cancel_scope)
                await anyio.sleep_forever()
        if handshake.cancelled_caught:
            self._end = RunEnd(self._too_slow())
            tasks.cancel_scope.cancel()

    def _too_slow(self) -> str:
        limit = self.config.init_timeout
        if self.config.url:
            return no_answer(self.name, self.config.url, limit)
        return (
            f"“{self.name}” did not finish starting within {limit:.0f} seconds. "
            "It may be waiting for something, or it may not be an MCP server."
        )

    def _connect(self, config: ServerConfig) -> Transport:
        self._transport = self._http = None
        if config.url:
            browser = SignInBrowser(self.signing_in, self._credentials.browser)
            metadata_url = self._credentials.client_metadata_url
            remote = connect_remote(
                self.name, config, self._credentials.vault, browser, self._tap, self._redactor, metadata_url
            )
            self._http = remote.http
            return remote.transport
        launch = sandboxed(self.name, config)
        self._transport = StdioTransport(launch, self.output.append, self._leftovers, self._tap)
        return self._transport.open()

    def signing_in(self, url: str) -> None:
        """The user is about to sign in in the browser: no start-up time limit while they do."""
        if self._handshake is not None:
            self._handshake.deadline = math.inf
        host = urlsplit(url).hostname or url
        self._rpc_log.lifecycle(self.name, f"Signing in at {host}.")
        self._events.publish(
            Notice(
                f"Sign in to {self.name}",
                f"Your browser opens {host} so you can sign in to “{self.name}”. "
                f"If it does not open, go to this address: {url}",
                key=server_key(self.name),
            )
        )

    async def _wait_stop(self, scope: anyio.CancelScope) -> None:
        await self._stop.wait()
        self._end = RunEnd("stopped by the user", retry=False)
        scope.cancel()

    async def _wait_exit(self, scope: anyio.CancelScope) -> None:
        if self._transport is None:
            return
        await self._transport.exited.wait()
        running = self._status.state is ServerState.RUNNING
        self._end = RunEnd(
            self._crash_reason("stopped unexpectedly." if running else "stopped while starting.")
        )
        scope.cancel()

    async def _watch_health(self, client: Client, scope: anyio.CancelScope) -> None:
        await self._health.until_silent(client)
        self._end = RunEnd(f"“{self.name}” stopped answering, so MCP Desk restarted it.")
        scope.cancel()

    @contextlib.contextmanager
    def calling(self) -> Iterator[Client]:
        """The client, for one tool call; the health check does not judge the server meanwhile."""
        client = self.client
        self._health.call_started()
        try:
            yield client
        finally:
            self._health.call_ended()

    async def _on_message(self, message: IncomingMessage) -> None:
        await self._tool_watch.on_message(message)
        await self.resource_watch.on_message(message)

    def _on_tools_changed(self, tools: tuple[ToolInfo, ...]) -> None:
        self._status = replace(self._status, tool_count=len(tools))
        if self._on_tools is not None:
            self._on_tools(self.name, tools)

    def _crash_reason(self, what: str) -> str:
        code = self._transport.exit_code if self._transport else None
        suffix = f" (exit code {code})" if code not in (None, 0) else ""
        return f"“{self.name}” {what[:-1]}{suffix}."
