"""A tool's MCP App view as MCP Desk reads it, and the fence around it: the CSP and which requests
may leave the view. The view's resource is read from the real fixture server (`app_view.py`)."""

from __future__ import annotations

import pytest
from mcp import Client

from desktop.core.events import ToolInfo
from desktop.llm.chat.tool_offer import OfferMemory
from desktop.servers.app_views import (
    AppDomains,
    NoAppView,
    app_resource,
    content_security_policy,
    declared_domains,
    may_load,
    with_policy,
)
from desktop.servers.catalogue import tool_info
from desktop.servers.content_from_sdk import read_result
from desktop.servers.resources import ResourceContent, ResourceRead
from tests.fixtures.servers.app_view import DECLARED, TOO_WIDE, VIEW, build_server

pytestmark = pytest.mark.anyio


async def test_the_fixture_servers_tools_and_view_are_read_with_their_declared_domains() -> None:
    async with Client(build_server()) as client:
        tools = {tool.name: tool_info("board", tool) for tool in (await client.list_tools()).tools}
        read = read_result("board", VIEW, await client.read_resource(VIEW))
    assert tools["show_board"].app_view == VIEW
    assert tools["show_board"].for_model
    assert tools["record_visit"].visibility == ("app",)
    assert not tools["record_visit"].for_model
    resource = app_resource(read)
    assert resource.domains.connect == (DECLARED,)
    assert resource.domains.dropped == (TOO_WIDE,)
    assert "Weather board" in resource.html


def test_an_app_only_tool_is_never_offered_to_the_model() -> None:
    shown = ToolInfo("board", "show_board", "Show it.", app_view=VIEW)
    app_only = ToolInfo("board", "record_visit", "Record it.", app_view=VIEW, visibility=("app",))
    made = OfferMemory().offer("chat", [shown, app_only], "weather", 8192)
    assert [tool.name for tool in made.tools] == ["show_board"]


def test_without_declared_domains_the_view_may_reach_nothing_outside_itself() -> None:
    policy = content_security_policy(AppDomains())
    assert "default-src 'none'" in policy
    assert "connect-src 'none'" in policy
    assert "frame-src 'none'" in policy
    assert not may_load("https://api.weather.example/now", AppDomains())
    assert not may_load("file:///etc/passwd", AppDomains())
    assert may_load("mcp-app://abc/", AppDomains())
    assert may_load("data:image/png;base64,AAAA", AppDomains())


def test_declared_domains_are_allowed_exactly_and_anything_else_is_dropped() -> None:
    declared = declared_domains(
        {
            "connectDomains": ["https://api.weather.example", "https://x.example; script-src *", "*"],
            "resourceDomains": ["https://*.cdn.example"],
        }
    )
    assert declared.connect == ("https://api.weather.example",)
    assert declared.dropped == ("https://x.example; script-src *", "*")
    policy = content_security_policy(declared)
    assert "connect-src https://api.weather.example;" in policy
    assert "script-src *" not in policy
    assert may_load("https://api.weather.example/v1?q=1", declared)
    assert not may_load("http://api.weather.example/v1", declared)  # another scheme
    assert not may_load("https://api.weather.example:8443/v1", declared)  # another port
    assert not may_load("https://evil.example/?https://api.weather.example", declared)
    assert may_load("https://img.cdn.example/a.png", declared)
    assert not may_load("https://cdn.example/a.png", declared)
    assert not may_load("https://img.cdn.example.evil.test/a.png", declared)


def test_the_policy_comes_before_anything_the_server_wrote_and_after_its_doctype() -> None:
    policy = content_security_policy(AppDomains())
    document = with_policy("<!DOCTYPE html><html><head><script>1</script>", policy)
    assert document.startswith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy"')
    assert with_policy("<p>hi</p>", policy).startswith("<meta http-equiv")


def test_a_view_without_html_is_said_in_a_sentence() -> None:
    read = ResourceRead("board", VIEW, (ResourceContent(VIEW, "text/plain", 2, text="hi"),))
    with pytest.raises(NoAppView) as raised:
        app_resource(read)
    assert raised.value.message.startswith("“board” did not send a view for this tool")
