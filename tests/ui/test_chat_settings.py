"""A chat's own settings, the context meter, and where chat answers come from (Settings page)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from desktop.core.events import ServerToolsChanged
from desktop.llm.backends.backend import ChatParams, ChatProblem, ToolChoice
from desktop.llm.chat.control import BackendSettings, ChatSettings, ContextUse
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.chat_page import ChatPage
from desktop.ui.pages.chat_settings_panel import ChatSettingsPanel
from desktop.ui.widgets.context_meter import (
    COLOURS,
    ContextMeter,
    crowd_text,
    left_out_text,
    level,
    tokens_text,
    use_text,
)
from tests.ui.chat_fakes import BackendSave, FakeChats, opened, shown_page, tool
from tests.ui.conftest import Attach
from tests.ui.helpers import top_items
from tests.ui.test_screenshots import ARTIFACTS, save

LEFT_OUT = ("Write file", "Move file", "Edit file", "Search files", "Get file info", "Create directory")


@pytest.fixture
def page(qtbot: QtBot, bridge: Bridge, attach: Attach) -> ChatPage:
    return shown_page(qtbot, bridge, attach)


TOOLS = [tool("files", "read_file"), tool("files", "write_file"), tool("time", "get_current_time")]


def item(panel: ChatSettingsPanel, key: str) -> QTreeWidgetItem:
    for top in top_items(panel.tools_tree):
        if top.text(0) == key:
            return top
        for index in range(top.childCount()):
            child = top.child(index)
            if child is not None and child.data(0, Qt.ItemDataRole.UserRole) == key:
                return child
    raise AssertionError(f"no {key} in the tools list")


@pytest.fixture
def settings_open(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> str:
    chats.available = list(TOOLS)
    page._bridge.deliver(ServerToolsChanged("files", tuple(TOOLS[:2])))
    chats.add_chat("Tuned")
    chat_id = opened(qtbot, page, chats, "Tuned")
    page.settings_button.click()
    qtbot.waitUntil(lambda: page.settings_panel.tools_tree.topLevelItemCount() == 2)
    return chat_id


def test_settings_are_saved_for_the_chat(
    qtbot: QtBot,
    page: ChatPage,
    chats: FakeChats,
    settings_open: str,
) -> None:
    panel = page.settings_panel
    assert panel.isVisible() and not panel.save_button.isEnabled()
    panel.prompt_edit.setPlainText("Answer like a pirate.")
    panel.temperature_box.setValue(0.2)
    panel.top_p_box.setValue(0.5)
    panel.max_tokens_box.setValue(300)
    panel.choice_combo.setCurrentIndex(panel.choice_combo.findText("Always use a tool first"))
    item(panel, "time").setCheckState(0, Qt.CheckState.Unchecked)
    item(panel, "files__write_file").setCheckState(0, Qt.CheckState.Unchecked)
    assert panel.save_button.isEnabled()
    panel.save_button.click()
    expected = ChatSettings(
        system_prompt="Answer like a pirate.",
        params=ChatParams(0.2, 0.5, 300),
        servers=("files",),
        hidden_tools=("files__write_file",),
        tool_choice=ToolChoice.REQUIRED,
    )
    qtbot.waitUntil(lambda: chats.chat_settings[settings_open] == expected)
    qtbot.waitUntil(panel.message.isVisible)
    assert panel.message.text == "Saved. The next answer uses these settings."


def test_a_chat_that_sees_every_server_keeps_seeing_new_ones(
    qtbot: QtBot,
    page: ChatPage,
    chats: FakeChats,
    settings_open: str,
) -> None:
    panel = page.settings_panel
    panel.temperature_box.setValue(1.0)
    panel.save_button.click()
    qtbot.waitUntil(lambda: chats.chat_settings[settings_open].params.temperature == 1.0)
    assert chats.chat_settings[settings_open].servers is None
    chats.available.append(tool("github", "search"))
    page._bridge.deliver(ServerToolsChanged("github", (chats.available[-1],)))
    qtbot.waitUntil(lambda: panel.tools_tree.topLevelItemCount() == 3)
    assert item(panel, "github").checkState(0) == Qt.CheckState.Checked


def test_choices_for_servers_not_running_now_are_kept(
    qtbot: QtBot,
    page: ChatPage,
    chats: FakeChats,
) -> None:
    chats.available = list(TOOLS)
    chat = chats.add_chat("Narrow")
    chats.chat_settings[chat.id] = ChatSettings(
        servers=("files", "weather"), hidden_tools=("weather__forecast", "files__write_file")
    )
    opened(qtbot, page, chats, "Narrow")
    panel = page.settings_panel
    qtbot.waitUntil(lambda: panel.tools_tree.topLevelItemCount() == 2)
    assert item(panel, "time").checkState(0) == Qt.CheckState.Unchecked
    assert item(panel, "files__write_file").checkState(0) == Qt.CheckState.Unchecked
    item(panel, "time").setCheckState(0, Qt.CheckState.Checked)
    assert panel.chosen().servers == ("weather", "files", "time")
    assert panel.chosen().hidden_tools == ("weather__forecast", "files__write_file")


def test_no_tools_turns_the_list_off(
    qtbot: QtBot,
    page: ChatPage,
    chats: FakeChats,
    settings_open: str,
) -> None:
    panel = page.settings_panel
    panel.choice_combo.setCurrentIndex(panel.choice_combo.findText("Don't use tools"))
    assert not panel.tools_tree.isEnabled()
    assert panel.tools_hint.text() == "The model answers without tools in this chat."
    item_of_files = item(panel, "files")
    panel.choice_combo.setCurrentIndex(panel.choice_combo.findText("Let the model decide"))
    item_of_files.setCheckState(0, Qt.CheckState.Unchecked)
    assert item(panel, "files__read_file").isDisabled()


def test_a_refused_save_says_why(
    qtbot: QtBot,
    page: ChatPage,
    chats: FakeChats,
    settings_open: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def refuse(chat_id: str, settings: ChatSettings) -> None:
        raise ChatProblem("The chat could not be saved. Check that the disk is not full.")

    monkeypatch.setattr(chats, "save_settings", refuse)
    panel = page.settings_panel
    panel.prompt_edit.setPlainText("Be brief.")
    panel.save_button.click()
    qtbot.waitUntil(panel.message.isVisible)
    assert panel.message.text == "The chat could not be saved. Check that the disk is not full."
    assert panel.save_button.isEnabled()


def test_the_context_meter_follows_the_chat(
    qtbot: QtBot,
    page: ChatPage,
    chats: FakeChats,
) -> None:
    chats.use = ContextUse(1234, 600, 4096, tools_offered=4)
    chats.add_chat("Measured")
    chat_id = opened(qtbot, page, chats, "Measured")
    meter = page.meter
    qtbot.waitUntil(lambda: meter.text_label.text() == "Chat memory: 30% used")
    assert "1,234 of 4,096 tokens (tool descriptions: 600)" in meter.toolTip()
    assert not meter.left_out_label.isVisible()
    chats.measure(chat_id, ContextUse(3900, 1900, 4096, tools_offered=8, left_out=LEFT_OUT))
    qtbot.waitUntil(meter.left_out_label.isVisible)
    assert meter.text_label.text() == "Chat memory: 95% used"
    assert meter.left_out_label.text() == (
        "Not offered to the model, to leave room in what it can read at once: Write file, Move file, "
        "Edit file, Search files and 2 more. This chat will keep the tools closest to your first question; "
        "to choose others, change its tools in Chat settings."
    ), "no question yet"
    assert meter.left_out_label.toolTip().splitlines() == list(LEFT_OUT)
    assert level(meter.bar.use) == "red"
    assert not page.tools_ready_label.isVisible()


def test_the_header_says_when_the_tools_were_ready(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.use = ContextUse(1234, 600, 4096, tools_offered=4)
    chats.add_chat("Ready")
    chat_id = opened(qtbot, page, chats, "Ready")
    qtbot.waitUntil(lambda: page.meter.text_label.text() == "Chat memory: 30% used")
    assert not page.tools_ready_label.isVisible()

    chats.measure(chat_id, ContextUse(1300, 600, 4096, tools_offered=4, tools_ready=True))
    qtbot.waitUntil(page.tools_ready_label.isVisible)

    assert page.tools_ready_label.text() == "Tools already read by the model ✓"
    assert page.meter.text_label.text() == "Chat memory: 32% used"
    assert "already read this chat's tools" in page.meter.toolTip()
    assert not page.meter.crowd_label.isVisible()
    chats.measure(chat_id, ContextUse(1900, 1200, 2048, tools_offered=8, left_out=LEFT_OUT, tools_ready=True))
    qtbot.waitUntil(page.meter.left_out_label.isVisible)
    assert page.meter.crowd_label.isVisible()
    assert page.meter.crowd_label.text().startswith("Tool descriptions use most of what the model can read")
    assert level(page.meter.bar.use) == "tools", "the tools filling it is said in words, not in red"
    assert "will keep the tools closest to your first question" in page.meter.left_out_label.text()
    ARTIFACTS.mkdir(exist_ok=True)
    save(page, ARTIFACTS, "48-chat-tools-ready")
    page.open_chat(None)
    assert not page.tools_ready_label.isVisible()


def test_without_a_model_the_meter_shows_no_numbers(qtbot: QtBot) -> None:
    """No model loaded: “31 of 0 tokens” and “1 tool left out” would be nonsense."""
    meter = ContextMeter()
    qtbot.addWidget(meter)
    meter.show()
    meter.show_use(ContextUse(1234, 600, 4096, tools_offered=4))
    assert meter.bar.isVisible()
    meter.show_use(ContextUse(31, 20, 0, tools_offered=0, left_out=("Write file",)))
    assert meter.use is None and not meter.bar.isVisible()
    assert meter.text_label.text() == "" and not meter.left_out_label.isVisible()


@pytest.mark.parametrize(
    ("used", "expected"),
    [(0, "fine"), (3000, "fine"), (3100, "amber"), (3700, "red"), (9000, "red")],
)
def test_the_bar_turns_amber_then_red_near_the_limit(used: int, expected: str) -> None:
    assert level(ContextUse(used, 0, 4096)) == expected
    assert expected in COLOURS


def test_meter_sentences() -> None:
    assert use_text(ContextUse(12, 0, 2048)) == "Chat memory: 1% used"
    assert tokens_text(ContextUse(12, 0, 2048)) == "12 of 2,048 tokens"
    assert crowd_text(ContextUse(1900, 1200, 2048)).endswith(
        "Offer fewer tools in Chat settings or load the model with a larger context."
    )
    assert crowd_text(ContextUse(1900, 600, 2048)) == ""
    assert level(ContextUse(1900, 600, 2048)) == "red", "a long conversation is still red"
    assert left_out_text(ContextUse(10, 5, 2048, left_out=("Write file",)), asked=False) == (
        "Not offered to the model, to leave room in what it can read at once: Write file. This chat will "
        "keep the tools closest to your first question; to choose others, change its tools in Chat settings."
    )
    assert left_out_text(ContextUse(10, 5, 2048, left_out=("Write file",))) == (
        "Not offered to the model, to leave room in what it can read at once: Write file. This chat keeps "
        "the tools closest to its first question; to choose others, change its tools in Chat settings."
    )
    assert left_out_text(ContextUse(10, 5, 2048)) == ""
    assert level(ContextUse(10, 0, 0)) == "fine"


@pytest.fixture
def chat_model(qtbot: QtBot, window: MainWindow, attach: Attach) -> MainWindow:
    attach()
    window.show()
    window.show_area("settings")
    return window


def test_answers_from_another_computer_are_saved_with_the_key(
    qtbot: QtBot, chat_model: MainWindow, chats: FakeChats
) -> None:
    settings = chat_model.settings_page
    assert settings.local_radio.isChecked() and not settings.url_edit.isEnabled()
    settings.remote_radio.click()
    assert (
        settings.url_edit.isEnabled() and settings.key_edit.echoMode() == settings.key_edit.EchoMode.Password
    )
    qtbot.keyClicks(settings.url_edit, "http://192.168.1.20:8080/v1")
    qtbot.keyClicks(settings.model_edit, "qwen2.5:7b")
    qtbot.keyClicks(settings.key_edit, "sk-test")
    settings.backend_save_button.click()
    remote = BackendSettings("openai", "http://192.168.1.20:8080/v1", "qwen2.5:7b")
    qtbot.waitUntil(lambda: chats.backend_saves == [BackendSave(remote, "sk-test")])
    qtbot.waitUntil(settings.backend_message.isVisible)
    assert settings.key_edit.text() == ""
    settings.backend_save_button.click()
    qtbot.waitUntil(lambda: len(chats.backend_saves) == 2)
    assert chats.backend_saves[1] == BackendSave(remote, None)
    settings.forget_key_button.click()
    qtbot.waitUntil(lambda: len(chats.backend_saves) == 3)
    assert chats.backend_saves[2] == BackendSave(remote, "")


def test_an_address_that_is_not_a_web_address_is_refused(
    qtbot: QtBot, chat_model: MainWindow, chats: FakeChats
) -> None:
    settings = chat_model.settings_page
    settings.remote_radio.click()
    qtbot.keyClicks(settings.url_edit, "192.168.1.20:8080")
    settings.backend_save_button.click()
    assert settings.backend_message.text == "Enter the server's address, starting with http:// or https://."
    assert chats.backend_saves == []


def test_the_saved_choice_is_shown(
    qtbot: QtBot, bridge: Bridge, window: MainWindow, chats: FakeChats, attach: Attach
) -> None:
    chats.backend = BackendSettings("openai", "http://gpu-box:8000/v1", "llama3")
    attach()
    settings = window.settings_page
    assert settings.remote_radio.isChecked()
    assert settings.url_edit.text() == "http://gpu-box:8000/v1" and settings.model_edit.text() == "llama3"
    assert settings.key_edit.text() == ""
    settings.local_radio.click()
    settings.backend_save_button.click()
    qtbot.waitUntil(lambda: len(chats.backend_saves) == 1)
    assert chats.backend_saves[0].settings.kind == "local"


def test_how_the_model_writes_is_said_in_plain_words_the_technical_ones_a_hover_away(
    qtbot: QtBot, page: ChatPage, settings_open: str
) -> None:
    panel = page.settings_panel
    labels = {label.text(): label for label in panel.findChildren(QLabel) if label.buddy() is not None}
    assert set(labels) >= {"Creativity:", "Word choice variety:", "Longest answer:"}
    shown = " ".join(label.text() for label in panel.findChildren(QLabel) if label.isVisible())
    for jargon in ("Temperature", "Top-p", "sampling", "tokens"):
        assert jargon not in shown
    assert labels["Creativity:"].buddy() is panel.temperature_box
    assert "temperature" in labels["Creativity:"].toolTip() == panel.temperature_box.toolTip()
    assert "top-p" in labels["Word choice variety:"].toolTip()
    assert "tokens" in labels["Longest answer:"].toolTip()
    assert item(panel, "files__read_file").text(0) == "Read file"
    assert "read_file" in item(panel, "files__read_file").toolTip(0)


def test_a_model_that_sees_pictures_is_said_so_and_kept(
    qtbot: QtBot, bridge: Bridge, window: MainWindow, chats: FakeChats, attach: Attach
) -> None:
    chats.backend = BackendSettings("openai", "http://gpu-box:8000/v1", "llava", sees_images=True)
    attach()
    settings = window.settings_page
    assert settings.images_check.isChecked() and settings.images_check.isEnabled()
    settings.images_check.click()
    settings.backend_save_button.click()
    qtbot.waitUntil(lambda: len(chats.backend_saves) == 1)
    assert chats.backend_saves[0].settings.sees_images is False
    settings.local_radio.click()
    assert not settings.images_check.isEnabled(), "the model loaded here is never shown pictures"


def test_a_tool_only_its_app_view_calls_is_not_in_the_model_s_list(
    qtbot: QtBot, page: ChatPage, settings_open: str
) -> None:
    app_only = replace(tool("files", "record_visit"), visibility=("app",))
    page.settings_panel.show_tools([*TOOLS, app_only])
    assert item(page.settings_panel, "files__read_file")
    with pytest.raises(AssertionError, match="no files__record_visit"):
        item(page.settings_panel, "files__record_visit")
