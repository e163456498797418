"""A server's resources for real: the window on the real service side, npm's `server-everything` and a
generated model. A resource is attached from the server's page, sent, and when the server updates it
(its `toggle-subscriber-updates` turns that on), the chat marks it and attaches the new version.
Pictures in `tests/artifacts/48-*.png`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.llm.chat.attachments import changed_resource
from desktop.llm.chat.control import Role
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)
from tests.ui.test_server_picks_end_to_end import DOC, Desk, desk  # noqa: F401 (the fixture)


def test_a_resource_attached_from_the_servers_page_is_marked_when_the_server_updates_it(
    qtbot: QtBot,
    desk: Desk,  # noqa: F811
    shots: Path,  # noqa: F811
) -> None:
    desk.window.resize(1200, 760)
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
