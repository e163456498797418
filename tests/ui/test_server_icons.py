"""The Servers list names a server by the title it gives itself and draws its own icon, where it may be
shown; the service side's real `IconStore` decides that (here from data URLs: no network)."""

from __future__ import annotations

import base64
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.events import IconRef, ServerState
from desktop.servers.icons import IconStore
from desktop.ui.main_window import MainWindow
from desktop.ui.models.server_table_model import Column
from tests.ui.conftest import Attach, trusted
from tests.ui.fakes import FakeControl
from tests.ui.test_rich_results import png
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)
from tests.ui.test_servers_page import cell

ICON = IconRef("data:image/png;base64," + base64.b64encode(png(32, 32)).decode(), "image/png")


def test_a_server_is_listed_by_its_title_with_its_own_icon(
    qtbot: QtBot,
    window: MainWindow,
    fake: FakeControl,
    attach: Attach,
    tmp_path: Path,
    shots: Path,  # noqa: F811
) -> None:
    running = {"state": ServerState.RUNNING, "tool_count": 2}
    fake.put(
        "pics",
        trusted(ServerConfig(command="npx", args=["pictures"])),
        title="Picture Studio",
        icons=(IconRef("file:///etc/passwd"), ICON),
        **running,
    )
    fake.put(
        "local",
        trusted(ServerConfig(command="uvx", args=["local"])),
        icons=(IconRef("file:///x.png"),),
        **running,
    )
    attach(icons=IconStore(tmp_path))
    page = window.servers_page
    assert cell(page, "pics", Column.NAME) == "Picture Studio"
    assert "Named “pics” in MCP Desk." in str(cell(page, "pics", Column.NAME, Qt.ItemDataRole.ToolTipRole))
    qtbot.waitUntil(
        lambda: isinstance(cell(page, "pics", Column.NAME, Qt.ItemDataRole.DecorationRole), QIcon)
    )
    assert cell(page, "local", Column.NAME) == "local"
    assert cell(page, "local", Column.NAME, Qt.ItemDataRole.DecorationRole) is None, "never a local file"
    window.show()
    qtbot.waitExposed(window)
    save(window, shots, "49-servers-with-titles-and-icons")
