"""On a tool card whose view needs the web view part that is not here: a sentence, and the part
offered in plain words: Get it (progress, Stop), then Restart MCP Desk, since Qt takes the views'
scheme only before the window's application exists. The card shows the text result meanwhile."""

from __future__ import annotations

import concurrent.futures
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.core.problem import Problem
from desktop.llm.chat.control import ToolCard
from desktop.servers.web_part_folder import DOWNLOAD_MB
from desktop.ui.app_views import AppViews
from desktop.ui.dialogs.install_dialog import ProgressRelay
from desktop.ui.lifetime import while_alive
from desktop.ui.web_part import PartState
from desktop.ui.widgets.inline_message import InlineMessage


class WebPartOffer(QWidget):
    def __init__(self, card: ToolCard, views: AppViews, state: PartState, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._views = views
        self._server = card.tool.partition("__")[0]
        self._running: concurrent.futures.Future[Any] | None = None
        self.message = InlineMessage(self)
        self.message.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message.text_label.setWordWrap(True)
        self.get_button = QPushButton(
            self.tr("Get the part that shows views (about %1 MB)").replace("%1", str(DOWNLOAD_MB)), self
        )
        self.get_button.clicked.connect(self._on_get_button_clicked)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(self.tr("Getting the part that shows views"))
        self.stop_button = QPushButton(self.tr("Stop"), self)
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        self.restart_button = QPushButton(self.tr("Restart MCP Desk"), self)
        self.restart_button.clicked.connect(self._on_restart_button_clicked)
        row = QHBoxLayout()
        for widget in (self.get_button, self.progress, self.stop_button, self.restart_button):
            row.addWidget(widget, 1 if widget is self.progress else 0)
        row.addStretch(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self._show_state(state)

    def _show_state(self, state: PartState) -> None:
        self._show_downloading(False)
        self.get_button.setVisible(state is PartState.MISSING)
        self.restart_button.setVisible(state is PartState.RESTART)
        if state is PartState.RESTART:
            self.message.show_info(
                self.tr(
                    "The part that shows views is here. Restart MCP Desk to show views: your chats "
                    "and settings are kept, and running tools are stopped first."
                )
            )
        else:
            self.message.show_info(missing_part_words(self._server, state))

    def _show_downloading(self, downloading: bool) -> None:
        self.progress.setVisible(downloading)
        self.stop_button.setVisible(downloading)
        if downloading:
            self.get_button.hide()
            self.progress.setRange(0, 0)

    def _on_get_button_clicked(self) -> None:
        relay = ProgressRelay(self._views.bridge)
        relay.moved.connect(self._on_relay_moved)
        self._show_downloading(True)
        self.message.show_info(self.tr("Getting ready…"))
        self._running = self._views.get_part(
            relay.report, while_alive(self, self._on_part_done), while_alive(self, self._on_part_failed)
        )
        if self._running is None:
            self._show_state(PartState.MISSING)
            self.message.show_info(self.tr("MCP Desk is still starting. Try again in a moment."))

    def _on_relay_moved(self, sentence: str, fraction: object) -> None:
        if self._running is None:
            return
        self.message.show_info(sentence)
        if isinstance(fraction, float):
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(fraction * 1000))
        else:
            self.progress.setRange(0, 0)

    def _on_stop_button_clicked(self) -> None:
        if self._running is not None:
            self._running.cancel()
            self._running = None
        self._show_state(PartState.MISSING)
        self.message.show_info(
            self.tr("Stopped. Nothing of the part was kept; get it again whenever you like.")
        )

    def _on_part_done(self, _folder: object) -> None:
        self._running = None
        self._show_state(PartState.RESTART)

    def _on_part_failed(self, problem: Problem) -> None:
        self._running = None
        self._show_state(PartState.MISSING)
        self.get_button.setText(self.tr("Try again"))
        self.message.show_problem(problem.message)

    def _on_restart_button_clicked(self) -> None:
        self._views.restart(self)


def missing_part_words(server: str, state: PartState) -> str:
    """Why the result is shown as text: the part can be downloaded, except into the download of MCP
    Desk, which leaves out the Qt Quick libraries it needs."""
    if state is PartState.NOT_IN_BUNDLE:
        words = QCoreApplication.translate(
            "WebPartOffer",
            "“%1” sent its own view for this result, but this download of MCP Desk cannot show such "
            "views yet, so the result is shown as text.",
        )
    else:
        words = QCoreApplication.translate(
            "WebPartOffer",
            "“%1” sent its own view for this result. MCP Desk needs one more part to show such views "
            "(optional, from the Python Package Index, where Qt's own releases are published); until "
            "then, open Result below to read it as text.",
        )
    return words.replace("%1", server)
