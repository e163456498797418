"""Pictures of the Servers screens this round touched, in `tests/artifacts/`, for a person to judge.

The form after a whole command line was pasted and after a typo, a remote server's sign-in
client (client ID, secret, the address to give the provider), the approval question for a
program and for an address, and a remote server that failed last time, shown on the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState
from desktop.ui.dialogs.server_form import ServerFormDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl
from tests.ui.test_screenshots import save, shots  # noqa: F401  (the fixture)

NOT_FOUND = (
    "“cloud” could not be reached: the address mcp.example.invalid was not found. Check the address in "
    "its settings, and that this computer is online. That is how it failed last time, so MCP Desk did "
    "not start it this time. Press Start to try again."
)


def typed(qtbot: QtBot, dialog: ServerFormDialog, text: str) -> None:
    dialog.fields.command_edit.setFocus()
    qtbot.waitUntil(dialog.fields.command_edit.hasFocus)
    qtbot.keyClicks(dialog.fields.command_edit, text)
    qtbot.keyClick(dialog.fields.command_edit, Qt.Key.Key_Tab)  # type: ignore[no-untyped-call]


def test_screenshots_of_the_server_form_and_approvals(qtbot: QtBot, shots: Path) -> None:  # noqa: F811
    for name, text in (("split", f"{sys.executable} -m mcp_server_time"), ("near-miss", "pyhton3 -m server")):
        dialog = ServerFormDialog(taken=set())
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.fields.name_edit.setText("time")
        typed(qtbot, dialog, text)
        save(dialog, shots, f"server-form-{name}")
    sign_in = ServerFormDialog(taken=set())
    qtbot.addWidget(sign_in)
    sign_in.show()
    qtbot.waitExposed(sign_in)
    sign_in.fields.name_edit.setText("cloud")
    sign_in.fields.remote_radio.setChecked(True)
    sign_in.fields.url_edit.setText("https://mcp.example.com/mcp")
    sign_in.fields.sign_in_section.set_open(True)
    sign_in.fields.sign_in_fields.client_id_edit.setText("mcp-desk-3f9a1c")
    sign_in.fields.sign_in_fields.secret_edit.setText("not-a-real-secret")
    save(sign_in, shots, "server-form-sign-in")
    for name, config in (
        ("program", ServerConfig(command="npx", args=["-y", "@modelcontextprotocol/server-everything"])),
        ("address", ServerConfig(url="https://mcp.example.com/mcp", headers={"Authorization": "Bearer x"})),
    ):
        control = FakeControl(lambda _event: None)
        control.put("everything" if config.command else "cloud", config)
        trust = TrustDialog(control.trust_request(control.statuses()[0].name))
        qtbot.addWidget(trust)
        trust.show()
        qtbot.waitExposed(trust)
        save(trust, shots, f"trust-{name}")


def test_screenshot_of_a_remote_server_held_back(
    window: MainWindow,
    fake: FakeControl,
    attach: Attach,
    shots: Path,  # noqa: F811
) -> None:
    config = ServerConfig(url="https://mcp.example.invalid/mcp")
    fake.put(
        "cloud",
        config.model_copy(update={"trusted_launch": config.launch_hash()}),
        state=ServerState.FAILED,
        reason=NOT_FOUND,
        details="ConnectError: [Errno -2] Name or service not known",
    )
    attach()
    window.resize(1100, 720)
    window.show()
    window.show_area("servers")
    window.servers_page.select("cloud")
    save(window, shots, "servers-remote-held-back")
