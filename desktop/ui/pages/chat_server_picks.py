"""The composer's "+": attach a server's resource (counted on the context meter until sent), or put a
server's ready-made request (its prompt) in the message box."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from desktop.core.events import ServerState
from desktop.core.problem import Problem
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.attach_dialog import AttachDialog
from desktop.ui.dialogs.prompt_dialog import PromptDialog
from desktop.ui.widgets.chat_composer import ChatComposer
from desktop.ui.widgets.context_meter import ContextMeter


class ServerPicks(QObject):
    """Opens the dialogs the composer asks for, and hands what was picked back to it.

    Signals:
        failed(object): an attachment could not be made (a `Problem`).
    """

    failed = Signal(object)

    def __init__(self, bridge: Bridge, composer: ChatComposer, meter: ContextMeter, window: QWidget) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._composer = composer
        self._window = window
        self.dialog: QDialog | None = None
        composer.attach_requested.connect(self._on_composer_attach_requested)
        composer.prompt_requested.connect(self._on_composer_prompt_requested)
        composer.resource_dropped.connect(self.attach)
        composer.attachments.changed.connect(meter.set_pending)

    def _running(self) -> dict[str, str]:
        """The running servers' names, each with what the user calls it (its title, else its name)."""
        control = self._bridge.control
        if control is None:
            return {}
        return {s.name: s.title or s.name for s in control.statuses() if s.state is ServerState.RUNNING}

    def _on_composer_attach_requested(self) -> None:
        dialog = AttachDialog(self._bridge, self._running(), self._window)
        dialog.accepted.connect(lambda: self._chosen(dialog.chosen))
        self._open(dialog)

    def _on_composer_prompt_requested(self) -> None:
        dialog = PromptDialog(self._bridge, self._running(), self._window)
        dialog.accepted.connect(lambda: self._composer.insert_text(dialog.text))
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _chosen(self, chosen: tuple[str, str] | None) -> None:
        if chosen is not None:
            self.attach(*chosen)

    def attach(self, server: str, uri: str) -> None:
        """Read `uri` from `server` and put it with the next message (the new version, a dropped one…)."""
        chats = self._bridge.chats
        if chats is not None:
            self._bridge.call(
                chats.attach(server, uri), self._composer.attachments.add, self._on_attach_failed
            )

    def _on_attach_failed(self, problem: Problem) -> None:
        self.failed.emit(problem)
