"""The approval dialog: safe by default, clear about what runs, silent about secret values."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.config import CatalogueOrigin
from desktop.core.sandbox_policy import Sandbox
from desktop.servers.control import TrustRequest
from desktop.servers.sandbox import not_sandboxed_here
from desktop.ui.dialogs.trust_dialog import TrustDialog, command_lines, split_command
from tests.ui.fakes import FakeControl
from tests.ui.helpers import all_text

REQUEST = TrustRequest(
    server="github",
    command_line="/usr/bin/npx -y @modelcontextprotocol/server-github 'a folder/with spaces'",
    env_names=("GITHUB_TOKEN",),
    header_names=(),
    cwd="/home/me/projects",
    launch_hash="abc123",
    changed=False,
)


def shown(qtbot: QtBot, request: TrustRequest = REQUEST) -> TrustDialog:
    dialog = TrustDialog(request)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def test_cancel_has_the_focus_and_is_the_default(qtbot: QtBot) -> None:
    dialog = shown(qtbot)
    assert dialog.focusWidget() is dialog.cancel_button
    assert dialog.cancel_button.isDefault()
    assert not dialog.approve_button.isDefault()
    with qtbot.assertNotEmitted(dialog.approved):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    assert dialog.result() == TrustDialog.DialogCode.Rejected


def test_escape_cancels(qtbot: QtBot) -> None:
    dialog = shown(qtbot)
    with qtbot.assertNotEmitted(dialog.approved), qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # type: ignore[no-untyped-call]
    assert not dialog.isVisible()


def test_approve_emits_the_launch_hash(qtbot: QtBot) -> None:
    dialog = shown(qtbot)
    with qtbot.waitSignal(dialog.approved) as approved:
        dialog.approve_button.click()
    assert approved.args == ["abc123"]


def test_shows_command_folder_and_variable_names(qtbot: QtBot) -> None:
    dialog = shown(qtbot)
    text = all_text(dialog)
    assert "/usr/bin/npx\n-y @modelcontextprotocol/server-github\n'a folder/with spaces'" in text
    assert "Starts in:" in text and "/home/me/projects" in text
    assert "Extra settings:" in text and "GITHUB_TOKEN" in text
    assert "changed since you last approved" not in text


def test_a_path_is_never_broken_across_lines() -> None:
    argv = ["python", "-m", "desktop.builtin_servers.files", "--root", "/home/me/Shared", "--write", "x y"]
    assert command_lines(argv) == [
        "python",
        "-m desktop.builtin_servers.files",
        "--root /home/me/Shared",
        "--write 'x y'",
    ]
    assert split_command("npx 'a b") == ["npx 'a b"]


def test_rows_with_nothing_to_say_are_left_out(qtbot: QtBot) -> None:
    bare = replace(REQUEST, env_names=(), cwd=None)
    text = all_text(shown(qtbot, bare))
    assert "Not set" not in text and "None" not in text
    assert "Starts in:" not in text and "Extra settings:" not in text and "Working folder" not in text


def test_its_own_folder_is_named(qtbot: QtBot) -> None:
    dialog = TrustDialog(REQUEST, sandbox=Sandbox())
    qtbot.addWidget(dialog)
    text = all_text(dialog)
    if not_sandboxed_here() is None:
        assert (
            "it sees only its own folder. It may not use the network. Its own folder is /home/me/projects."
            in text
        )


def test_a_program_is_run_it_and_says_what_a_program_may_do(qtbot: QtBot) -> None:
    dialog = shown(qtbot)
    text = all_text(dialog)
    assert "Run “github” on this computer?" in text
    assert "Not sandboxed: it can read and change all your files and use the network." in text
    assert text.count("read and change") == 1, "the access is said once, in the Sandbox row"
    assert "Only run programs from people you trust." in text
    assert dialog.approve_button.text() == "Run it"
    assert "Connect" not in text


def test_never_shows_environment_values(qtbot: QtBot, three_servers: FakeControl) -> None:
    text = all_text(shown(qtbot, three_servers.trust_request("github")))
    assert "GITHUB_TOKEN" in text
    assert "ghp_do-not-show-me" not in text


def test_says_when_the_command_changed(qtbot: QtBot) -> None:
    changed = replace(REQUEST, changed=True)
    text = all_text(shown(qtbot, changed))
    assert "This server's command or sandbox changed since you last approved it." in text


def test_remote_server_is_connect_and_says_what_it_is_sent(qtbot: QtBot) -> None:
    remote = TrustRequest("cloud", "https://mcp.example.com/mcp", (), ("Authorization",), None, "h", False)
    dialog = shown(qtbot, remote)
    text = all_text(dialog)
    assert "Connect to “cloud”?" in text
    assert "Address:" in text and "https://mcp.example.com/mcp" in text
    assert "Authorization" in text
    assert "connect to this address and send it the tool calls you allow" in text
    assert dialog.approve_button.text() == "Connect"
    assert "Run" not in text and "your files" not in text and "Command:" not in text


def test_a_command_on_mcp_desk_s_own_node_says_so(qtbot: QtBot) -> None:
    own = "MCP Desk's own Node.js 24.19.0, downloaded once, when the server first starts"
    assert own in all_text(shown(qtbot, replace(REQUEST, command_line="npx -y pkg", runs_on=own)))
    assert "Runs on:" not in all_text(shown(qtbot))


ORIGIN = CatalogueOrigin(
    registry="https://registry.example.com",
    name="io.github.acme/weather",
    version="1.2.0",
    publisher="io.github.acme",
    package="npm @acme/weather@1.2.0",
    source="io.github.acme/weather 1.2.0 from the registry at https://registry.example.com",
)


def test_an_installed_entry_names_its_publisher_package_and_source(qtbot: QtBot) -> None:
    text = all_text(shown(qtbot, replace(REQUEST, origin=ORIGIN)))
    assert "Runs:" in text and "by acme on GitHub (not verified)" in text
    assert "Technical details" in text and "Package:" in text and "npm @acme/weather@1.2.0" in text
    assert "From:" in text and "from the registry at https://registry.example.com" in text
    assert "Not now leaves it installed: it waits on the Servers page" in text
    assert "Runs:" not in all_text(shown(qtbot))


def test_an_installed_remote_says_it_runs_on_the_publishers_service(qtbot: QtBot) -> None:
    origin = ORIGIN.model_copy(update={"package": "https://mcp.acme.com/mcp"})
    remote = TrustRequest("weather", "https://mcp.acme.com/mcp", (), (), None, "h", False, origin)
    text = all_text(shown(qtbot, remote))
    assert "It runs on its publisher's service, not on this computer" in text
    assert "it sees what you send it" in text and "your files" not in text
    assert "Package:" not in text, "a remote's package is its address, shown once"


def test_an_installed_entry_is_asked_about_by_its_title(qtbot: QtBot) -> None:
    dialog = shown(qtbot, replace(REQUEST, origin=ORIGIN.model_copy(update={"title": "Weather"})))
    text = all_text(dialog)
    assert "Start Weather?" in text and "Weather 1.2.0 by acme on GitHub (not verified)" in text
    assert dialog.approve_button.text() == "Start Weather"
    assert dialog.cancel_button.text() == "Not now" and dialog.cancel_button.isDefault()
