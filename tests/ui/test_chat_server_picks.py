"""The composer's "+": attach a server's resource (with a preview) and use a server's prompt (with a
generated form and the server's suggestions), as a user clicks and types; pictures in
`tests/artifacts/45-*.png`."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState
from desktop.llm.chat.control import ContextUse
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.attach_dialog import AttachDialog
from desktop.ui.dialogs.prompt_dialog import PromptDialog
from desktop.ui.pages.chat_page import ChatPage
from tests.ui.chat_fakes import opened, shown_page
from tests.ui.conftest import Attach, trusted
from tests.ui.helpers import wait_for_dialog
from tests.ui.server_content_fakes import DOC, AttachingChats, ContentControl
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)


@pytest.fixture
def fake(bridge: Bridge) -> ContentControl:
    control = ContentControl(bridge.deliver)
    config = ServerConfig(command="npx", args=["-y", "@modelcontextprotocol/server-everything"])
    control.put("everything", trusted(config), state=ServerState.RUNNING)
    return control


@pytest.fixture
def chats(bridge: Bridge) -> AttachingChats:
    return AttachingChats(bridge.deliver)


@pytest.fixture
def page(qtbot: QtBot, bridge: Bridge, attach: Attach) -> ChatPage:
    return shown_page(qtbot, bridge, attach)


def attach_dialog(qtbot: QtBot, page: ChatPage) -> AttachDialog:
    menu = page.composer.more_button.menu()
    assert [a.text() for a in menu.actions()] == ["Attach from a server…", "Use a ready-made request…"]
    menu.actions()[0].trigger()
    dialog = wait_for_dialog(qtbot, AttachDialog)
    qtbot.waitUntil(lambda: dialog.items.count() == 3)
    return dialog


def prompt_dialog(qtbot: QtBot, page: ChatPage) -> PromptDialog:
    page.composer.input.setFocus()
    qtbot.keyClicks(page.composer.input, "/")
    dialog = wait_for_dialog(qtbot, PromptDialog)
    qtbot.waitUntil(lambda: dialog.prompts.count() == 3)
    return dialog


def test_an_attachment_is_previewed_then_sent_under_its_header(
    qtbot: QtBot, page: ChatPage, fake: ContentControl, chats: AttachingChats
) -> None:
    dialog = attach_dialog(qtbot, page)
    dialog.items.setCurrentRow(0)
    qtbot.waitUntil(dialog.attach_button.isEnabled)
    assert "modular" in dialog.preview.toPlainText() and "**" not in dialog.preview.toPlainText()
    assert fake.reads == [("everything", DOC, True)]
    assert dialog.server_box.currentText() == "“everything”"
    assert dialog.about.text() == "architecture.md, 96 bytes" and dialog.about.toolTip() == DOC
    assert dialog.items.item(2).text() == "Dynamic Text Resource: type its “resourceId”"

    qtbot.mouseClick(dialog.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.composer.attachments.attached) == 1)
    page.composer.input.setPlainText("What is this about?")
    qtbot.mouseClick(page.composer.send_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: bool(chats.sent))
    ((_chat, text),) = chats.sent
    assert text.startswith(f"--- Attached from “everything”: {DOC} ---") and text.endswith(
        "What is this about?"
    )
    assert page.composer.attachments.isHidden()


def test_an_attachment_taken_off_is_not_sent(qtbot: QtBot, page: ChatPage, chats: AttachingChats) -> None:
    dialog = attach_dialog(qtbot, page)
    dialog.items.setCurrentRow(0)
    qtbot.waitUntil(dialog.attach_button.isEnabled)
    qtbot.mouseClick(dialog.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.composer.attachments.buttons) == 1)

    qtbot.mouseClick(page.composer.attachments.buttons[0], Qt.MouseButton.LeftButton)
    page.composer.input.setPlainText("Hello")
    qtbot.mouseClick(page.composer.send_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: bool(chats.sent))
    assert chats.sent[0][1] == "Hello"


def test_a_template_is_filled_in_and_read(qtbot: QtBot, page: ChatPage, fake: ContentControl) -> None:
    dialog = attach_dialog(qtbot, page)
    dialog.items.setCurrentRow(2)
    qtbot.waitUntil(lambda: dialog.form is not None and dialog.show_button.isVisible())
    assert dialog.form is not None
    qtbot.keyClicks(dialog.form.fields["resourceId"], "7")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(dialog.attach_button.isEnabled)
    assert fake.reads[-1] == ("everything", "demo://resource/dynamic/text/7", True)
    assert dialog.preview.toPlainText() == "Resource 7: This is a plaintext resource"


def test_slash_opens_the_prompts_whose_form_suggests_and_whose_messages_go_in_the_box(
    qtbot: QtBot, page: ChatPage, fake: ContentControl, chats: AttachingChats
) -> None:
    dialog = prompt_dialog(qtbot, page)
    assert page.composer.input.toPlainText() == ""
    assert dialog.windowTitle() == "Use a ready-made request"
    assert dialog.prompts.item(0).text() == "Simple Prompt, from “everything”"
    dialog.prompts.setCurrentRow(2)
    qtbot.waitUntil(lambda: dialog.form is not None)
    assert dialog.form is not None
    department = dialog.form.fields["department"]
    assert "Choose" not in dialog.form.fields["name"].placeholderText()
    department.setFocus()
    qtbot.keyClicks(department, "Eng")
    department.clearFocus()  # the suggestions' popup grabs the keyboard, which offscreen Qt can't do
    qtbot.waitUntil(lambda: ("completable-prompt", "department", "Eng") in fake.completions)
    completer = department.completer()
    qtbot.waitUntil(lambda: completer.model().rowCount() == 1)
    assert completer.model().index(0, 0).data() == "Engineering"

    department.setText("Engineering")
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.insert_button.isEnabled)
    assert dialog.messages.toPlainText() == "Please pick a lead for Engineering."
    qtbot.mouseClick(dialog.insert_button, Qt.MouseButton.LeftButton)

    assert page.composer.input.toPlainText() == "Please pick a lead for Engineering."
    assert chats.sent == []


def test_a_required_blank_left_empty_is_asked_for(qtbot: QtBot, page: ChatPage) -> None:
    dialog = prompt_dialog(qtbot, page)
    dialog.prompts.setCurrentRow(1)
    qtbot.waitUntil(dialog.show_button.isEnabled)
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)

    assert dialog.message.text == "Fill in city first."
    assert not dialog.insert_button.isEnabled()


def test_pictures_of_attaching_and_prompts(
    qtbot: QtBot,
    page: ChatPage,
    chats: AttachingChats,
    shots: Path,  # noqa: F811
) -> None:
    dialog = attach_dialog(qtbot, page)
    dialog.items.setCurrentRow(0)
    qtbot.waitUntil(dialog.attach_button.isEnabled)
    save(dialog, shots, "45-attach-dialog")
    chats.cut = True
    qtbot.mouseClick(dialog.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.composer.attachments.attached) == 1)
    page.composer.input.setPlainText("What is this about?")
    save(page, shots, "45-composer-attached")

    page.composer.input.clear()
    prompts = prompt_dialog(qtbot, page)
    prompts.prompts.setCurrentRow(2)
    qtbot.waitUntil(lambda: prompts.form is not None)
    assert prompts.form is not None
    prompts.form.fields["department"].setText("Engineering")
    qtbot.mouseClick(prompts.show_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(prompts.insert_button.isEnabled)
    save(prompts, shots, "45-prompt-dialog")


def test_an_attachment_counts_on_the_context_meter_until_it_is_sent(
    qtbot: QtBot, page: ChatPage, chats: AttachingChats
) -> None:
    chats.use = ContextUse(1_000, 0, 4_096)
    chats.add_chat("Reading")
    opened(qtbot, page, chats, "Reading")
    qtbot.waitUntil(lambda: "1,000 of 4,096 tokens" in page.meter.toolTip())

    dialog = attach_dialog(qtbot, page)
    dialog.items.setCurrentRow(0)
    qtbot.waitUntil(dialog.attach_button.isEnabled)
    qtbot.mouseClick(dialog.attach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.composer.attachments.attached) == 1)

    tokens = page.composer.attachments.attached[0].tokens
    assert f"{1_000 + tokens:,} of 4,096 tokens" in page.meter.toolTip()
    qtbot.mouseClick(page.composer.attachments.buttons[0], Qt.MouseButton.LeftButton)
    assert "1,000 of 4,096 tokens" in page.meter.toolTip()
