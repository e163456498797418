"""A server's resource attached to a chat message, with the real app's services, a generated model
and npm's reference server: the text goes in under its header, counts against the context, and is cut
to a share of it with a sentence when too big."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.core.events import Event, EventBus
from desktop.core.paths import AppPaths
from desktop.llm.backends.backend import ChatParams
from desktop.llm.chat.attachments import SHARE, with_attachments
from desktop.llm.chat.control import ChatSettings, ChatTurnChanged, Role
from desktop.llm.models.fit import LoadShape
from desktop.services import Services, build_services
from tests.e2e.conftest import ScriptedAsker

pytestmark = pytest.mark.anyio

DOCUMENT = "demo://resource/static/document/architecture.md"


@dataclass
class Desk:
    services: Services
    idle: asyncio.Event

    def on_event(self, event: Event) -> None:
        if isinstance(event, ChatTurnChanged) and not event.busy:
            self.idle.set()


async def _desk(model: Path, command_line: list[str], context: int) -> Desk:
    events = EventBus()
    services = build_services(AppPaths.from_environment(), events, ScriptedAsker())
    desk = Desk(services, asyncio.Event())
    events.subscribe(desk.on_event)
    command, *args = command_line
    config = ServerConfig(command=command, args=args)
    await services.manager.add(
        "everything", config.model_copy(update={"trusted_launch": config.launch_hash()})
    )
    await services.manager.start("everything")
    await services.models.load(model, LoadShape(context=context, gpu_layers=0))
    return desk


@pytest.fixture
async def roomy(tiny_model: Path, everything_server: list[str]) -> AsyncIterator[Desk]:
    desk = await _desk(tiny_model, everything_server, 8192)
    yield desk
    await desk.services.close()


@pytest.fixture
async def cramped(tiny_model: Path, everything_server: list[str]) -> AsyncIterator[Desk]:
    desk = await _desk(tiny_model, everything_server, 1024)
    yield desk
    await desk.services.close()


async def test_an_attached_document_is_sent_under_its_header_and_counts_in_the_context(roomy: Desk) -> None:
    chats = roomy.services.chats
    chat = await chats.create()
    await chats.save_settings(chat.id, ChatSettings(params=ChatParams(max_tokens=4)))
    before = await chats.context_use(chat.id)

    attached = await chats.attach("everything", DOCUMENT)

    assert attached.text.startswith(f"--- Attached from “everything”: {DOCUMENT} ---\n# Everything Server")
    assert attached.note == ""
    await chats.send(chat.id, with_attachments("What is this about?", [attached]))
    await roomy.idle.wait()
    question = next(m for m in await chats.messages(chat.id) if m.role is Role.USER)
    assert question.text.startswith(attached.text) and question.text.endswith("What is this about?")
    assert (await chats.context_use(chat.id)).used >= before.used + attached.tokens
    (read,) = await roomy.services.audit.query(AuditFilter(kind=AuditKind.RESOURCE_READ))
    assert read.data["by"] == "the user" and read.data["uri"] == DOCUMENT


async def test_a_document_too_big_for_the_context_is_cut_with_a_sentence(cramped: Desk) -> None:
    attached = await cramped.services.chats.attach("everything", DOCUMENT)

    assert attached.tokens <= 1024 * SHARE
    assert attached.note.startswith("Only the first ") and " of architecture.md fits: " in attached.note
    assert "[MCP Desk cut this here: only the first " in attached.text
    assert attached.text.endswith(f"--- End of {DOCUMENT} ---")
