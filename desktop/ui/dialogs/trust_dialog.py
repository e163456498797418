"""Asking the user before MCP Desk runs a server's command (or connects to its URL)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.sandbox_policy import Sandbox
from desktop.servers.control import TrustRequest
from desktop.servers.sandbox import not_sandboxed_here, sandbox_summary
from desktop.ui.style import code_box, heading, pad, selectable


class TrustDialog(QDialog):
    """Shows exactly what will run and asks for a yes; Cancel is the default and Escape cancels.

    It says in plain words what a yes allows: a program runs with the user's own permissions,
    or in its `sandbox` (what it sees of the user's files, the network); an address receives
    the tool calls the user allows. Environment variable and header values never appear here,
    only their names.

    Signals:
        approved(str): the user approved; carries the request's launch hash.
    """

    approved = Signal(str)

    def __init__(
        self, request: TrustRequest, parent: QWidget | None = None, sandbox: Sandbox | None = None
    ) -> None:
        super().__init__(parent)
        self.request = request
        self.sandbox = sandbox
        self.setWindowTitle(self.tr("Approve “%1”").replace("%1", request.server))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        pad(layout)
        question = self.tr("Connect to “%1”?") if request.remote else self.tr("Run “%1” on this computer?")
        layout.addWidget(heading(question.replace("%1", request.server), self))
        if request.changed:
            changed = QLabel(
                self.tr("This server's command or sandbox changed since you last approved it."), self
            )
            font = changed.font()
            font.setBold(True)
            changed.setFont(font)
            changed.setWordWrap(True)
            layout.addWidget(changed)
        explanation = QLabel(self._explanation(), self)
        explanation.setWordWrap(True)
        layout.addWidget(explanation)
        layout.addLayout(self._facts())
        self.buttons = QDialogButtonBox(self)
        self.approve_button = self.buttons.addButton(
            self.tr("Connect") if request.remote else self.tr("Run it"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.approve_button.setToolTip(
            self.tr("Remember this approval and connect now")
            if request.remote
            else self.tr("Remember this approval and start the program now")
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip(self.tr("Don't connect") if request.remote else self.tr("Don't run it"))
        self._make_cancel_default(self.approve_button, self.cancel_button)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.accepted.connect(self._on_self_accepted)

    def _explanation(self) -> str:
        if self.request.remote:
            return self.tr(
                "MCP Desk will connect to this address and send it the tool calls you allow, with "
                "everything in them. Whoever runs the server there can read them. "
                "Only connect to servers you trust."
            )
        if self.sandbox is not None and not_sandboxed_here() is None:
            return self.tr(
                "This program will run on this computer in a sandbox: it can reach only what is "
                "listed under Sandbox. Only run programs from people you trust."
            )
        return self.tr(
            "This program will run on this computer with your permissions: it can read and change "
            "your files and use the network, as any program you start yourself can. "
            "Only run programs from people you trust."
        )

    def _facts(self) -> QFormLayout:
        form = QFormLayout()
        remote = self.request.remote
        form.addRow(self.tr("Address:") if remote else self.tr("Command:"), self._command_view())
        if not remote:
            folder = self.request.cwd or self.tr("Not set")
            form.addRow(self.tr("Working folder:"), selectable(QLabel(folder, self)))
            form.addRow(self.tr("Environment variables:"), self._names(self.request.env_names))
            sandbox = selectable(QLabel(sandbox_summary(self.sandbox), self))
            sandbox.setWordWrap(True)
            sandbox.setToolTip(self.tr("Change this in the server's settings"))
            form.addRow(self.tr("Sandbox:"), sandbox)
        if remote or self.request.header_names:
            form.addRow(self.tr("Headers:"), self._names(self.request.header_names))
        return form

    def _command_view(self) -> QPlainTextEdit:
        lines = 4 if len(self.request.command_line) > 60 else 2
        view = code_box(self.request.command_line, self, lines)
        view.setAccessibleName(self.tr("Full command line"))
        view.setToolTip(self.tr("Exactly what MCP Desk will run. You can select and copy it."))
        return view

    def _names(self, names: tuple[str, ...]) -> QLabel:
        if not names:
            return QLabel(self.tr("None"), self)
        label = selectable(QLabel(", ".join(names), self))
        label.setToolTip(self.tr("Only the names are shown; the values stay hidden."))
        return label

    def _make_cancel_default(self, approve: QPushButton, cancel: QPushButton) -> None:
        approve.setAutoDefault(False)
        approve.setDefault(False)
        cancel.setAutoDefault(True)
        cancel.setDefault(True)
        cancel.setFocus()

    def _on_self_accepted(self) -> None:
        self.approved.emit(self.request.launch_hash)
