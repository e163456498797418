"""A server's resources for real: the window on the real service side, npm's `server-everything` and a
generated model. A resource is attached from the server's page, sent, and when the server updates it
(its `toggle-subscriber-updates` turns that on), the chat marks it and attaches the new version.
Pictures in `tests/artifacts/48-*.png`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.service_loop import ServiceLoop
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.attachments import changed_resource
from desktop.llm.chat.control import ChatSettings, Role
from desktop.llm.models.fit import LoadShape
from desktop.services import Services
from desktop.ui.main_window import MainWindow
from tests.ui.real_app import real_app
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)

DOC = "demo://resource/static/document/architecture.md"


@dataclass
class Desk:
    window: MainWindow
    services: Services
    loop: ServiceLoop
    chat_id: str


@pytest.fixture
def desk(qtbot: QtBot, tiny_model: Path, everything_server: list[str]) -> Iterator[Desk]:
    async def prepare(services: Services) -> str:
        command, *args = everything_server
        config = ServerConfig(command=command, args=args)
        await services.manager.add(
            "everything", config.model_copy(update={"trusted_launch": config.launch_hash()})
        )
        await services.manager.start("everything")
        await services.models.load(tiny_model, LoadShape(context=4096, gpu_layers=0))
        chat = await services.chats.create("Reading")
        settings = ChatSettings(params=ChatParams(max_tokens=4), tool_choice=ToolChoice.NONE)
        await services.chats.save_settings(chat.id, settings)
        return chat.id

    with real_app(qtbot, prepare) as app:
        app.window.resize(1200, 760)
        app.window.show_area("chat")
        app.window.chat_page.open_chat(app.prepared)
        qtbot.waitUntil(lambda: not app.window.chat_page.loading)
        yield Desk(app.window, app.services, app.loop, app.prepared)


def test_a_resource_attached_from_the_servers_page_is_marked_when_the_server_updates_it(
    qtbot: QtBot,
    desk: Desk,
    shots: Path,  # noqa: F811
) -> None:
    window = desk.window
    window.show_area("servers")
    window.servers_page.select("everything")
    tab = window.servers_page.details.resources
    window.servers_page.details.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.list.count() > 0, timeout=10_000)
    row = next(i for i in range(tab.list.count()) if tab.list.item(i).text() == "architecture.md")
    tab.list.setCurrentRow(row)
    save(window, shots, "48-real-server-resources")

    qtbot.mouseClick(tab.attach_button, Qt.MouseButton.LeftButton)
    page = window.chat_page
    composer = page.composer
    qtbot.waitUntil(lambda: len(composer.attachments.attached) == 1, timeout=10_000)
    composer.input.setPlainText("What is this about?")
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(m.role is Role.USER for m in page.transcript.messages), timeout=30_000)
    qtbot.waitUntil(lambda: not composer.busy, timeout=30_000)

    # the server's own switch, pressed behind the chat's back (a chat's call would ask the user first)
    client = desk.services.manager._supervisors["everything"].client
    toggled = desk.loop.submit(client.call_tool("toggle-subscriber-updates", {})).result(10)
    assert not toggled.is_error
    qtbot.waitUntil(
        lambda: any(changed_resource(m) == ("everything", DOC) for m in page.transcript.messages),
        timeout=30_000,
    )
    note = next(m for m in page.transcript.messages if changed_resource(m) is not None)
    view = page.transcript.views[note.id]
    save(window, shots, "48-real-changed-since-attached")

    qtbot.mouseClick(view.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(composer.attachments.attached) == 1, timeout=10_000)
    assert composer.attachments.attached[0].uri == DOC
