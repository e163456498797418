"""A long tool call that ends while the window is hidden is told from the tray.

A call counts as long once its card showed the server's progress, a task's status, or the
“taking longer than usual” question; a call that simply answered is not worth a message.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from desktop.core.events import Severity
from desktop.llm.chat.control import CallStatus, ChatMessage, ToolCard
from desktop.ui.bridge import Bridge
from desktop.ui.widgets.tool_card import status_text, tool_title

RUNNING = (CallStatus.WAITING, CallStatus.RUNNING, CallStatus.SLOW)
SHOWN_CHARS = 120

Notify = Callable[[str, str, Severity], None]


class FinishedCalls(QObject):
    def __init__(
        self, bridge: Bridge, window: QWidget, notify: Notify, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._notify = notify
        self._long: set[str] = set()
        bridge.chat_message_changed.connect(self._on_bridge_chat_message_changed)

    def _on_bridge_chat_message_changed(self, message: ChatMessage) -> None:
        for card in message.cards:
            if card.status in RUNNING:
                if card.progress is not None or card.status is CallStatus.SLOW:
                    self._long.add(card.call_id)
            elif card.call_id in self._long:
                self._long.discard(card.call_id)
                if not self._window.isVisible():
                    self._tell(card)

    def _tell(self, card: ToolCard) -> None:
        title = self.tr("%1: %2").replace("%1", tool_title(card)).replace("%2", status_text(card.status))
        text = card.result.strip().splitlines()[0][:SHOWN_CHARS] if card.result.strip() else ""
        severity = Severity.INFO if card.status is CallStatus.DONE else Severity.WARNING
        self._notify(title, text or self.tr("Open MCP Desk to see it in the chat."), severity)
