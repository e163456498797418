"""The composer's “+ Attach…” for real: the window's Chat page on the real service side, npm's reference
server `server-everything` and a generated model; the dialogs clicked and typed into with qtbot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.core.service_loop import ServiceLoop
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.control import ChatSettings, Role
from desktop.llm.models.fit import LoadShape
from desktop.services import Services
from desktop.ui.dialogs.attach_dialog import AttachDialog
from desktop.ui.dialogs.prompt_dialog import PromptDialog
from desktop.ui.main_window import MainWindow
from tests.ui.helpers import wait_for_dialog
from tests.ui.real_app import real_app

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
        app.window.show_area("chat")
        app.window.chat_page.open_chat(app.prepared)
        qtbot.waitUntil(lambda: not app.window.chat_page.loading)
        yield Desk(app.window, app.services, app.loop, app.prepared)


def test_a_real_resource_is_previewed_attached_and_sent(qtbot: QtBot, desk: Desk) -> None:
    composer = desk.window.chat_page.composer
    composer.more_button.menu().actions()[0].trigger()
    dialog = wait_for_dialog(qtbot, AttachDialog)
    qtbot.waitUntil(lambda: dialog.items.count() == 9, timeout=10_000)
    row = next(i for i in range(dialog.items.count()) if dialog.items.item(i).text() == "architecture.md")
    dialog.items.setCurrentRow(row)
    qtbot.waitUntil(dialog.attach_button.isEnabled, timeout=10_000)
    assert dialog.preview.toPlainText().startswith("Everything Server")
    qtbot.mouseClick(dialog.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(composer.attachments.attached) == 1, timeout=10_000)

    composer.input.setPlainText("What is this about?")
    qtbot.mouseClick(composer.send_button, Qt.MouseButton.LeftButton)

    page = desk.window.chat_page
    qtbot.waitUntil(lambda: any(m.role is Role.USER for m in page.transcript.messages), timeout=30_000)
    question = next(m for m in page.transcript.messages if m.role is Role.USER)
    assert question.text.startswith(f"--- Attached from “everything”: {DOC} ---\n# Everything Server")
    assert question.text.endswith("What is this about?")
    reads = desk.loop.submit(desk.services.audit.query(AuditFilter(kind=AuditKind.RESOURCE_READ))).result(10)
    assert [(r.data["uri"], r.data["by"]) for r in reads] == [
        (DOC, "the user")
    ] * 2  # the preview, the attach


def test_a_real_prompt_is_completed_filled_in_and_put_in_the_box(qtbot: QtBot, desk: Desk) -> None:
    composer = desk.window.chat_page.composer
    composer.input.setFocus()
    qtbot.keyClicks(composer.input, "/")
    dialog = wait_for_dialog(qtbot, PromptDialog)
    qtbot.waitUntil(lambda: dialog.prompts.count() == 4, timeout=10_000)
    row = next(i for i in range(dialog.prompts.count()) if dialog.prompts.item(i).text().startswith("Team"))
    dialog.prompts.setCurrentRow(row)
    qtbot.waitUntil(lambda: dialog.form is not None)
    assert dialog.form is not None
    department = dialog.form.fields["department"]
    qtbot.keyClicks(department, "Eng")
    department.clearFocus()  # the suggestions' popup grabs the keyboard, which offscreen Qt can't do
    completer = department.completer()
    qtbot.waitUntil(lambda: completer.model().rowCount() == 1, timeout=10_000)
    assert completer.model().index(0, 0).data() == "Engineering"

    department.setText("Engineering")
    dialog.form.fields["name"].setText("Alice")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    # the first prompt's preview may have enabled the button already: wait for this one's messages
    qtbot.waitUntil(lambda: "Engineering" in dialog.messages.toPlainText(), timeout=10_000)
    assert dialog.insert_button.isEnabled()
    shown = dialog.messages.toPlainText()
    assert "Engineering" in shown and "Alice" in shown
    qtbot.mouseClick(dialog.insert_button, Qt.MouseButton.LeftButton)

    assert composer.input.toPlainText() == shown
    assert not desk.services.chats.busy(desk.chat_id)
