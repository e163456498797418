"""The app's leg on the JSON-RPC log: every message between an app and MCP Desk, as it crossed.

`TappedDoor` sits between the guard and the SDK's session manager and shows the app's
`WireTap` each request body it posted (in) and each JSON or server-sent-event answer (out).
Headers, where the app's token travels, are never read into the log.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from desktop.servers.wire_tap import SSEData, WireTap


class TappedDoor:
    def __init__(self, inner: ASGIApp, tap: WireTap) -> None:
        self._inner = inner
        self._tap = tap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        posted = bytearray()
        answer = _Answer(self._tap)

        async def tapped_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                posted.extend(message.get("body", b""))
                if not message.get("more_body", False) and posted.strip():
                    self._tap.received_bytes(bytes(posted))
                    posted.clear()
            return message

        async def tapped_send(message: Message) -> None:
            answer.passing(message)
            await send(message)

        await self._inner(scope, tapped_receive, tapped_send)


class _Answer:
    """One HTTP answer's messages, read as they pass: a JSON body whole, an event stream event by event."""

    def __init__(self, tap: WireTap) -> None:
        self._tap = tap
        self._events: SSEData | None = None
        self._json: bytearray | None = None

    def passing(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", [])).get(b"content-type", b"")
            if content_type.startswith(b"text/event-stream"):
                self._events = SSEData()
            elif content_type.startswith(b"application/json"):
                self._json = bytearray()
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if self._events is not None:
                for data in self._events.feed(chunk):
                    self._tap.sent_bytes(data, None)
            elif self._json is not None:
                self._json.extend(chunk)
                if not message.get("more_body", False) and self._json.strip():
                    self._tap.sent_bytes(bytes(self._json), None)
                    self._json = None
