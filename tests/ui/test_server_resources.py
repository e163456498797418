"""A server's resources on its page, attached to the chat by “Attach to chat” or by dragging one over
the sidebar's Chat onto the message box; and the chat's note when an attached resource changed, with
“Attach the new version”. Pictures in `tests/artifacts/47-*.png`."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState
from desktop.llm.chat.attachments import CHANGED, changed_details, changed_resource
from desktop.llm.chat.control import ChatMessage, Role
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.server_resources import ResourcesTab
from desktop.ui.resource_drag import dropped_resource, resource_mime
from tests.ui.conftest import Attach, trusted
from tests.ui.server_content_fakes import DOC, AttachingChats, ContentControl
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)

DROP = Qt.DropAction.CopyAction
NO_BUTTONS = Qt.MouseButton.NoButton
NO_KEYS = Qt.KeyboardModifier.NoModifier


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
def resources(qtbot: QtBot, window: MainWindow, attach: Attach) -> ResourcesTab:
    attach()
    window.resize(1200, 760)
    window.show()
    qtbot.waitExposed(window)
    window.show_area("servers")
    window.servers_page.select("everything")
    tab = window.servers_page.details.resources
    window.servers_page.details.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.list.count() == 2)
    return tab


def _drag_to(widget: QWidget, point: QPoint, server: str, uri: str) -> bool:
    """A drag of a resource entering `widget` at `point`, moving there, and dropped; True if taken."""
    mime = resource_mime(server, uri)
    enter = QDragEnterEvent(point, DROP, mime, NO_BUTTONS, NO_KEYS)
    QApplication.sendEvent(widget, enter)
    move = QDragMoveEvent(point, DROP, mime, NO_BUTTONS, NO_KEYS)
    QApplication.sendEvent(widget, move)
    drop = QDropEvent(QPointF(point), DROP, mime, NO_BUTTONS, NO_KEYS)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def test_attach_to_chat_opens_the_chat_with_the_resource_going_with_the_next_message(
    qtbot: QtBot,
    window: MainWindow,
    resources: ResourcesTab,
    fake: ContentControl,
    shots: Path,  # noqa: F811
) -> None:
    assert resources.list.item(0).text() == "architecture.md" and DOC in resources.list.item(0).toolTip()
    assert resources.count_label.text().startswith("2 resources to read. Drag one onto")
    assert not resources.attach_button.isEnabled()
    resources.list.setCurrentRow(0)
    save(window, shots, "47-server-resources")

    qtbot.mouseClick(resources.attach_button, Qt.MouseButton.LeftButton)

    composer = window.chat_page.composer
    qtbot.waitUntil(lambda: len(composer.attachments.attached) == 1)
    assert window.pages.currentWidget().isAncestorOf(window.chat_page)
    assert composer.attachments.attached[0].uri == DOC
    save(window, shots, "47-attached-from-server-page")


def test_a_dragged_resource_opens_the_chat_over_the_sidebar_and_attaches_where_dropped(
    qtbot: QtBot, window: MainWindow, resources: ResourcesTab
) -> None:
    dragged = resources.list.mimeData([resources.list.item(0)])
    assert dropped_resource(dragged) == ("everything", DOC)
    assert not dragged.hasText(), "a text box must not paste it"
    chat_row = next(row for row, area in enumerate(window.areas) if area.key == "chat")
    over_chat = window.sidebar.visualItemRect(window.sidebar.item(chat_row)).center()

    assert not _drag_to(window.sidebar.viewport(), over_chat, "everything", DOC), "nothing drops there"
    assert window.sidebar.currentRow() == chat_row

    composer = window.chat_page.composer
    assert _drag_to(composer.input.viewport(), QPoint(20, 10), "everything", DOC)
    qtbot.waitUntil(lambda: len(composer.attachments.attached) == 1)
    assert composer.input.toPlainText() == ""


def test_a_changed_attachment_is_marked_with_a_way_to_attach_the_new_version(
    qtbot: QtBot,
    window: MainWindow,
    resources: ResourcesTab,
    shots: Path,  # noqa: F811
) -> None:
    window.show_area("chat")
    page = window.chat_page
    text = f"“architecture.md” from “everything” {CHANGED}: the model has the version you attached."
    note = ChatMessage(7, "chat-1", Role.NOTE, text, 0.0, details=changed_details("everything", DOC))
    assert changed_resource(note) == ("everything", DOC)
    page.transcript.show_messages([note])
    page.stack.setCurrentWidget(page.transcript)
    view = page.transcript.views[7]
    assert view.attach_button.isVisibleTo(view) and view.attach_button.text() == "Attach the new version"
    save(window, shots, "47-changed-since-attached")

    qtbot.mouseClick(view.attach_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: len(page.composer.attachments.attached) == 1)
    other = ChatMessage(8, "chat-1", Role.NOTE, "The model gave no answer in words.", 0.0)
    page.transcript.put_message(other)
    assert not page.transcript.views[8].attach_button.isVisibleTo(page.transcript.views[8])
