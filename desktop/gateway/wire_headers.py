"""The HTTP headers a message relayed from stdio carries to the endpoint, as the spec asks of a client.

Over stdio an app says everything in the message; over Streamable HTTP some of it is repeated in
headers: `MCP-Protocol-Version` after the handshake (the version `initialize` agreed), and on the
2026 revision, where each request names its version in `_meta`, also `Mcp-Method`, `Mcp-Name` and
the `Mcp-Param-*` headers of tools that declare them (learned from `tools/list` results on the way
back). The messages themselves pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.shared.inbound import (
    MCP_METHOD_HEADER,
    MCP_NAME_HEADER,
    MCP_PROTOCOL_VERSION_HEADER,
    NAME_BEARING_METHODS,
    encode_header_value,
    find_invalid_x_mcp_header,
    mcp_param_headers,
    x_mcp_header_map,
)
from mcp.shared.message import ClientMessageMetadata
from mcp_types import (
    PROTOCOL_VERSION_META_KEY,
    JSONRPCMessage,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
)


class WireHeaders:
    """What one relay has seen so far that later messages' headers depend on."""

    def __init__(self) -> None:
        self.negotiated: str | None = None
        """The protocol version `initialize` agreed on; None before (or on the 2026 revision)."""
        self._asked: dict[RequestId, str] = {}
        """Requests from the app whose answers the headers depend on, by id: their method."""
        self._param_headers: dict[str, dict[tuple[str, ...], str]] = {}

    def outgoing(self, message: JSONRPCMessage) -> ClientMessageMetadata | None:
        """The headers `message` (from the app) goes with; None when it needs none of its own."""
        if isinstance(message, JSONRPCRequest) and message.method in ("initialize", "tools/list"):
            self._asked[message.id] = message.method
        if isinstance(message, JSONRPCRequest | JSONRPCNotification):
            params = message.params or {}
            version = (params.get("_meta") or {}).get(PROTOCOL_VERSION_META_KEY)
            if isinstance(version, str):
                return ClientMessageMetadata(headers=self._per_request(version, message.method, params))
        if self.negotiated is None or (
            isinstance(message, JSONRPCRequest) and message.method == "initialize"
        ):
            return None
        return ClientMessageMetadata(headers={MCP_PROTOCOL_VERSION_HEADER: self.negotiated})

    def incoming(self, message: JSONRPCMessage) -> None:
        """Learn from `message` (from the endpoint) what later headers need."""
        if not isinstance(message, JSONRPCResponse):
            return
        method = self._asked.pop(message.id, None)
        if method == "initialize" and isinstance(version := message.result.get("protocolVersion"), str):
            self.negotiated = version
        elif method == "tools/list":
            for tool in message.result.get("tools") or []:
                if isinstance(tool, dict) and isinstance(name := tool.get("name"), str):
                    self._learn_tool(name, tool.get("inputSchema"))

    def _learn_tool(self, name: str, schema: Any) -> None:
        if find_invalid_x_mcp_header(schema) is None and (header_map := x_mcp_header_map(schema)):
            self._param_headers[name] = header_map
        else:
            self._param_headers.pop(name, None)

    def _per_request(self, version: str, method: str, params: Mapping[str, Any]) -> dict[str, str]:
        headers = {MCP_PROTOCOL_VERSION_HEADER: version, MCP_METHOD_HEADER: method}
        name_key = NAME_BEARING_METHODS.get(method)
        if name_key is not None and isinstance(name := params.get(name_key), str):
            headers[MCP_NAME_HEADER] = encode_header_value(name)
            header_map = self._param_headers.get(name) if method == "tools/call" else None
            arguments = params.get("arguments")
            if header_map and isinstance(arguments, Mapping):
                headers.update(mcp_param_headers(header_map, arguments))
        return headers
