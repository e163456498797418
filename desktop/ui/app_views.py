"""What a tool card needs to show an MCP App view: the servers' control on the bridge, to read the
view's `ui://` resource and to answer what the view asks (`llm/chat/app_host`), and the chat's id
for the consent question and the audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop.core.problem import Problem
from desktop.llm.chat.app_host import AppViewHost, HostReply
from desktop.llm.chat.control import ToolCard
from desktop.servers.resources import ResourceRead
from desktop.ui.bridge import Bridge
from desktop.ui.pages.settings_page import app_version


class AppViews:
    def __init__(self, bridge: Bridge) -> None:
        self._bridge = bridge

    def host(self, card: ToolCard, chat_id: str | None) -> AppViewHost | None:
        """The view's host side, or None while the servers' side is not attached."""
        control = self._bridge.control
        if control is None or not hasattr(control, "allow_link"):
            return None
        dark = QGuiApplication.styleHints().colorScheme() is Qt.ColorScheme.Dark
        theme = "dark" if dark else "light"
        return AppViewHost(control, card, chat_id, host_version=app_version() or "", theme=theme)

    def read(
        self, card: ToolCard, on_done: Callable[[ResourceRead], None], on_error: Callable[[Problem], None]
    ) -> None:
        control = self._bridge.control
        assert control is not None and card.app_view is not None, "host() said it can"
        server = card.tool.partition("__")[0]
        self._bridge.call(control.read_resource(server, card.app_view, by_user=True), on_done, on_error)

    def answer(
        self,
        host: AppViewHost,
        message: dict[str, Any],
        on_done: Callable[[HostReply], None],
        on_error: Callable[[Problem], None],
    ) -> None:
        self._bridge.call(host.handle(message), on_done, on_error)
