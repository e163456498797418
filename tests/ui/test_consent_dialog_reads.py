"""The consent dialog asking about a read of a server's resource: worded as a read, with nothing to edit.

The request is the one `ServerContent` puts to the gate (`read_tool`), so the words follow the real one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.core.audit_records import ConsentHow
from desktop.core.consent import CallContext, Choice, ConsentRequest, Decision
from desktop.servers.server_content import read_tool
from desktop.ui.dialogs.consent_dialog import ConsentDialog
from tests.ui.helpers import all_text
from tests.ui.test_consent_dialog import CHAT, TOOL, Shown, request_for

URI = "file:///notes/plan.md"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def read_request(context: CallContext = CHAT, reader: str = "the model") -> ConsentRequest:
    return ConsentRequest(read_tool("files", URI, reader, "Trip plan"), {"uri": URI}, context)


def test_a_models_read_is_asked_as_a_read_of_the_resource_by_its_title(qtbot: QtBot) -> None:
    view = Shown(qtbot, read_request())
    text = all_text(view.dialog)

    assert view.dialog.windowTitle() == "Allow a read?"
    assert view.dialog.title_label.text() == "The model wants to read “Trip plan” from “files”. Allow it?"
    assert URI in text and "gives it to the model" in text
    assert "tool" not in view.dialog.title_label.text()
    assert not view.dialog.arguments_box.isVisible(), "a read has nothing to edit"
    assert view.dialog.allow_always_button.text() == "Always allow reading this"
    ARTIFACTS.mkdir(exist_ok=True)
    assert view.dialog.grab().save(str(ARTIFACTS / "consent-read.png"))

    view.dialog.allow_chat_button.click()
    assert view.decision == Decision(Choice.ALLOW_CHAT, {"uri": URI}, ConsentHow.ASKED)


def test_the_first_question_explains_a_read_as_a_read(qtbot: QtBot) -> None:
    dialog = ConsentDialog(read_request(), explain=True)
    qtbot.addWidget(dialog)

    assert "Your model wants to read something a server offers" in dialog.explanation.text_label.text()


def test_another_apps_read_names_the_app(qtbot: QtBot) -> None:
    view = Shown(qtbot, read_request(CallContext("gateway", app="Cursor"), "Cursor"))

    assert view.dialog.title_label.text() == "Cursor wants to read “Trip plan” from “files”. Allow it?"
    assert "gives it to Cursor" in all_text(view.dialog)


def test_a_servers_own_tool_called_read_resource_is_still_asked_as_a_tool(qtbot: QtBot) -> None:
    lookalike = replace(TOOL, name="read_resource")
    view = Shown(qtbot, request_for(lookalike))

    assert view.dialog.windowTitle() == "Allow a tool to run?"
    assert view.dialog.arguments_box.isVisible()
