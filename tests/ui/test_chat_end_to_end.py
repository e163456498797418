"""The whole loop for real: the window's Chat page, the consent dialog answered with qtbot, the
real service side with a generated GGUF that must call a tool, and a real MCP server process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.service_loop import ServiceLoop
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.control import CallStatus, ChatSettings, Role, ToolCard
from desktop.llm.models.fit import LoadShape
from desktop.services import Services
from desktop.ui.consent_queue import ConsentQueue
from desktop.ui.dialogs.consent_dialog import ConsentDialog
from desktop.ui.main_window import MainWindow
from tests.e2e.conftest import fixture_server
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, write_gguf
from tests.ui.real_app import real_app

ONLY_ECHO = ("echo__add", "echo__sleep", "echo__whoami", "echo__digests")


@dataclass
class Desk:
    window: MainWindow
    queue: ConsentQueue
    services: Services
    loop: ServiceLoop
    chat_id: str


@pytest.fixture(scope="module")
def hermes_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gguf(tmp_path_factory.mktemp("e2e-model") / "hermes.gguf", template=HERMES_TOOLS_TEMPLATE)


@pytest.fixture
def desk(qtbot: QtBot, hermes_model: Path) -> Iterator[Desk]:
    async def prepare(services: Services) -> str:
        await services.manager.add("echo", fixture_server("well_behaved"))
        await services.manager.start("echo")
        await services.models.load(hermes_model, LoadShape(context=2048, gpu_layers=0))
        chat = await services.chats.create("End to end")
        settings = ChatSettings(
            params=ChatParams(temperature=0.0, max_tokens=160),
            servers=("echo",),
            hidden_tools=ONLY_ECHO,
            tool_choice=ToolChoice.REQUIRED,
        )
        await services.chats.save_settings(chat.id, settings)
        return chat.id

    with real_app(qtbot, prepare) as app:
        app.window.show_area("chat")
        app.window.chat_page.open_chat(app.prepared)
        qtbot.waitUntil(lambda: not app.window.chat_page.loading)
        yield Desk(app.window, app.queue, app.services, app.loop, app.prepared)


def send(qtbot: QtBot, desk: Desk, text: str) -> ConsentDialog:
    composer = desk.window.chat_page.composer
    composer.input.setPlainText(text)
    composer.send_button.click()
    qtbot.waitUntil(lambda: isinstance(desk.queue.dialog, ConsentDialog), timeout=60_000)
    dialog = desk.queue.dialog
    assert isinstance(dialog, ConsentDialog)
    return dialog


def first_card(qtbot: QtBot, desk: Desk) -> ToolCard:
    """The first tool card once its call ended; later calls the model asks for are denied."""

    def settled() -> bool:
        if isinstance(desk.queue.dialog, ConsentDialog):
            desk.queue.dialog.deny_button.click()
        return not desk.services.chats.busy(desk.chat_id) and bool(cards())

    def cards() -> list[ToolCard]:
        shown = desk.window.chat_page.transcript.messages
        return [card for m in shown if m.role is Role.ASSISTANT for card in m.cards]

    qtbot.waitUntil(settled, timeout=60_000)
    return cards()[0]


def test_allowed_call_runs_on_the_real_server_and_the_chat_shows_its_result(qtbot: QtBot, desk: Desk) -> None:
    dialog = send(qtbot, desk, "Please echo something")
    assert dialog.request.tool.qualified_name == "echo__echo"
    asked = dialog.request.arguments
    assert desk.window.chat_page.composer.busy
    dialog.allow_once_button.click()
    card = first_card(qtbot, desk)
    assert card.status is CallStatus.DONE
    assert card.result == asked["text"] and card.audit_seq is not None


def test_edited_arguments_are_what_the_server_gets(qtbot: QtBot, desk: Desk) -> None:
    dialog = send(qtbot, desk, "Please echo something")
    dialog.arguments_box.setPlainText(json.dumps({"text": "edited by the user"}))
    qtbot.waitUntil(dialog.allow_once_button.isEnabled)
    dialog.allow_once_button.click()
    card = first_card(qtbot, desk)
    assert (card.status, card.result, card.arguments) == (
        CallStatus.DONE,
        "edited by the user",
        {"text": "edited by the user"},
    )
    records = desk.loop.submit(desk.services.audit.query(AuditFilter(kind=AuditKind.TOOL_CALL))).result(10)
    assert records[0].data["arguments"] == {"text": "edited by the user"}
    assert "asked_arguments" in records[0].data


def test_a_denial_with_a_reason_sends_nothing_and_the_chat_shows_the_refusal(
    qtbot: QtBot, desk: Desk
) -> None:
    dialog = send(qtbot, desk, "Please echo something")
    dialog.reason_edit.setText("not today")
    dialog.deny_reason_button.click()
    card = first_card(qtbot, desk)
    assert card.status is CallStatus.DENIED and "not today" in card.result
    records = desk.loop.submit(desk.services.audit.query(AuditFilter())).result(10)
    assert not [r for r in records if r.kind is AuditKind.TOOL_RESULT]
    denial = next(r for r in records if r.kind is AuditKind.TOOL_CALL)
    assert (denial.data["decision"], denial.data["reason"]) == ("denied", "not today")
    log = desk.services.rpc_log.log
    assert not [e for e in log.recent() if e.method == "tools/call"], "nothing went to the server"
