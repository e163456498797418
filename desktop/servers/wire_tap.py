"""The wire tap: what really crossed each server connection, reported to the `RpcLog`.

The stdio transport calls `WireTap` with each line it wrote or read; for Streamable
HTTP, `TappedHTTP` sits under the SDK's httpx client and reads the request bodies and
the JSON or SSE response bodies as they stream past. A caller that wants to know the
JSON-RPC id of the request it is about to make sets `current_call` (a `CallTrace`)
before calling the SDK: the SDK writes the request in the caller's context.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass

import httpx2
import mcp_types as types

from desktop.core.redact import Redactor
from desktop.core.rpc_log import Direction, EntryKind, RpcLog

CANCELLED = "notifications/cancelled"
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class CallTrace:
    rpc_id: str | None = None
    """Set by the tap when the traced call's request goes out."""


current_call: ContextVar[CallTrace | None] = ContextVar("mcp_desk_call", default=None)


class WireTap:
    """One server's connection to the log."""

    def __init__(self, server: str, log: RpcLog) -> None:
        self.server = server
        self._log = log

    def sent(self, message: types.JSONRPCMessage, raw: bytes, trace: CallTrace | None) -> None:
        request_id = self._record(Direction.OUT, message, raw)
        if trace is not None and trace.rpc_id is None:
            trace.rpc_id = request_id

    def received(self, message: types.JSONRPCMessage, raw: bytes) -> None:
        self._record(Direction.IN, message, raw)

    def sent_bytes(self, raw: bytes, trace: CallTrace | None) -> None:
        message = _parse(raw)
        if message is not None:
            self.sent(message, raw, trace)

    def received_bytes(self, raw: bytes) -> None:
        message = _parse(raw)
        if message is None:
            self.junk(raw)
        else:
            self.received(message, raw)

    def junk(self, raw: bytes) -> None:
        self._log.line(self.server, EntryKind.JUNK, raw.decode("utf-8", "replace"))

    def stderr(self, line: str) -> None:
        self._log.line(self.server, EntryKind.STDERR, line)

    def http_error(self, response: httpx2.Response, size: int) -> None:
        """An HTTP error answer (read already): "HTTP 401 Unauthorized: invalid_token (why)", then
        its sign-in challenge and its body."""
        challenge = response.headers.get("www-authenticate", "")
        summary = f"HTTP {response.status_code} {response.reason_phrase}"
        if why := _error_named(response.text, challenge):
            summary += f": {why}"
        parts = [summary, f"WWW-Authenticate: {challenge}" if challenge else "", response.text]
        text = "\n".join(part for part in parts if part)
        self._log.http(self.server, response.status_code, text, size)

    def _record(self, direction: Direction, message: types.JSONRPCMessage, raw: bytes) -> str | None:
        """Log one message; returns its id when it is a request."""
        text = raw.decode("utf-8", "replace")
        match message:
            case types.JSONRPCRequest(id=rpc_id, method=method):
                self._log.message(
                    self.server, direction, EntryKind.REQUEST, text, len(raw), str(rpc_id), method
                )
                return str(rpc_id)
            case types.JSONRPCNotification(method=method, params=params):
                cancels = None
                if method == CANCELLED and params:
                    cancels = (str(params.get("requestId")), str(params.get("reason") or ""))
                kind = EntryKind.NOTIFICATION
                self._log.message(self.server, direction, kind, text, len(raw), None, method, cancels=cancels)
            case types.JSONRPCResponse(id=rpc_id, result=result):
                failed = isinstance(result, dict) and result.get("isError") is True
                kind = EntryKind.RESPONSE
                self._log.message(
                    self.server, direction, kind, text, len(raw), str(rpc_id), tool_error=failed
                )
            case types.JSONRPCError(id=rpc_id):
                rid = None if rpc_id is None else str(rpc_id)
                self._log.message(self.server, direction, EntryKind.ERROR, text, len(raw), rid)
        return None


def _error_named(body: str, challenge: str) -> str:
    """The OAuth-style `error` (and its description) in a JSON body or a WWW-Authenticate challenge."""
    try:
        fields = json.loads(body)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        fields = dict(_CHALLENGE_PARAM.findall(challenge))
    error, description = fields.get("error"), fields.get("error_description")
    if not isinstance(error, str) or not error:
        return ""
    return f"{error} ({description})" if isinstance(description, str) and description else error


def _parse(raw: bytes) -> types.JSONRPCMessage | None:
    try:
        return types.jsonrpc_message_adapter.validate_json(raw, by_name=False)
    except ValueError:
        return None


class TappedHTTP(httpx2.AsyncBaseTransport):
    """An httpx transport that shows the tap every JSON-RPC body going either way.

    It also registers the session id the server hands out with the redactor, so it is
    masked wherever it appears later, and keeps the HTTP status of the server's last answer
    (`last_status`), which the SDK drops when it turns an error page into a JSON-RPC error.
    """

    def __init__(
        self, tap: WireTap, redactor: Redactor, inner: httpx2.AsyncBaseTransport, endpoint: str
    ) -> None:
        self._tap = tap
        self._redactor = redactor
        self._inner = inner
        self._endpoint = _where(httpx2.URL(endpoint))
        self.last_status: int | None = None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if _where(request.url) != self._endpoint:
            # Sign-in traffic (metadata, registration, tokens) is not MCP and carries secrets.
            return await self._inner.handle_async_request(request)
        if request.method == "POST":
            self._tap.sent_bytes(await request.aread(), current_call.get())
        response = await self._inner.handle_async_request(request)
        self.last_status = response.status_code
        if session := response.headers.get("mcp-session-id"):
            self._redactor.add(session)
        content_type = response.headers.get("content-type", "")
        if not isinstance(response.stream, httpx2.AsyncByteStream):
            return response
        if response.is_error:
            return await self._error_read(response, response.stream)
        if content_type.startswith("text/event-stream"):
            stream: httpx2.AsyncByteStream = _SSETap(response.stream, self._tap)
        elif content_type.startswith("application/json"):
            stream = _BodyTap(response.stream, self._tap)
        else:
            return response
        return httpx2.Response(
            response.status_code, headers=response.headers, stream=stream, extensions=response.extensions
        )

    async def _error_read(self, response: httpx2.Response, body: httpx2.AsyncByteStream) -> httpx2.Response:
        """Log an error answer whole, whether or not anyone reads its body, and pass it on unread."""
        try:
            raw = b"".join([chunk async for chunk in body])
        finally:
            await body.aclose()
        logged = httpx2.Response(response.status_code, headers=response.headers, content=raw)
        logged.extensions = response.extensions
        await logged.aread()  # undoes any content encoding, as a reader would
        self._tap.http_error(logged, len(raw))
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx2.ByteStream(raw),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def _where(url: httpx2.URL) -> tuple[str, str, int | None, str]:
    return url.scheme, url.host, url.port, url.path.rstrip("/")


class _BodyTap(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, tap: WireTap) -> None:
        self._inner = inner
        self._tap = tap

    async def __aiter__(self) -> AsyncIterator[bytes]:
        body = bytearray()
        async for chunk in self._inner:
            body += chunk
            yield chunk
        if body.strip():
            self._tap.received_bytes(bytes(body))

    async def aclose(self) -> None:
        await self._inner.aclose()


class SSEData:
    """Server-sent events read as their bytes pass: `feed` returns the data of each event it completed."""

    def __init__(self) -> None:
        self._partial = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        events = []
        for line in lines:
            line = line.rstrip(b"\r")
            if not line:
                if any(self._data):
                    events.append(b"\n".join(self._data))
                    self._data = []
            elif line.startswith(b"data:"):
                self._data.append(line[5:].removeprefix(b" "))
        return events


class _SSETap(httpx2.AsyncByteStream):
    """Reads server-sent events as they pass; each event's data is one message."""

    def __init__(self, inner: httpx2.AsyncByteStream, tap: WireTap) -> None:
        self._inner = inner
        self._tap = tap
        self._events = SSEData()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            for data in self._events.feed(chunk):
                self._tap.received_bytes(data)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()
