"""The resources a running server was asked to say changes of, and the changes it says.

Only where the server offers it (`resources.subscribe`). On 2025 revisions each address is
subscribed with `resources/subscribe` and the server sends `notifications/resources/updated`; on
2026-07-28 the addresses are the filter of one `subscriptions/listen` stream, opened again whenever
the set changes (a dropped stream too, since nothing missed is replayed). The set outlives a restart
of the server (it is subscribed again), not a stop by the user.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import anyio
import anyio.abc
import mcp_types as types
from mcp import Client, MCPError
from mcp.client.session import IncomingMessage
from mcp.client.subscriptions import ListenNotSupportedError, ResourceUpdated, SubscriptionLost
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

ACK_WAIT = 10.0
"""Seconds a new subscription waits for a 2026-07-28 server to acknowledge its stream."""
LISTEN_PAUSE = 1.0
"""Seconds before a dropped stream is opened again."""


def offers_subscriptions(client: Client) -> bool:
    resources = client.server_capabilities.resources
    return resources is not None and bool(resources.subscribe)


class ResourceWatch:
    """One server's subscribed addresses; `on_change(uri)` hears each change the server announces."""

    def __init__(self, on_change: Callable[[str], None]) -> None:
        self._on_change = on_change
        self.wanted: set[str] = set()
        self.listening: frozenset[str] = frozenset()
        """What the open 2026-07-28 stream was acknowledged for."""
        self._changed = anyio.Event()
        self._acked = anyio.Event()

    async def on_message(self, message: IncomingMessage) -> None:
        """The SDK's message handler: a 2025-revision server's `notifications/resources/updated`."""
        if isinstance(message, types.ResourceUpdatedNotification):
            self._on_change(str(message.params.uri))

    async def add(self, client: Client, uri: str) -> bool:
        """Subscribe to `uri`; False where the server does not offer subscriptions."""
        if not offers_subscriptions(client):
            return False
        if _legacy(client):
            await _subscription(client, uri)
            self.wanted.add(uri)
            return True
        self.wanted.add(uri)
        await self._relisten(lambda: uri in self.listening)
        return True

    async def remove(self, client: Client | None, uri: str) -> None:
        """Unsubscribe from `uri` (on the wire only while the server runs)."""
        self.wanted.discard(uri)
        if client is None or not offers_subscriptions(client):
            return
        if _legacy(client):
            await _subscription(client, uri, subscribe=False)
        else:
            await self._relisten(lambda: uri not in self.listening)

    async def _relisten(self, done: Callable[[], bool]) -> None:
        """Have the 2026-07-28 stream opened again for the wanted set, and wait (a while) until `done`."""
        self._changed.set()
        with anyio.move_on_after(ACK_WAIT):
            while not done():
                await self._acked.wait()

    async def keep(self, client: Client) -> None:
        """For the whole session: subscribe what is wanted (again, after a restart) and hear changes."""
        if not offers_subscriptions(client):
            return
        if _legacy(client):
            for uri in sorted(self.wanted):
                with contextlib.suppress(MCPError):
                    await _subscription(client, uri)
            return
        while True:
            self._changed = anyio.Event()
            uris = sorted(self.wanted)
            if not uris:
                self._heard(frozenset())
                await self._changed.wait()
                continue
            try:
                await self._listen(client, uris)
            except (ListenNotSupportedError, SubscriptionLost, MCPError, TimeoutError):
                self._heard(frozenset())
                with anyio.move_on_after(LISTEN_PAUSE):
                    await self._changed.wait()

    async def _listen(self, client: Client, uris: list[str]) -> None:
        """One stream for `uris`, until the wanted set changes or the server ends it."""
        async with client.listen(resource_subscriptions=uris) as stream, anyio.create_task_group() as tasks:
            self._heard(frozenset(uris))

            async def reopen() -> None:
                await self._changed.wait()
                tasks.cancel_scope.cancel()

            tasks.start_soon(reopen)
            async for event in stream:
                if isinstance(event, ResourceUpdated):
                    self._on_change(event.uri)
            tasks.cancel_scope.cancel()

    def _heard(self, uris: frozenset[str]) -> None:
        self.listening = uris
        self._acked.set()
        self._acked = anyio.Event()


async def _subscription(client: Client, uri: str, subscribe: bool = True) -> None:
    """`resources/subscribe` (or `unsubscribe`), sent as is: the SDK's own methods warn at each call that
    2026-07-28 removed them, and only 2025 connections send them here."""
    request = (
        types.SubscribeRequest(params=types.SubscribeRequestParams(uri=uri))
        if subscribe
        else types.UnsubscribeRequest(params=types.UnsubscribeRequestParams(uri=uri))
    )
    await client.session.send_request(request, types.EmptyResult)


def _legacy(client: Client) -> bool:
    return client.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS
