"""The Chat page: the chats on the left, the open one in the middle, its settings on the right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from desktop.core.events import ToolInfo
from desktop.core.problem import Problem
from desktop.llm.backends.backend import ToolChoice
from desktop.llm.chat.control import ChatControl, ChatMessage, ChatSettings, ChatSummary, ContextUse
from desktop.ui.app_views import AppViews
from desktop.ui.bridge import Bridge
from desktop.ui.icon_cache import IconCache
from desktop.ui.pages.chat_list_panel import ChatListPanel
from desktop.ui.pages.chat_server_picks import ServerPicks
from desktop.ui.pages.chat_settings_panel import ChatSettingsPanel
from desktop.ui.resource_opener import ResourceOpener
from desktop.ui.resources import page_icon
from desktop.ui.style import SPACING, heading, hint, pad
from desktop.ui.widgets.chat_composer import ChatComposer
from desktop.ui.widgets.chat_transcript import ChatTranscript
from desktop.ui.widgets.collapsible import DetailsToggle
from desktop.ui.widgets.context_meter import ContextMeter, ready_tip
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.markdown_view import plain
from desktop.ui.widgets.open_link_box import OpenLinkBox

LIST_WIDTH = 240
NARROW_LIST_WIDTH = 180
SETTINGS_WIDTH = 320


class ChatPage(QWidget):
    """Chats with the model. What it shows follows the bridge's chat signals; every change goes
    through `bridge.chats`. Writing needs no chat first: sending makes one.

    Signals:
        model_page_requested(): the user wants to choose or load a model.
        audit_record_requested(int): the user wants to see this audit record (its number).
    """

    model_page_requested = Signal()
    audit_record_requested = Signal(int)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.current: str | None = None
        self._opening = 0
        self.loading = False
        """True from opening a chat until its messages are shown."""
        self._early: dict[int, ChatMessage] = {}
        """Messages reported while the chat's messages were on their way."""
        self._list_width = LIST_WIDTH
        self.chat_list = ChatListPanel(bridge, self)
        self.title_label = plain(heading("", self, scale=1.15))
        self.settings_button = QPushButton(self.tr("Chat settings"), self)
        self.settings_button.setToolTip(self.tr("Instructions for the model, tools, and how it writes"))
        self.settings_button.setCheckable(True)
        self.tools_ready_label = hint(self.tr("Tools already read by the model ✓"), self)
        self.tools_ready_label.setWordWrap(False)
        self.tools_ready_label.setToolTip(ready_tip())
        self.tools_ready_label.hide()
        self.meter = ContextMeter(self)
        self.transcript = ChatTranscript(self)
        self.transcript.icons = IconCache(bridge, self)
        self.transcript.opener = ResourceOpener(bridge)
        self.transcript.app_views = AppViews(bridge)
        self.empty = EmptyState(
            self.tr("Start a conversation"),
            self.tr(
                "Write below to talk with your model. When it wants to use one of your servers' tools, "
                "MCP Desk asks you first, every time."
            ),
            page_icon("chat", QPalette.ColorRole.PlaceholderText),
            parent=self,
        )
        self.stack = QStackedWidget(self)
        self.composer = ChatComposer(self)
        self.message = InlineMessage(self)
        self.message_details = DetailsToggle(self)
        self.settings_panel = ChatSettingsPanel(self)
        self.settings_panel.hide()
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.link_box: OpenLinkBox | None = None
        self.server_picks = ServerPicks(bridge, self.composer, self.meter, self)
        self._layout()
        self._connect()
        self._update_enabled()

    def _layout(self) -> None:
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.transcript)
        header = QHBoxLayout()
        header.addWidget(self.title_label, 1)
        header.addWidget(self.tools_ready_label)
        header.addWidget(self.settings_button)
        middle = QWidget(self)
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(SPACING // 2, 0, 0, 0)
        middle_layout.setSpacing(SPACING // 2)
        middle_layout.addLayout(header)
        middle_layout.addWidget(self.meter)
        middle_layout.addWidget(self.message)
        middle_layout.addWidget(self.message_details)
        middle_layout.addWidget(self.stack, 1)
        middle_layout.addWidget(self.composer)
        for index, widget in enumerate((self.chat_list, middle, self.settings_panel)):
            self.splitter.addWidget(widget)
            self.splitter.setCollapsible(index, False)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([LIST_WIDTH, 600, 0])
        layout = QVBoxLayout(self)
        pad(layout, 8)
        layout.addWidget(self.splitter)

    def _connect(self) -> None:
        bridge = self._bridge
        bridge.when_ready(self._on_bridge_services_ready)
        bridge.chat_message_changed.connect(self._on_bridge_chat_message_changed)
        bridge.chat_text_arrived.connect(self._on_bridge_chat_text_arrived)
        bridge.chat_turn_changed.connect(self._on_bridge_chat_turn_changed)
        bridge.context_measured.connect(self._on_bridge_context_measured)
        bridge.server_tools_changed.connect(self._on_bridge_server_tools_changed)
        bridge.model_state_changed.connect(self.check_ready)
        self.chat_list.chat_chosen.connect(self.open_chat)
        self.chat_list.new_chat_requested.connect(self._on_chat_list_new_chat_requested)
        self.chat_list.chat_deleting.connect(self._on_chat_list_chat_deleting)
        self.chat_list.call_failed.connect(self._on_call_failed)
        self.chat_list.model.modelReset.connect(self._show_title)
        self.chat_list.model.dataChanged.connect(self._show_title)
        self.settings_button.toggled.connect(self._on_settings_button_toggled)
        self.settings_panel.save_requested.connect(self._on_settings_panel_save_requested)
        self.composer.send_requested.connect(self._on_composer_send_requested)
        self.composer.stop_requested.connect(self._on_composer_stop_requested)
        self.composer.regenerate_requested.connect(self._on_composer_regenerate_requested)
        self.composer.model_page_requested.connect(self.model_page_requested)
        self.transcript.link_clicked.connect(self._on_transcript_link_clicked)
        self.transcript.audit_record_requested.connect(self.audit_record_requested)
        self.transcript.attach_requested.connect(self.server_picks.attach)
        self.transcript.slow_call_answered.connect(self._on_transcript_slow_call_answered)
        self.server_picks.failed.connect(self._on_call_failed)

    def _chats(self) -> ChatControl:
        assert self._bridge.chats is not None, "services are not attached yet"
        return self._bridge.chats

    def _on_bridge_services_ready(self) -> None:
        self.check_ready()
        self.chat_list.reload()
        self._ask_tools()
        self._update_enabled()

    # -- which chat is open ----------------------------------------------------------------

    def open_chat(self, chat_id: str | None) -> None:
        """Show `chat_id` (None: no chat, ready for a new one) with its messages and settings."""
        self.current = chat_id
        self._opening += 1
        self.loading = chat_id is not None
        self._early.clear()
        self.chat_list.choose(chat_id)
        self.transcript.show_messages([])
        self.meter.clear()
        self.tools_ready_label.hide()
        self._say("")
        self._show_title()
        self.composer.set_busy(chat_id is not None and self._chats().busy(chat_id))
        self._update_enabled()
        if chat_id is None:
            self._on_settings(ChatSettings())
            return
        chats = self._chats()
        self._ask_tools()
        self._ask(chats.messages(chat_id), self._on_messages)
        self._ask(chats.settings(chat_id), self._on_settings)
        self._ask(chats.context_use(chat_id), self._show_use)

    def _ask(self, question: Any, then: Callable[[Any], None]) -> None:
        """Ask the chat side; show the answer unless the user opened another chat meanwhile."""
        opening = self._opening

        def answered(value: object) -> None:
            if opening == self._opening:
                then(value)

        self._bridge.call(question, answered, self._on_call_failed)

    def _on_messages(self, messages: list[ChatMessage]) -> None:
        self.transcript.show_messages(messages)
        for message in self._early.values():
            self.transcript.put_message(message)
        self._early.clear()
        self.loading = False
        if self.meter.use is not None:  # measured before the messages came: say it for them
            self._show_use(self.meter.use)
        self._update_enabled()

    def _show_title(self) -> None:
        self.title_label.setText(self.chat_list.title_of(self.current))

    def _on_chat_list_new_chat_requested(self) -> None:
        self._bridge.call(self._chats().create(), self._on_created, self._on_call_failed)

    def _on_created(self, chat: ChatSummary) -> None:
        self.chat_list.add(chat)
        self.open_chat(chat.id)
        self.composer.input.setFocus()

    def _on_chat_list_chat_deleting(self, chat_id: str) -> None:
        if chat_id == self.current:
            self.open_chat(None)

    # -- the conversation ------------------------------------------------------------------

    def _on_composer_send_requested(self, text: str) -> None:
        if self.current is not None:
            self._send(self.current, text)
            return
        self.composer.set_busy(True, self.tr("Starting a new chat…"))
        self._bridge.call(
            self._chats().create(),
            lambda chat: self.send_in_new_chat(chat, text),
            lambda problem: self._on_send_failed(problem, text),
        )

    def send_in_new_chat(self, chat: ChatSummary, text: str) -> None:
        """Show `chat`, just created, and send `text` in it."""
        self._on_created(chat)
        self._send(chat.id, text)

    def _send(self, chat_id: str, text: str) -> None:
        self._say("")
        self.composer.set_busy(True, self.tr("Sending…"))
        self._bridge.call(self._chats().send(chat_id, text), None, lambda p: self._on_send_failed(p, text))

    def _on_send_failed(self, problem: Problem, text: str) -> None:
        self.composer.set_busy(False)
        self.composer.restore(text)
        self._on_call_failed(problem)

    def _on_composer_stop_requested(self) -> None:
        if self.current is not None:
            self._chats().stop(self.current)
            self.composer.set_busy(True, self.tr("Stopping…"))

    def _on_composer_regenerate_requested(self) -> None:
        if self.current is None:
            return
        self._say("")
        self.composer.set_busy(True, self.tr("Thinking…"))
        self._bridge.call(self._chats().regenerate(self.current), None, self._on_regenerate_failed)

    def _on_regenerate_failed(self, problem: Problem) -> None:
        self.composer.set_busy(False)
        self._on_call_failed(problem)

    def _on_bridge_chat_message_changed(self, message: ChatMessage) -> None:
        if message.chat_id == self.current:
            if self.loading:
                self._early[message.id] = message
            self.transcript.put_message(message)
            self._update_enabled()

    def _on_bridge_chat_text_arrived(self, chat_id: str, message_id: int, text: str) -> None:
        if chat_id == self.current:
            self.transcript.append_text(chat_id, message_id, text)

    def _on_bridge_chat_turn_changed(self, chat_id: str, busy: bool, status: str) -> None:
        if chat_id == self.current:
            self.composer.set_busy(busy, status)
            self._update_enabled()

    def _on_bridge_context_measured(self, chat_id: str, use: ContextUse) -> None:
        if chat_id == self.current:
            self._show_use(use)

    def _show_use(self, use: ContextUse) -> None:
        self.meter.show_use(use, asked=bool(self.transcript.views))
        self.tools_ready_label.setVisible(use.tools_ready)

    def _on_transcript_slow_call_answered(self, call_id: str, keep_waiting: bool) -> None:
        if self.current is not None:
            answer = self._chats().answer_slow_call(self.current, call_id, keep_waiting)
            self._bridge.call(answer, None, self._on_call_failed)

    def _on_transcript_link_clicked(self, url: QUrl) -> None:
        box = OpenLinkBox(url, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.link_box = box
        box.open()

    # -- settings and readiness ------------------------------------------------------------

    def _on_settings_button_toggled(self, shown: bool) -> None:
        """Make room for the settings by narrowing the list, and give it back afterwards."""
        self.settings_panel.setVisible(shown)
        sizes = self.splitter.sizes()
        if shown:
            self._list_width = sizes[0]
        left = min(self._list_width, NARROW_LIST_WIDTH) if shown else self._list_width
        panel = SETTINGS_WIDTH if shown else 0
        self.splitter.setSizes([left, sum(sizes) - left - panel, panel])

    def _on_settings_panel_save_requested(self, settings: ChatSettings) -> None:
        chat_id = self.current
        if chat_id is None:
            self.settings_panel.show_problem(self.tr("Start a chat first; its settings belong to it."))
            return
        self._bridge.call(
            self._chats().save_settings(chat_id, settings),
            lambda _none: self._on_settings_saved(settings),
            lambda problem: self.settings_panel.show_problem(problem.message),
        )

    def _on_settings_saved(self, settings: ChatSettings) -> None:
        self.settings_panel.show_saved(settings)
        self._check_tools()

    def _on_settings(self, settings: ChatSettings) -> None:
        self.settings_panel.show_settings(settings)
        self._check_tools()

    def _ask_tools(self) -> None:
        self._bridge.call(self._chats().tools(), self.settings_panel.show_tools, self._on_call_failed)

    def _on_bridge_server_tools_changed(self, _server: str, _tools: tuple[ToolInfo, ...]) -> None:
        if self._bridge.chats is not None:
            self._ask_tools()

    def check_ready(self) -> None:
        """Ask the chat side whether a message can be sent, and say what to do first when not."""
        if self._bridge.chats is not None:
            self.composer.set_not_ready(self._chats().ready())
            self._check_tools()

    def _check_tools(self) -> None:
        """Where the user decides what to ask: a chat with tools and a model not made to use them."""
        chats = self._bridge.chats
        offered = self.settings_panel.settings.tool_choice is not ToolChoice.NONE
        if chats is None or not offered or chats.can_use_tools():
            self.composer.set_tools_warning(None)
            return
        self.composer.set_tools_warning(
            self.tr(
                "This model wasn't made to use tools, so what it says about your files, the time and "
                "the like may be made up. Load a model that can use tools, or set this chat to "
                "“Don't use tools” in Chat settings."
            )
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.check_ready()

    def _update_enabled(self) -> None:
        self.chat_list.update_enabled()
        self.composer.input.setEnabled(self._bridge.chats is not None)
        self.settings_panel.setEnabled(self.current is not None)
        self.settings_button.setEnabled(self.current is not None)
        if self.current is None:
            self.settings_button.setChecked(False)
        self.stack.setCurrentWidget(self.transcript if self.transcript.messages else self.empty)
        self.composer.set_can_regenerate(self.transcript.has_question())

    # -- telling the user ------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.message_details.set_details("")
        if text:
            self.message.show_info(text)
        else:
            self.message.clear()

    def _on_call_failed(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self.message_details.set_details(problem.details)
