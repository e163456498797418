"""A server's sandbox where the user meets it: the approval question, the server's page, the form."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState
from desktop.core.sandbox_policy import FileAccess, PickedFolder, Sandbox
from desktop.servers.control import TrustRequest
from desktop.ui.dialogs.server_form import ServerFormDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach, trusted
from tests.ui.fakes import FakeControl
from tests.ui.helpers import all_text, wait_for_dialog
from tests.ui.test_screenshots import ARTIFACTS, save
from tests.ui.test_server_form import form
from tests.ui.test_server_form import save as press_save

FILES = ["-m", "desktop.builtin_servers.files", "--root", "/home/me/Shared"]
BOXED = "Sandboxed: it sees only its own folder. It may not use the network."
OWN = " Its own folder is /home/me/Shared."


def test_the_page_says_what_the_sandbox_stopped_in_sentences(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    fake.put(
        "files",
        trusted(ServerConfig(command="python", args=FILES, sandbox=Sandbox())),
        state=ServerState.RUNNING,
    )
    fake.set_output("files", f"PermissionError: [Errno 13] Permission denied: '{Path.home()}/.ssh/id_rsa'")
    fake.put("plain", trusted(ServerConfig(command="node", args=["server.js"])))
    attach()
    page = window.servers_page
    page.select("files")
    overview = page.details.overview
    assert overview.sandbox_label.text() == BOXED + OWN
    assert overview.blocked_label.text() == (
        "The sandbox blocked:\n• reading ~/.ssh/id_rsa (outside what it may see)"
    )
    assert overview.blocked_hint.isVisibleTo(overview)
    assert overview.blocked_hint.text().startswith("This protects your files.")
    fake.emit_output("files", "ConnectionRefusedError: [Errno 111] Connection refused")
    qtbot.waitUntil(lambda: "using the network" in overview.blocked_label.text())
    window.resize(1100, 760)
    ARTIFACTS.mkdir(exist_ok=True)
    save(window, ARTIFACTS, "server-page-sandbox")
    page.select("plain")
    assert overview.sandbox_label.text().startswith("Not sandboxed")
    assert not overview.blocked_label.isVisibleTo(overview)
    assert not overview.blocked_hint.isVisibleTo(overview)


def test_the_approval_question_shows_the_sandbox(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    fake.put("files", ServerConfig(command="python", args=FILES, sandbox=Sandbox()))
    attach()
    page = window.servers_page
    page.select("files")
    page.start_action.trigger()
    dialog = wait_for_dialog(qtbot, TrustDialog)
    text = all_text(dialog)
    assert BOXED in text and "What it can reach is under Sandbox." in text
    assert "it can read and change your files" not in text
    save(dialog, ARTIFACTS, "trust-dialog-sandbox")
    dialog.reject()


def test_an_unsandboxed_server_is_asked_about_as_one(qtbot: QtBot) -> None:
    request = TrustRequest("plain", "/usr/bin/node server.js", (), (), None, "h", changed=False)
    dialog = TrustDialog(request)
    qtbot.addWidget(dialog)
    text = all_text(dialog)
    assert "Not sandboxed: it can read and change all your files and use the network." in text
    assert text.count("read and change") == 1, "said once, in the Sandbox row"


def test_the_form_edits_the_sandbox(qtbot: QtBot) -> None:
    picked = (PickedFolder(path="/media/photos"),)
    config = ServerConfig(
        command="uvx", args=["photo-server"], sandbox=Sandbox(files=FileAccess.NONE, folders=picked)
    )
    dialog = form(qtbot, name="photos", config=config)
    fields = dialog.sandbox_fields
    assert fields.enabled_box.isChecked() and fields.folders_list.count() == 1
    fields.files_combo.setCurrentIndex(fields.files_combo.findData(FileAccess.SHARED_READ))
    fields.network_box.setChecked(True)
    fields.folders_list.item(0).setCheckState(Qt.CheckState.Checked)
    saved = press_save(qtbot, dialog)
    assert saved is not None
    new = saved[1]
    assert isinstance(new, ServerConfig)
    assert new.sandbox == Sandbox(
        files=FileAccess.SHARED_READ,
        folders=(PickedFolder(path="/media/photos", writable=True),),
        network=True,
    )


def test_a_new_server_starts_unsandboxed_and_a_remote_one_has_no_sandbox(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    assert not dialog.sandbox_fields.enabled_box.isChecked()
    assert not dialog.sandbox_fields.details.isEnabled()
    dialog.fields.name_edit.setText("cloud")
    dialog.fields.remote_radio.setChecked(True)
    assert not dialog.sandbox_section.isVisibleTo(dialog)
    dialog.sandbox_fields.enabled_box.setChecked(True)
    dialog.fields.url_edit.setText("https://example.com/mcp")
    saved = press_save(qtbot, dialog)
    assert saved is not None and isinstance(saved[1], ServerConfig) and saved[1].sandbox is None


def test_the_form_with_its_sandbox_section_open(qtbot: QtBot) -> None:
    config = ServerConfig(command="npx", args=["-y", "some-server"], sandbox=Sandbox(network=True))
    dialog: ServerFormDialog = form(qtbot, name="some", config=config)
    scroll = dialog.findChild(QScrollArea)
    assert scroll is not None
    scroll.ensureWidgetVisible(dialog.sandbox_section)
    assert dialog.sandbox_fields.network_box.isChecked()
    ARTIFACTS.mkdir(exist_ok=True)
    save(dialog, ARTIFACTS, "server-form-sandbox")


def test_the_files_choice_says_which_folder_is_its_own(qtbot: QtBot) -> None:
    dialog = form(qtbot, name="some", config=ServerConfig(command="npx", sandbox=Sandbox()))
    fields = dialog.sandbox_fields
    assert fields.own_hint.isVisibleTo(fields)
    assert "Working folder" in fields.own_hint.text()
    dialog.fields.cwd_edit.setText("/home/me/Shared")  # the working folder typed above
    assert fields.own_hint.text() == "Its own folder: /home/me/Shared"
    fields.files_combo.setCurrentIndex(fields.files_combo.findData(FileAccess.HOME))
    assert not fields.own_hint.isVisibleTo(fields)


def test_remove_needs_a_selected_folder(qtbot: QtBot) -> None:
    picked = (PickedFolder(path="/media/photos"),)
    config = ServerConfig(command="uvx", sandbox=Sandbox(folders=picked))
    dialog = form(qtbot, name="photos", config=config)
    fields = dialog.sandbox_fields
    assert not fields.remove_button.isEnabled()
    fields.folders_list.setCurrentRow(0)
    assert fields.remove_button.isEnabled()
    fields.remove_button.click()
    assert fields.folders_list.count() == 0 and not fields.remove_button.isEnabled()
