"""Asking the user before MCP Desk runs a server's command (or connects to its URL)."""

from __future__ import annotations

import shlex

from PySide6.QtCore import Qt, Signal
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

from desktop.core.config import OFFICIAL_REGISTRY, ServerConfig
from desktop.core.paths import AppPaths
from desktop.core.sandbox_policy import FileAccess, Sandbox
from desktop.servers.control import TrustRequest
from desktop.servers.sandbox import not_sandboxed_here, own_folder, sandbox_summary
from desktop.ui.catalogue_words import verified_tip, who_words
from desktop.ui.style import code_box, heading, pad, selectable

MAX_COMMAND_LINES = 6
"""A longer command scrolls inside its box."""


def split_command(command_line: str) -> list[str]:
    """The program and its arguments, as `shlex.join` wrote them (the whole line when it won't split)."""
    try:
        return shlex.split(command_line) or [command_line]
    except ValueError:
        return [command_line]


def command_lines(argv: list[str]) -> list[str]:
    """`argv` one part a line: the program, then each argument, an option beside its value
    (“--root /home/me/Shared”), each quoted as a shell would need it."""
    lines: list[str] = []
    for arg in argv:
        option = len(lines) > 1 and lines[-1].startswith("-") and " " not in lines[-1]
        if option and not arg.startswith("-"):
            lines[-1] += " " + shlex.quote(arg)
        else:
            lines.append(shlex.quote(arg))
    return lines


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
        if self.request.remote and self.request.origin is not None:
            return self.tr(
                "It runs on its publisher's service, not on this computer. MCP Desk will send it the "
                "tool calls you allow, with everything in them, and it sees what you send it. "
                "Only connect to servers you trust."
            )
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
        """Only the rows that say something: no “Not set” or “None”."""
        form = QFormLayout()
        request = self.request
        self._add_origin(form)
        if request.remote:
            form.addRow(self.tr("Address:"), self._command_view())
            if request.header_names:
                form.addRow(self.tr("Headers:"), self._names(request.header_names))
            return form
        form.addRow(self.tr("Command:"), self._command_view())
        if request.runs_on:
            form.addRow(self.tr("Runs on:"), selectable(QLabel(request.runs_on, self)))
        if request.cwd:
            form.addRow(self.tr("Starts in:"), selectable(QLabel(request.cwd, self)))
        if request.env_names:
            form.addRow(self.tr("Extra settings:"), self._names(request.env_names))
        form.addRow(self.tr("Sandbox:"), self._sandbox_view())
        return form

    def _add_origin(self, form: QFormLayout) -> None:
        """Who publishes it, what exactly runs and where it came from, for an install from the catalogue."""
        origin = self.request.origin
        if origin is None:
            return
        verified = origin.registry == OFFICIAL_REGISTRY
        package = "" if origin.package == self.request.command_line else origin.package  # a remote's address
        rows = (
            (self.tr("Published by:"), who_words(origin.publisher, verified) if origin.publisher else ""),
            (self.tr("Package:"), package),
            (self.tr("From:"), origin.source),
        )
        for title, text in rows:
            if text:
                label = selectable(QLabel(text, self))
                label.setWordWrap(True)
                form.addRow(title, label)
                label.setToolTip(verified_tip(verified) if title == rows[0][0] else "")

    def _sandbox_view(self) -> QLabel:
        """What the sandbox lets it see, naming the folder it calls its own."""
        text = sandbox_summary(self.sandbox)
        if self.sandbox is not None and self.sandbox.files is FileAccess.OWN and not_sandboxed_here() is None:
            folder = own_folder(self.request.server, self._config(), AppPaths.from_environment())
            text += " " + self.tr("Its own folder is %1.").replace("%1", str(folder))
        label = selectable(QLabel(text, self))
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        label.setToolTip(self.tr("Change this in the server's settings"))
        return label

    def _config(self) -> ServerConfig:
        """The request's launch as settings, enough to tell which folder the server calls its own."""
        argv = split_command(self.request.command_line)
        return ServerConfig(command=argv[0], args=argv[1:], cwd=self.request.cwd, sandbox=self.sandbox)

    def _command_view(self) -> QPlainTextEdit:
        """The program, then one argument per line (an option with its value), never broken inside."""
        if self.request.remote:
            lines = [self.request.command_line]
        else:
            lines = command_lines(split_command(self.request.command_line))
        view = code_box("\n".join(lines), self, min(len(lines), MAX_COMMAND_LINES))
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        view.setAccessibleName(self.tr("Full command line"))
        view.setToolTip(
            self.tr("Exactly what MCP Desk will run, one part per line. You can select and copy it.")
        )
        return view

    def _names(self, names: tuple[str, ...]) -> QLabel:
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
