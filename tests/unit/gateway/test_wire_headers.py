"""The headers a message from a stdio app goes to the endpoint with: the spec's, learned on the way."""

from __future__ import annotations

from typing import Any

from mcp_types import PROTOCOL_VERSION_META_KEY, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse

from desktop.gateway.wire_headers import WireHeaders

MODERN = "2026-07-28"


def request(id: int, method: str, params: dict[str, Any] | None = None) -> JSONRPCRequest:
    return JSONRPCRequest(jsonrpc="2.0", id=id, method=method, params=params)


def answer(id: int, result: dict[str, Any]) -> JSONRPCResponse:
    return JSONRPCResponse(jsonrpc="2.0", id=id, result=result)


def headers_of(wire: WireHeaders, message: Any) -> dict[str, str] | None:
    metadata = wire.outgoing(message)
    return None if metadata is None else metadata.headers


def test_after_the_handshake_every_message_names_the_version_it_agreed() -> None:
    wire = WireHeaders()
    assert headers_of(wire, request(1, "initialize", {"protocolVersion": "2025-11-25"})) is None
    wire.incoming(answer(1, {"protocolVersion": "2025-06-18", "capabilities": {}}))
    expected = {"mcp-protocol-version": "2025-06-18"}
    initialized = JSONRPCNotification(jsonrpc="2.0", method="notifications/initialized")
    assert headers_of(wire, initialized) == expected
    assert headers_of(wire, request(2, "tools/call", {"name": "echo"})) == expected
    assert headers_of(wire, answer(7, {})) == expected  # the app answering the server's own question


def test_an_answer_to_another_request_does_not_change_the_version() -> None:
    wire = WireHeaders()
    wire.outgoing(request(1, "initialize", {}))
    wire.incoming(answer(5, {"protocolVersion": "1999-01-01"}))
    assert wire.negotiated is None


def test_on_the_2026_revision_each_request_repeats_its_version_method_and_name() -> None:
    wire = WireHeaders()
    params = {"name": "echo", "arguments": {"text": "hi"}, "_meta": {PROTOCOL_VERSION_META_KEY: MODERN}}
    assert headers_of(wire, request(3, "tools/call", params)) == {
        "mcp-protocol-version": MODERN,
        "mcp-method": "tools/call",
        "mcp-name": "echo",
    }


def test_arguments_a_tool_declares_as_headers_go_in_headers_once_its_listing_was_seen() -> None:
    wire = WireHeaders()
    meta = {"_meta": {PROTOCOL_VERSION_META_KEY: MODERN}}
    call = request(5, "tools/call", {"name": "forecast", "arguments": {"region": "Lisbon"}, **meta})
    assert "mcp-param-region" not in (headers_of(wire, call) or {})
    wire.outgoing(request(4, "tools/list", meta))
    schema = {"type": "object", "properties": {"region": {"type": "string", "x-mcp-header": "Region"}}}
    wire.incoming(answer(4, {"tools": [{"name": "forecast", "inputSchema": schema}]}))
    headers = headers_of(wire, call) or {}
    assert {k.lower(): v for k, v in headers.items()}["mcp-param-region"] == "Lisbon"
