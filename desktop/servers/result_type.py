"""A result without `resultType` is a complete result.

The 2026-07-28 revision says a client MUST treat an absent `resultType` as `"complete"`
(SEP-2322: results from servers of earlier revisions carry none). mcp 2.3.0 validates every
2026-07-28 result against a wire schema in which the field is required, and fails the
request instead. Until the SDK follows the rule, each message from a server passes through
`complete_by_default` on its way in: stdio in `transport`, Streamable HTTP through `defaulted`.
Earlier revisions lose nothing: the SDK drops the field from their results.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

import mcp_types as types
from mcp.client._transport import ReadStream, Transport, TransportStreams
from mcp.shared.message import SessionMessage

Incoming = SessionMessage | Exception


def complete_by_default(item: Incoming) -> Incoming:
    """`item`, with `resultType: "complete"` added where it is a result that has none."""
    if not isinstance(item, SessionMessage):
        return item
    message = item.message
    if not isinstance(message, types.JSONRPCResponse) or "resultType" in message.result:
        return item
    result = {**message.result, "resultType": "complete"}
    return SessionMessage(message.model_copy(update={"result": result}), item.metadata)


@asynccontextmanager
async def defaulted(transport: Transport) -> AsyncIterator[TransportStreams]:
    """`transport`, its incoming results passed through `complete_by_default`."""
    async with transport as (read, write):
        yield _Defaulting(read), write


class _Defaulting:
    """A read stream that hands on what `inner` receives, through `complete_by_default`."""

    def __init__(self, inner: ReadStream[Incoming]) -> None:
        self._inner = inner

    @property
    def last_context(self) -> contextvars.Context | None:
        """The sender's context of the last message, where the inner stream keeps one (HTTP does)."""
        context: contextvars.Context | None = getattr(self._inner, "last_context", None)
        return context

    async def receive(self) -> Incoming:
        return complete_by_default(await self._inner.receive())

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __aiter__(self) -> _Defaulting:
        return self

    async def __anext__(self) -> Incoming:
        return complete_by_default(await self._inner.__anext__())

    async def __aenter__(self) -> _Defaulting:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
