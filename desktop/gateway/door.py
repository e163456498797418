"""One app's door: an MCP server (the SDK's low-level `Server` over Streamable HTTP) that shows
the app the tools of the servers it was granted and sends each call through the consent gate.

Tools keep the names the chat uses (`<server>__<tool>`), with titles, descriptions and schemas
as the servers gave them. A name outside the app's grant is answered as a tool that is not
there, saying nothing of what else MCP Desk runs. Both protocol revisions are served: the
2025-11-25 handshake with a session (`notifications/tools/list_changed` on its standalone
stream) and 2026-07-28's single requests (the same change on a `subscriptions/listen` stream).
Each request is answered with one JSON body rather than an event stream of its own: one write per
answer halves a call's time over HTTP, and what the server sends in the middle of a call (its
progress) travels on the session's own stream instead. A 2026-07-28 request has no session: one
that asks for progress (a `progressToken`) and takes an event stream is answered on a stream of its
own, which carries the progress and then the answer.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Collection
from typing import Any, Protocol

import anyio
import mcp_types as types
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.session import ServerSession
from mcp.server.streamable_http import MCP_SESSION_ID_HEADER
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from mcp.shared.subscriptions import PromptsListChanged, ResourcesListChanged, ToolsListChanged
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.types import Message, Receive, Scope, Send

from desktop.core.consent import AnswerStopped, CallContext, ProgressSink
from desktop.core.events import ServerState, ServerStatus, ToolInfo
from desktop.core.problem import Problem
from desktop.core.rpc_log import RpcLog
from desktop.gateway.app_content import AppContent, ContentHost
from desktop.gateway.app_names import app_label
from desktop.gateway.app_wire import TappedDoor
from desktop.servers.control import ToolCallOutcome
from desktop.servers.wire_tap import WireTap

log = logging.getLogger(__name__)

GATEWAY_ORIGIN = "another app"
"""What the audit's `origin` says of a call that came through the gateway (its `app` says which)."""


class ToolHost(ContentHost, Protocol):
    """Who runs the tools and holds the servers' resources and prompts: the `ServerManager`."""

    def statuses(self) -> list[ServerStatus]: ...
    def tools(self, server: str | None = None) -> list[ToolInfo]: ...
    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome: ...


class _DoorServer(Server[dict[str, Any]]):
    """Says, on the 2025 handshake, that it announces tool, prompt and resource list changes (it does)."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        options = notification_options or NotificationOptions(True, True, True)
        return super().create_initialization_options(options, experimental_capabilities, extensions)


class AppDoor:
    """What `app` sees. `granted` reads its servers afresh each time (the user may change them)."""

    def __init__(
        self, app: str, host: ToolHost, granted: Callable[[], Collection[str]], rpc_log: RpcLog
    ) -> None:
        self.app = app
        self.label = app_label(app)
        self._host = host
        self._granted = granted
        self._open: set[str] = set()
        """The ids of this app's open sessions, as the answers that opened them said."""
        self._sessions: dict[str, ServerSession] = {}
        """A way to reach each session that has sent more than its `initialize`."""
        self._bus = InMemorySubscriptionBus()
        self._listen = ListenHandler(self._bus)
        self._content = AppContent(
            host, self._serving, CallContext(origin=GATEWAY_ORIGIN, app=self.label, app_id=app)
        )
        server = _DoorServer(
            "mcp-desk",
            version="0.1.0",
            title="MCP Desk",
            instructions=f"The tools {self.label} may use through MCP Desk; a call may ask the user first.",
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_subscriptions_listen=self._listen,
            on_list_prompts=lambda ctx, params: self._content.list_prompts(),
            on_get_prompt=lambda ctx, params: self._content.get_prompt(params.name, params.arguments or {}),
            on_list_resources=lambda ctx, params: self._content.list_resources(),
            on_list_resource_templates=lambda ctx, params: self._content.list_templates(),
            on_read_resource=lambda ctx, params: self._content.read_resource(params.uri),
            on_completion=lambda ctx, params: self._content.complete(params),
        )
        server.middleware.append(self._note_session)
        self._sessions_manager = StreamableHTTPSessionManager(server, json_response=True)
        self._streams_manager = StreamableHTTPSessionManager(server, json_response=False)
        """For 2026-07-28 requests that asked for progress: answered on an event stream."""
        self.asgi = TappedDoor(self._handle, WireTap(f"gateway:{app}", rpc_log))
        self._stop = anyio.Event()
        self._stopped = anyio.Event()

    @property
    def connected(self) -> bool:
        """A 2025 session from this app is open (2026-07-28 requests stand alone)."""
        return bool(self._open)

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Serve until `close`; for `TaskGroup.start`."""
        try:
            async with self._sessions_manager.run(), self._streams_manager.run():
                task_status.started()
                await self._stop.wait()
                self._listen.close()
        finally:
            self._open.clear()
            self._sessions.clear()
            self._stopped.set()

    async def close(self) -> None:
        """End every session of this app (its requests in flight are cancelled)."""
        self._stop.set()
        await self._stopped.wait()

    async def tools_changed(self, content_too: bool = True) -> None:
        """Tell the app's sessions and listen streams that its tools changed, and (`content_too`, when
        a server started or stopped or the grant changed) its prompts and resources."""
        await self._bus.publish(ToolsListChanged())
        if content_too:
            self._content.forget()
            await self._bus.publish(PromptsListChanged())
            await self._bus.publish(ResourcesListChanged())
        for session_id, session in list(self._sessions.items()):
            try:
                await session.send_tool_list_changed()
                if content_too:
                    await session.send_prompt_list_changed()
                    await session.send_resource_list_changed()
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                self._ended(session_id)

    def visible_tools(self) -> list[ToolInfo]:
        """The tools of the granted servers that are running now; never one only its app view may call."""
        serving = set(self._serving())
        return [tool for tool in self._host.tools() if tool.server in serving and tool.for_model]

    def _serving(self) -> list[str]:
        """The granted servers that are running now, in the grant's order."""
        running = {s.name for s in self._host.statuses() if s.state is ServerState.RUNNING}
        return [name for name in self._granted() if name in running]

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The SDK's session manager, noting which sessions it opened and which ended (DELETE, or unknown)."""
        session_id = _header(scope, MCP_SESSION_ID_HEADER)

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 404 and session_id:
                    self._ended(session_id)
                opened = dict(message.get("headers", [])).get(MCP_SESSION_ID_HEADER.lower().encode())
                if message["status"] < 400 and opened:
                    self._open.add(opened.decode("latin-1"))
            await send(message)

        if _single_request(scope):
            receive, progress = await _asks_for_progress(receive)
            if progress:
                await self._streams_manager.handle_request(scope, receive, send)
                return
        await self._sessions_manager.handle_request(scope, receive, watched)
        if scope["method"] == "DELETE" and session_id:
            self._ended(session_id)

    def _ended(self, session_id: str) -> None:
        self._open.discard(session_id)
        self._sessions.pop(session_id, None)

    async def _note_session(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        request = ctx.request
        session_id = request.headers.get(MCP_SESSION_ID_HEADER) if request is not None else None
        if session_id in self._open:
            self._sessions[session_id] = ctx.session
        return await call_next(ctx)

    async def _list_tools(
        self, ctx: ServerRequestContext[dict[str, Any]], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_wire_tool(tool) for tool in self.visible_tools()])

    async def _call_tool(
        self, ctx: ServerRequestContext[dict[str, Any]], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        if not any(tool.qualified_name == params.name for tool in self.visible_tools()):
            return _failed(f"There is no tool called “{params.name}” here. Ask for the list of tools again.")
        context = CallContext(
            origin=GATEWAY_ORIGIN, app=self.label, progress=_progress_to(ctx), app_id=self.app
        )
        try:
            outcome = await self._host.call_tool(params.name, dict(params.arguments or {}), context)
        except AnswerStopped:
            return _failed("The user stopped this call, so it was not run.")
        except Problem as problem:
            return _failed(problem.message)
        return _result(outcome)


def _single_request(scope: Scope) -> bool:
    """A 2026-07-28 POST that takes an event stream for its answer (the app's `Accept` says so)."""
    version = _header(scope, MCP_PROTOCOL_VERSION_HEADER)
    accept = _header(scope, "accept") or ""
    return (
        scope["method"] == "POST"
        and version is not None
        and version not in HANDSHAKE_PROTOCOL_VERSIONS
        and "text/event-stream" in accept
    )


async def _asks_for_progress(receive: Receive) -> tuple[Receive, bool]:
    """Whether the posted request carries a `progressToken`, and a `receive` that hands its body on."""
    body = bytearray()
    first: Message = {"type": "http.request", "body": b"", "more_body": True}
    while first.get("more_body", False):
        first = await receive()
        if first["type"] != "http.request":
            return _replayed(first, receive), False
        body.extend(first.get("body", b""))
    whole: Message = {"type": "http.request", "body": bytes(body), "more_body": False}
    return _replayed(whole, receive), b"progressToken" in body and _progress_token(bytes(body)) is not None


def _progress_token(body: bytes) -> object:
    with contextlib.suppress(ValueError, AttributeError):
        return json.loads(body).get("params", {}).get("_meta", {}).get("progressToken")
    return None


def _replayed(message: Message, receive: Receive) -> Receive:
    """`receive`, with `message` handed out first."""
    waiting = [message]

    async def replay() -> Message:
        return waiting.pop() if waiting else await receive()

    return replay


def _progress_to(ctx: ServerRequestContext[dict[str, Any]]) -> ProgressSink | None:
    """The server's progress, relayed to the app where it asked for it (a `progressToken`): on a 2025
    session's own stream (its answers are single JSON bodies), or on a 2026-07-28 request's own
    event stream."""
    token = (ctx.meta or {}).get("progress_token")
    if token is None:
        return None
    single = ctx.protocol_version not in HANDSHAKE_PROTOCOL_VERSIONS

    async def relay(progress: float, total: float | None, message: str | None) -> None:
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            if single:
                await ctx.session.report_progress(progress, total, message)
            else:
                await ctx.session.send_progress_notification(token, progress, total, message)

    return relay


def _wire_tool(tool: ToolInfo) -> types.Tool:
    fields: dict[str, Any] = {
        "name": tool.qualified_name,
        "title": tool.title,
        "description": tool.description,
        "inputSchema": tool.input_schema or {"type": "object"},
        "outputSchema": tool.output_schema,
        "annotations": tool.annotations or None,
    }
    return types.Tool.model_validate({key: value for key, value in fields.items() if value is not None})


def _result(outcome: ToolCallOutcome) -> types.CallToolResult:
    if not outcome.content:
        return _failed(outcome.text) if not outcome.ok else _text(outcome.text, False)
    wire: dict[str, Any] = {"content": list(outcome.content), "isError": not outcome.ok}
    if outcome.structured is not None:
        wire["structuredContent"] = outcome.structured
    with contextlib.suppress(ValueError):
        return types.CallToolResult.model_validate(wire)
    return _text(outcome.text, not outcome.ok)


def _failed(sentence: str) -> types.CallToolResult:
    return _text(sentence, True)


def _text(text: str, failed: bool) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=failed)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    return next((value.decode("latin-1") for key, value in scope["headers"] if key == wanted), None)
