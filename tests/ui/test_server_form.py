"""Adding and editing a server without typing JSON, and with JSON for those who have a snippet."""

from __future__ import annotations

import json
import os
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QTableWidgetItem
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig, SignInClient
from desktop.ui.dialogs.server_form import ServerFormDialog
from tests.ui.helpers import all_text

ARGS_WITH_SPACES = ["--root", "/home/me/My Documents", "--greeting", "hello  world"]


def form(qtbot: QtBot, **kwargs: object) -> ServerFormDialog:
    dialog = ServerFormDialog(taken=kwargs.pop("taken", {"files"}), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def save(qtbot: QtBot, dialog: ServerFormDialog) -> list[object] | None:
    """Press the save button; the signal's arguments, or None when the form refused."""
    received: list[list[object]] = []
    dialog.accepted_config.connect(lambda *args: received.append(list(args)))
    dialog.save_button.click()
    return received[0] if received else None


@pytest.mark.parametrize(
    ("name", "command", "message"),
    [
        ("", "uvx", "Give the server a name."),
        ("my server", "uvx", "“my server” can't be used as a server name"),
        ("a__b", "uvx", "no double underscore"),
        ("files", "uvx", "There is already a server called “files”. Choose another name."),
        ("time", "", "Enter the program to run, for example npx or uvx."),
    ],
)
def test_refuses_with_a_plain_sentence(qtbot: QtBot, name: str, command: str, message: str) -> None:
    dialog = form(qtbot)
    dialog.fields.name_edit.setText(name)
    dialog.fields.command_edit.setText(command)
    assert save(qtbot, dialog) is None
    assert message in dialog.message.text
    assert dialog.isVisible()


def test_remote_server_needs_a_web_address(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    dialog.fields.name_edit.setText("cloud")
    assert dialog.fields.command_edit.isVisible() and not dialog.fields.url_edit.isVisible()
    dialog.fields.remote_radio.setChecked(True)
    assert dialog.fields.url_edit.isVisible() and not dialog.fields.command_edit.isVisible()
    assert not dialog.fields.env_table.isVisible()
    assert save(qtbot, dialog) is None
    assert "Enter the server's address" in dialog.message.text
    dialog.fields.url_edit.setText("ftp://example.com")
    assert save(qtbot, dialog) is None
    assert dialog.message.text == "The URL must start with http:// or https://."
    dialog.fields.url_edit.setText("https://example.com/mcp")
    dialog.fields.headers_table.set_items({"Authorization": "Bearer ${secret:cloud}"})
    received = save(qtbot, dialog)
    assert received is not None
    assert received[1] == ServerConfig(
        url="https://example.com/mcp", headers={"Authorization": "Bearer ${secret:cloud}"}
    )


def test_environment_rows_need_names(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    dialog.fields.name_edit.setText("time")
    dialog.fields.command_edit.setText("uvx")
    table = dialog.fields.env_table.table
    dialog.fields.env_table.add_button.click()
    table.setItem(0, 1, QTableWidgetItem("value without a name"))
    assert save(qtbot, dialog) is None
    assert dialog.message.text == "Each environment variable needs a name. Fill it in or remove the row."
    table.setItem(0, 0, QTableWidgetItem("TZ"))
    received = save(qtbot, dialog)
    assert received is not None
    assert received[1].env == {"TZ": "value without a name"}  # type: ignore[attr-defined]


def test_add_emits_the_config_with_arguments_as_typed(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    dialog.fields.name_edit.setText("files2")
    dialog.fields.command_edit.setText("python")
    dialog.fields.args_edit.setPlainText("\n".join(ARGS_WITH_SPACES))
    dialog.fields.cwd_edit.setText("/home/me")
    dialog.fields.start_with_app_box.setChecked(False)
    received = save(qtbot, dialog)
    assert received == [
        "files2",
        ServerConfig(command="python", args=ARGS_WITH_SPACES, cwd="/home/me", start_with_app=False),
        None,
    ]
    assert not dialog.isVisible()


def test_json_tab_round_trip_keeps_arguments_with_spaces(qtbot: QtBot) -> None:
    config = ServerConfig(command="python", args=ARGS_WITH_SPACES, env={"TZ": "Europe/Paris"})
    dialog = form(qtbot, name="files", config=config)
    dialog.tabs.setCurrentIndex(1)
    shown = json.loads(dialog.json_edit.toPlainText())
    assert shown == {"command": "python", "args": ARGS_WITH_SPACES, "env": {"TZ": "Europe/Paris"}}
    shown["args"].append("one more arg")
    dialog.json_edit.setPlainText(json.dumps(shown))
    assert dialog.json_message.text == ""
    dialog.tabs.setCurrentIndex(0)
    assert dialog.fields.args_edit.toPlainText().split("\n") == [*ARGS_WITH_SPACES, "one more arg"]
    received = save(qtbot, dialog)
    assert received is not None
    assert received[0] == "files" and received[2] == "files"
    assert received[1].args == [*ARGS_WITH_SPACES, "one more arg"]  # type: ignore[attr-defined]


def test_invalid_json_says_so_and_keeps_the_form(qtbot: QtBot) -> None:
    dialog = form(qtbot, name="time", config=ServerConfig(command="uvx", args=["mcp-server-time"]))
    dialog.tabs.setCurrentIndex(1)
    dialog.json_edit.setPlainText('{"command": "npx", "args": [')
    assert dialog.json_message.text.startswith("This is not valid JSON (line 1")
    assert dialog.fields.command_edit.text() == "uvx"
    assert save(qtbot, dialog) is None
    assert "Fix the JSON first" in dialog.message.text
    dialog.json_edit.setPlainText('{"args": ["x"]}')
    assert 'Describe one server with "command"' in dialog.json_message.text
    dialog.json_edit.setPlainText('{"command": "npx", "args": [1, 2]}')
    assert dialog.json_message.text.startswith("The value for “args 0” isn't right")
    assert dialog.fields.command_edit.text() == "uvx"


def test_pasting_a_claude_snippet_fills_name_and_command(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    dialog.tabs.setCurrentIndex(1)
    snippet = {
        "mcpServers": {"github": {"command": "npx", "args": ["-y", "server-github"], "env": {"T": "x"}}}
    }
    dialog.json_edit.setPlainText(json.dumps(snippet))
    assert dialog.fields.name() == "github"
    assert dialog.fields.command_edit.text() == "npx"
    assert dialog.fields.env_table.items() == {"T": "x"}
    dialog.json_edit.setPlainText('{"url": "https://example.com/mcp"}')
    assert dialog.fields.remote_radio.isChecked()
    assert dialog.fields.url_edit.text() == "https://example.com/mcp"


def type_command(qtbot: QtBot, dialog: ServerFormDialog, text: str) -> None:
    """Type into Command, then Tab on to the next field, as a user does."""
    fields = dialog.fields
    fields.command_edit.setFocus()
    qtbot.waitUntil(fields.command_edit.hasFocus)
    qtbot.keyClicks(fields.command_edit, text)
    qtbot.keyClick(fields.command_edit, Qt.Key.Key_Tab)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: not fields.command_edit.hasFocus())


def test_a_whole_command_line_is_split_into_program_and_arguments(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    fields = dialog.fields
    fields.name_edit.setText("time")
    type_command(qtbot, dialog, f"{sys.executable} -m mcp_server_time --local-timezone 'Europe/Paris'")
    assert fields.command_edit.text() == sys.executable
    assert fields.args_edit.toPlainText().split("\n") == [
        "-m",
        "mcp_server_time",
        "--local-timezone",
        "Europe/Paris",
    ]
    assert f"split this into the program “{sys.executable}” and its arguments" in fields.command_note.text
    assert not fields.suggestion_button.isVisible()
    received = save(qtbot, dialog)
    assert received is not None
    assert received[1] == ServerConfig(
        command=sys.executable, args=["-m", "mcp_server_time", "--local-timezone", "Europe/Paris"]
    )


def test_a_command_line_saved_without_leaving_the_field_is_split_too(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    dialog.fields.name_edit.setText("everything")
    dialog.fields.command_edit.setText("npx -y @modelcontextprotocol/server-everything")
    received = save(qtbot, dialog)
    assert received is not None
    assert received[1] == ServerConfig(command="npx", args=["-y", "@modelcontextprotocol/server-everything"])


def test_a_new_form_shows_no_empty_advice_or_button_under_command(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    fields = dialog.fields
    assert not fields.suggestion_button.isVisible() and not fields.command_note.isVisible()
    fields.remote_radio.setChecked(True)
    fields.program_radio.setChecked(True)
    assert not fields.suggestion_button.isVisible() and not fields.command_note.isVisible()


def test_a_near_miss_is_offered_and_taken_with_one_click(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    fields = dialog.fields
    type_command(qtbot, dialog, "pyhton3 -m mcp_server_time")
    assert "“pyhton3” isn't on this computer. Did you mean “python3”?" in fields.command_note.text
    assert fields.args_edit.toPlainText().split("\n") == ["-m", "mcp_server_time"]
    assert fields.suggestion_button.isVisible() and fields.suggestion_button.text() == "Use “python3”"
    fields.suggestion_button.click()
    assert fields.command_edit.text() == "python3"
    assert not fields.suggestion_button.isVisible()
    assert "isn't on this computer" not in fields.command_note.text


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "zzq-no-such-program",
            "“zzq-no-such-program” isn't on this computer. Check the spelling, install it",
        ),
        ("/nowhere/at/all/server", "There is no program at “/nowhere/at/all/server”. Check the path."),
    ],
)
def test_a_program_that_is_not_here_is_said_plainly_and_does_not_block_saving(
    qtbot: QtBot, typed: str, said: str
) -> None:
    dialog = form(qtbot)
    dialog.fields.name_edit.setText("mine")
    type_command(qtbot, dialog, typed)
    assert said in dialog.fields.command_note.text
    assert os.pathsep + "/" not in dialog.fields.command_note.text, "no PATH dump in the form"
    assert not dialog.fields.suggestion_button.isVisible()
    assert save(qtbot, dialog) is not None, "it may be installed later"


def test_a_remote_server_takes_a_client_id_and_secret_and_shows_the_address_to_register(qtbot: QtBot) -> None:
    dialog = form(qtbot)
    fields = dialog.fields
    fields.name_edit.setText("cloud")
    assert not fields.sign_in_section.isVisible(), "a program on this computer signs in nowhere"
    fields.remote_radio.setChecked(True)
    fields.url_edit.setText("https://example.com/mcp")
    assert fields.sign_in_section.isVisible() and not fields.sign_in_fields.isVisible()
    fields.sign_in_section.set_open(True)
    sign_in = fields.sign_in_fields
    address = sign_in.redirect_edit.text()
    assert address.startswith("http://127.0.0.1:") and address.endswith("/callback")
    words = all_text(sign_in)
    assert "opens your browser to sign in when the server starts" in words
    assert "Optional: fill these in only if the server's provider gave you a client ID" in words
    assert "Address to give the provider (redirect URI):" in words
    assert sign_in.secret_edit.echoMode() is QLineEdit.EchoMode.Password
    sign_in.client_id_edit.setText(" desk-client ")
    sign_in.secret_edit.setText("cs-typed-secret")
    sign_in.copy_button.click()
    assert QGuiApplication.clipboard().text() == address

    received = save(qtbot, dialog)

    assert received is not None
    config = received[1]
    assert isinstance(config, ServerConfig) and config.sign_in is not None
    assert (config.sign_in.client_id, config.sign_in.client_secret) == ("desk-client", "cs-typed-secret")
    assert config.sign_in.redirect_uri == address, "the address the user registered is the one used"


def test_editing_keeps_the_saved_secret_and_the_address_unless_a_new_secret_is_typed(qtbot: QtBot) -> None:
    saved = SignInClient(client_id="desk-client", client_secret="${secret:oauth.cloud.client_secret}")
    config = ServerConfig(url="https://example.com/mcp", sign_in=saved)
    dialog = form(qtbot, name="cloud", config=config)
    sign_in = dialog.fields.sign_in_fields
    assert sign_in.isVisible(), "a server with a client ID opens at its sign-in"
    assert sign_in.secret_edit.text() == "" and "keychain" in sign_in.secret_edit.placeholderText()
    assert sign_in.redirect_edit.text() == saved.redirect_uri

    received = save(qtbot, dialog)

    assert received is not None and received[1] == config


@pytest.mark.parametrize(
    ("client_id", "secret", "message"),
    [("", "a-secret", "Enter the client ID that goes with the client secret.")],
    ids=["secret without a client ID"],
)
def test_a_sign_in_half_filled_is_refused_with_a_sentence(
    qtbot: QtBot, client_id: str, secret: str, message: str
) -> None:
    dialog = form(qtbot)
    dialog.fields.name_edit.setText("cloud")
    dialog.fields.remote_radio.setChecked(True)
    dialog.fields.url_edit.setText("https://example.com/mcp")
    dialog.fields.sign_in_fields.client_id_edit.setText(client_id)
    dialog.fields.sign_in_fields.secret_edit.setText(secret)
    assert save(qtbot, dialog) is None
    assert dialog.message.text == message
    assert dialog.fields.sign_in_fields.isVisible(), "the section opens to show the field to fix"
