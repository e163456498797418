"""Attached resources that change after they were sent.

When a message goes with a resource from a server that offers subscriptions, MCP Desk subscribes
to it; when the server says it changed, each chat that holds it gets a note saying so (once, until
it is attached again), and the note names the server and address so the page can offer to attach
the new version. The subscription ends when no chat holds the resource any more (the chats were
deleted), and with the server: a stop ends every subscription it had.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from desktop.core.events import Event, EventSink, ServerState, ServerStatusChanged
from desktop.core.problem import Problem
from desktop.llm.chat.attachments import CHANGED, attached_in, changed_details, resource_name
from desktop.llm.chat.control import ChatMessageChanged, Role
from desktop.llm.chat.store import ChatStore, new_message
from desktop.servers.resources import ResourceChanged

log = logging.getLogger(__name__)

Key = tuple[str, str]
"""A resource: its server and its address."""


@runtime_checkable
class ResourceWatcher(Protocol):
    """Who subscribes (`ServerManager` is one); changes arrive as `ResourceChanged` events."""

    async def watch_resource(self, name: str, uri: str) -> bool: ...
    async def unwatch_resource(self, name: str, uri: str) -> None: ...


class AttachmentWatch:
    def __init__(self, watcher: ResourceWatcher, store: ChatStore, events: EventSink) -> None:
        self._watcher = watcher
        self._store = store
        self._events = events
        self._holders: dict[Key, set[str]] = {}
        """The chats holding each subscribed resource."""
        self._marked: set[tuple[str, Key]] = set()
        """(chat, resource) already told it changed, until it is attached again."""

    async def hold(self, chat_id: str, text: str) -> None:
        """The message `text` was sent in `chat_id`: subscribe to what it has attached."""
        for key in attached_in(text):
            self._marked.discard((chat_id, key))
            if key in self._holders:
                self._holders[key].add(chat_id)
                continue
            try:
                offered = await self._watcher.watch_resource(*key)
            except Problem as problem:  # the attachment went anyway; only its changes go unheard
                log.info("Not subscribed to %s on %s: %s", key[1], key[0], problem.message)
                continue
            if offered:
                self._holders[key] = {chat_id}

    async def release(self, chat_id: str) -> None:
        """`chat_id` is gone: unsubscribe from what no other chat holds."""
        for key, chats in list(self._holders.items()):
            chats.discard(chat_id)
            if not chats:
                del self._holders[key]
                await self._watcher.unwatch_resource(*key)
        self._marked = {marked for marked in self._marked if marked[0] != chat_id}

    def on_event(self, event: Event) -> None:
        if isinstance(event, ResourceChanged):
            self._changed((event.server, event.uri))
        elif isinstance(event, ServerStatusChanged) and event.status.state is ServerState.STOPPED:
            for key in [key for key in self._holders if key[0] == event.status.name]:
                del self._holders[key]

    def _changed(self, key: Key) -> None:
        for chat_id in sorted(self._holders.get(key, ())):
            if (chat_id, key) in self._marked:
                continue
            self._marked.add((chat_id, key))
            server, uri = key
            text = (
                f"“{resource_name(uri)}” from “{server}” {CHANGED}: the model has the version you attached. "
                "Attach the new version to give it what is there now."
            )
            note = new_message(chat_id, Role.NOTE, text, details=changed_details(server, uri))
            self._events.publish(ChatMessageChanged(self._store.add(note)))
