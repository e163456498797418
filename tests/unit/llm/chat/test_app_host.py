"""The host's side of an app view's JSON-RPC: what the view is told, what it may ask, and that each
of its calls and links goes through the servers' side in the app's name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from desktop.core.consent import CallContext
from desktop.core.events import ToolInfo
from desktop.llm.backends.backend import ToolCallRequest
from desktop.llm.chat.app_host import METHOD_NOT_FOUND, REFUSED, AppViewHost, app_label
from desktop.llm.chat.cards import new_card
from desktop.llm.chat.control import CallStatus, ToolCard
from desktop.servers.control import ToolCallOutcome

pytestmark = pytest.mark.anyio

CARD = ToolCard(
    "call_1",
    "board__show_board",
    {"city": "Oslo"},
    CallStatus.DONE,
    result="Sunny in Oslo.",
    structured={"temp": 21},
    app_view="ui://board/view.html",
)


@dataclass
class Servers:
    """Answers as the servers' side would: allows what `allow` says, and remembers what was asked."""

    allow: bool = True
    asked: list[tuple[str, dict[str, Any], CallContext]] = field(default_factory=list)
    links: list[tuple[str, str, CallContext]] = field(default_factory=list)

    async def call_tool(
        self, qualified: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome:
        self.asked.append((qualified, arguments, context))
        server, _, tool = qualified.partition("__")
        if not self.allow:
            return ToolCallOutcome(server, tool, False, "You did not allow this call.", denied=True)
        return ToolCallOutcome(
            server, tool, True, "Recorded.", content=({"type": "text", "text": "Recorded."},)
        )

    async def allow_link(self, server: str, url: str, context: CallContext) -> bool:
        self.links.append((server, url, context))
        return self.allow


async def test_initialize_then_the_view_gets_the_tools_input_and_result() -> None:
    host = AppViewHost(Servers(), CARD, "chat-1")
    reply = await host.handle({"jsonrpc": "2.0", "id": 1, "method": "ui/initialize", "params": {}})
    assert reply.messages[0]["id"] == 1
    assert reply.messages[0]["result"]["hostInfo"]["name"] == "MCP Desk"
    assert reply.messages[0]["result"]["hostContext"]["theme"] == "light"
    ready = await host.handle({"jsonrpc": "2.0", "method": "ui/notifications/initialized"})
    (tool_input, tool_result) = ready.messages
    assert tool_input["method"] == "ui/notifications/tool-input"
    assert tool_input["params"] == {"arguments": {"city": "Oslo"}}
    assert tool_result["params"]["content"] == [{"type": "text", "text": "Sunny in Oslo."}]
    assert tool_result["params"]["structuredContent"] == {"temp": 21}
    assert tool_result["params"]["isError"] is False


async def test_a_views_call_goes_to_its_own_server_in_the_apps_name() -> None:
    servers = Servers()
    host = AppViewHost(servers, CARD, "chat-1")
    message = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "record_visit"}}
    reply = await host.handle({**message, "params": {"name": "record_visit", "arguments": {"note": "hi"}}})
    assert reply.messages[0]["result"]["content"] == [{"type": "text", "text": "Recorded."}]
    ((qualified, arguments, context),) = servers.asked
    assert qualified == "board__record_visit"
    assert arguments == {"note": "hi"}
    assert context.app == app_label("board") == "The board app"
    assert context.origin == "app view"
    assert context.chat_id == "chat-1"


async def test_a_refused_call_is_an_error_the_view_can_read() -> None:
    host = AppViewHost(Servers(allow=False), CARD)
    reply = await host.handle({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "x"}})
    assert reply.messages[0]["error"] == {"code": REFUSED, "message": "You did not allow this call."}


async def test_a_link_opens_only_when_allowed() -> None:
    servers = Servers()
    message = {"jsonrpc": "2.0", "id": 3, "method": "ui/open-link", "params": {"url": "https://example.org"}}
    allowed = await AppViewHost(servers, CARD).handle(message)
    assert allowed.open_url == "https://example.org"
    assert allowed.messages[0]["result"] == {}
    assert servers.links[0][:2] == ("board", "https://example.org")
    refused = await AppViewHost(Servers(allow=False), CARD).handle(message)
    assert refused.open_url is None
    assert refused.messages[0]["error"]["code"] == REFUSED


async def test_what_mcp_desk_does_not_offer_is_answered_not_ignored() -> None:
    host = AppViewHost(Servers(), CARD)
    reply = await host.handle({"jsonrpc": "2.0", "id": 4, "method": "ui/message", "params": {}})
    assert reply.messages[0]["error"]["code"] == METHOD_NOT_FOUND
    sized = await host.handle(
        {"jsonrpc": "2.0", "method": "ui/notifications/size-changed", "params": {"height": 240}}
    )
    assert sized.height == 240 and not sized.messages


def test_the_models_card_for_a_tool_with_a_view_carries_the_view() -> None:
    tool = ToolInfo("board", "show_board", "Show it.", app_view="ui://board/view.html")
    card = new_card(ToolCallRequest("c1", "board__show_board", {"city": "Oslo"}), {tool.qualified_name: tool})
    assert card.app_view == "ui://board/view.html"
