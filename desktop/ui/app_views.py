"""What a tool card needs to show an MCP App view: the servers' control on the bridge, to read the
view's `ui://` resource and to answer what the view asks (`llm/chat/app_host`), and the chat's id
for the consent question and the audit; where the web view part is missing, getting it and
restarting MCP Desk to use it."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import Any

import PySide6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from desktop.core.paths import AppPaths
from desktop.core.problem import Problem
from desktop.llm.chat.app_host import AppViewHost, HostReply
from desktop.llm.chat.control import ToolCard
from desktop.servers.resources import ResourceRead
from desktop.servers.runtime_control import RuntimeProgress
from desktop.ui.bridge import Bridge
from desktop.ui.pages.settings_page import app_version
from desktop.ui.relaunch import restart_app
from desktop.ui.web_part import PartState, part_state


class AppViews:
    """`data_dir` is where the downloaded part is looked for (the app's data folder when None);
    `restart` quits through a widget's window and starts MCP Desk again."""

    def __init__(
        self,
        bridge: Bridge,
        *,
        data_dir: Path | None = None,
        restart: Callable[[QWidget], None] = restart_app,
    ) -> None:
        self._bridge = bridge
        self._data_dir = data_dir
        self.restart = restart

    @property
    def bridge(self) -> Bridge:
        return self._bridge

    def part_state(self) -> PartState:
        return part_state(self._data_dir or AppPaths.from_environment().data_dir)

    def get_part(
        self, progress: RuntimeProgress, on_done: Callable[[Path], None], on_error: Callable[[Problem], None]
    ) -> concurrent.futures.Future[Any] | None:
        """Download the part for this PySide6; None while the services are not attached yet."""
        if self._bridge.web_part is None:
            return None
        return self._bridge.call(
            self._bridge.web_part.install(PySide6.__version__, progress), on_done, on_error
        )

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
