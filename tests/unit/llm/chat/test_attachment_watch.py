"""Which chats hold which attached resources, and what a change makes of them, over a real chats file.

The subscriptions themselves, with real servers on both protocol revisions, are in
tests/e2e/test_resource_subscriptions.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desktop.core.events import Event, ServerState, ServerStatus, ServerStatusChanged
from desktop.llm.chat.attachment_watch import AttachmentWatch
from desktop.llm.chat.attachments import attached_in, changed_resource
from desktop.llm.chat.control import ChatSettings
from desktop.llm.chat.store import ChatStore
from desktop.servers.control import ServerProblem
from desktop.servers.resources import ResourceChanged

pytestmark = pytest.mark.anyio

NOTE = ("notes", "notes://today")
SENT = "--- Attached from “notes”: notes://today ---\nHello\n--- End of notes://today ---\n\nSummarise it."


@dataclass
class Watcher:
    watched: list[tuple[str, str]] = field(default_factory=list)
    unwatched: list[tuple[str, str]] = field(default_factory=list)
    offers: bool = True
    broken: bool = False

    async def watch_resource(self, name: str, uri: str) -> bool:
        if self.broken:
            raise ServerProblem("“notes” is not running. Start it first.")
        self.watched.append((name, uri))
        return self.offers

    async def unwatch_resource(self, name: str, uri: str) -> None:
        self.unwatched.append((name, uri))


@dataclass
class Sink:
    events: list[Event] = field(default_factory=list)

    def publish(self, event: Event) -> None:
        self.events.append(event)


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    return ChatStore(tmp_path / "chats.db")


def test_a_message_names_each_attachment_once_in_order() -> None:
    twice = f"{SENT}\n--- Attached from “b”: x://1 ---\n1\n--- End of x://1 ---\n{SENT}"
    assert attached_in(twice) == [NOTE, ("b", "x://1")]
    assert attached_in("--- Attached from nowhere ---") == []


async def test_two_chats_share_one_subscription_and_each_is_told_once(store: ChatStore) -> None:
    first, second = (store.create("", ChatSettings()).id for _ in range(2))
    watcher, sink = Watcher(), Sink()
    watch = AttachmentWatch(watcher, store, sink)
    await watch.hold(first, SENT)
    await watch.hold(second, SENT)
    assert watcher.watched == [NOTE]

    watch.on_event(ResourceChanged(*NOTE))
    watch.on_event(ResourceChanged(*NOTE))

    for chat in (first, second):
        notes = [m for m in store.messages(chat) if changed_resource(m) is not None]
        assert len(notes) == 1 and changed_resource(notes[0]) == NOTE
    await watch.hold(first, SENT)  # attached again: a later change is told again
    watch.on_event(ResourceChanged(*NOTE))
    assert len([m for m in store.messages(first) if changed_resource(m)]) == 2


async def test_the_last_chat_to_go_unsubscribes(store: ChatStore) -> None:
    first, second = (store.create("", ChatSettings()).id for _ in range(2))
    watcher = Watcher()
    watch = AttachmentWatch(watcher, store, Sink())
    await watch.hold(first, SENT)
    await watch.hold(second, SENT)

    await watch.release(first)
    assert watcher.unwatched == []
    await watch.release(second)
    assert watcher.unwatched == [NOTE]


async def test_a_stopped_server_holds_nothing_and_a_refusal_is_no_failure(store: ChatStore) -> None:
    chat = store.create("", ChatSettings()).id
    watcher, sink = Watcher(), Sink()
    watch = AttachmentWatch(watcher, store, sink)
    await watch.hold(chat, SENT)

    watch.on_event(ServerStatusChanged(ServerStatus("notes", ServerState.STOPPED, "cmd")))
    watch.on_event(ResourceChanged(*NOTE))
    assert sink.events == []

    watcher.broken = True
    await watch.hold(chat, SENT)  # the message went; only its changes go unheard
    watch.on_event(ResourceChanged(*NOTE))
    assert sink.events == []
