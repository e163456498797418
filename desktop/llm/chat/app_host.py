"""The host's side of an MCP App view's JSON-RPC (`io.modelcontextprotocol/ui`), with no Qt.

The view posts messages to its parent; the web view hands each to `AppViewHost.handle`, on the
service loop, and posts back what it returns. The view gets the tool's input and result once it
says it is ready; its own `tools/call` may reach only its own server's tools, each through the
consent gate and the audit in the app's name (“The weather app wants to run …”), and so does every
link it asks to open. Anything else it asks is answered “not supported”, never ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from desktop.core.consent import CallContext
from desktop.core.problem import Problem
from desktop.llm.chat.control import CallStatus, ToolCard
from desktop.servers.control import ToolCallOutcome

PROTOCOL_VERSION = "2026-01-26"
ORIGIN = "app view"
"""The `CallContext.origin` of what a view asks (said in the audit trail)."""
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
REFUSED = -32000


class AppCalls(Protocol):
    """What a view's requests need of the servers' side (`ServerControl` has both)."""

    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome: ...

    async def allow_link(self, server: str, url: str, context: CallContext) -> bool: ...


@dataclass(frozen=True)
class HostReply:
    """What to do after one message from the view."""

    messages: tuple[dict[str, Any], ...] = ()
    """To post back to the view, in order."""
    open_url: str | None = None
    """A link the user allowed the view to open."""
    height: int | None = None
    """The height the view asked for."""


def app_label(server: str) -> str:
    """Who asks, as the consent question and the audit trail name a view: “The weather app”."""
    return f"The {server} app"


@dataclass
class AppViewHost:
    calls: AppCalls
    card: ToolCard
    chat_id: str | None = None
    chat_title: str = ""
    host_version: str = ""
    theme: str = "light"
    """The window's appearance, "light" or "dark", for the view to match."""

    @property
    def server(self) -> str:
        return self.card.tool.partition("__")[0]

    @property
    def context(self) -> CallContext:
        return CallContext(ORIGIN, self.chat_id, self.chat_title, app=app_label(self.server))

    async def handle(self, message: dict[str, Any]) -> HostReply:
        method = message.get("method")
        given = message.get("params")
        params: dict[str, Any] = given if isinstance(given, dict) else {}
        if "id" not in message:
            return self._notified(str(method), params)
        try:
            return _answer(message["id"], await self._request(str(method), params))
        except Problem as problem:
            return _failure(message["id"], REFUSED, problem.message)
        except _Unanswered as why:
            return _failure(message["id"], why.code, str(why))

    def _notified(self, method: str, params: dict[str, Any]) -> HostReply:
        if method == "ui/notifications/initialized":
            return HostReply(self.tool_notifications())
        if method == "ui/notifications/size-changed" and isinstance(params.get("height"), int | float):
            return HostReply(height=int(params["height"]))
        return HostReply()

    async def _request(self, method: str, params: dict[str, Any]) -> dict[str, Any] | HostReply:
        if method == "ui/initialize":
            return self.initialized()
        if method == "ping":
            return {}
        if method == "tools/call":
            return await self._call(params)
        if method == "ui/open-link":
            return await self._open(params)
        raise _Unanswered(METHOD_NOT_FOUND, f"MCP Desk does not offer “{method}” to app views.")

    def initialized(self) -> dict[str, Any]:
        return {
            "protocolVersion": PROTOCOL_VERSION,
            "hostInfo": {"name": "MCP Desk", "version": self.host_version},
            "hostCapabilities": {"openLinks": {}, "serverTools": {}},
            "hostContext": {
                "theme": self.theme,
                "displayMode": "inline",
                "availableDisplayModes": ["inline"],
                "toolInfo": {"id": self.card.call_id, "tool": {"name": self.card.tool.partition("__")[2]}},
            },
        }

    def tool_notifications(self) -> tuple[dict[str, Any], ...]:
        """The tool's input, then its result, as the view expects them once it is ready."""
        result: dict[str, Any] = {
            "content": [{"type": "text", "text": self.card.result}],
            "isError": self.card.status is not CallStatus.DONE,
        }
        if self.card.structured is not None:
            result["structuredContent"] = self.card.structured
        return (
            _notification("ui/notifications/tool-input", {"arguments": self.card.arguments or {}}),
            _notification("ui/notifications/tool-result", result),
        )

    async def _call(self, params: dict[str, Any]) -> dict[str, Any]:
        name, arguments = params.get("name"), params.get("arguments") or {}
        if not isinstance(name, str) or not name or not isinstance(arguments, dict):
            raise _Unanswered(INVALID_PARAMS, "tools/call needs a tool's name and its arguments.")
        outcome = await self.calls.call_tool(f"{self.server}__{name}", arguments, self.context)
        if outcome.denied:
            raise _Unanswered(REFUSED, outcome.text)
        content = list(outcome.content) or [{"type": "text", "text": outcome.text}]
        result: dict[str, Any] = {"content": content, "isError": not outcome.ok}
        if outcome.structured is not None:
            result["structuredContent"] = outcome.structured
        return result

    async def _open(self, params: dict[str, Any]) -> HostReply:
        url = params.get("url")
        if not isinstance(url, str):
            raise _Unanswered(INVALID_PARAMS, "ui/open-link needs a url.")
        if not await self.calls.allow_link(self.server, url, self.context):
            raise _Unanswered(REFUSED, "The user did not allow this link to open.")
        return HostReply(open_url=url)


class _Unanswered(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _notification(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": params}


def _answer(message_id: Any, result: dict[str, Any] | HostReply) -> HostReply:
    if isinstance(result, HostReply):
        answer = {"jsonrpc": "2.0", "id": message_id, "result": {}}
        return HostReply((answer, *result.messages), result.open_url, result.height)
    return HostReply(({"jsonrpc": "2.0", "id": message_id, "result": result},))


def _failure(message_id: Any, code: int, text: str) -> HostReply:
    return HostReply(({"jsonrpc": "2.0", "id": message_id, "error": {"code": code, "message": text}},))
