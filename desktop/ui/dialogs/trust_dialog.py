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
from desktop.ui.style import code_box, heading, hint, pad, selectable
from desktop.ui.texts import fill
from desktop.ui.widgets.collapsible import Collapsible

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


def top_aligned(form: QFormLayout) -> QFormLayout:
    """`form` with each row's title and value starting on the same line, however tall the row."""
    for row in range(form.rowCount()):
        for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole):
            item = form.itemAt(row, role)
            label = item.widget() if item is not None else None
            if isinstance(label, QLabel):
                label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return form


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
        title = request.origin.title if request.origin is not None and not request.remote else ""
        self.setWindowTitle(self.tr("Approve “%1”").replace("%1", title or request.server))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        pad(layout)
        if title:
            question = fill(self.tr("Start %1?"), title)
        elif request.remote:
            question = fill(self.tr("Connect to “%1”?"), request.server)
        else:
            question = fill(self.tr("Run “%1” on this computer?"), request.server)
        layout.addWidget(heading(question, self))
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
        if request.origin is not None:
            layout.addWidget(self._technical_details())
        layout.addStretch()  # room to spare goes below the facts, not between their rows
        self.buttons = QDialogButtonBox(self)
        if title:
            approve_text = fill(self.tr("Start %1"), title)
        else:
            approve_text = self.tr("Connect") if request.remote else self.tr("Run it")
        self.approve_button = self.buttons.addButton(approve_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.approve_button.setToolTip(
            self.tr("Remember this approval and connect now")
            if request.remote
            else self.tr("Remember this approval and start the program now")
        )
        if request.origin is not None:
            self.cancel_button = self.buttons.addButton(
                self.tr("Not now"), QDialogButtonBox.ButtonRole.RejectRole
            )
            later = hint(
                self.tr("Not now leaves it installed: it waits on the Servers page until you start it."), self
            )
            layout.addWidget(later)
        else:
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
        return self.tr(
            "This program will run on this computer. What it can reach is under Sandbox. "
            "Only run programs from people you trust."
        )

    def _facts(self) -> QFormLayout:
        """Only the rows that say something: no “Not set” or “None”."""
        form = QFormLayout()
        request = self.request
        self._add_who(form)
        if request.remote:
            form.addRow(self.tr("Address:"), self._command_view())
            if request.header_names:
                form.addRow(self.tr("Headers:"), self._names(request.header_names))
            return top_aligned(form)
        if request.origin is None:
            form.addRow(self.tr("Command:"), self._command_view())
        if request.runs_on:
            form.addRow(self.tr("Runs on:"), selectable(QLabel(request.runs_on, self)))
        if request.cwd:
            form.addRow(self.tr("Starts in:"), selectable(QLabel(request.cwd, self)))
        if request.env_names:
            form.addRow(self.tr("Extra settings:"), self._names(request.env_names))
        form.addRow(self.tr("Sandbox:"), self._sandbox_view())
        return top_aligned(form)

    def _add_who(self, form: QFormLayout) -> None:
        """For an install from the catalogue: what runs and who publishes it, in one row."""
        origin = self.request.origin
        if origin is None:
            return
        verified = origin.registry == OFFICIAL_REGISTRY
        what = " ".join(part for part in (origin.title or origin.name, origin.version) if part)
        if origin.publisher:
            what = fill(self.tr("%1 by %2"), what, who_words(origin.publisher, verified))
        label = selectable(QLabel(what, self))
        label.setWordWrap(True)
        label.setToolTip(verified_tip(verified) if origin.publisher else "")
        form.addRow(self.tr("Runs:"), label)

    def _technical_details(self) -> Collapsible:
        """The package, where it came from and the exact command, one click away."""
        origin = self.request.origin
        assert origin is not None
        box = QWidget(self)
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        package = "" if origin.package == self.request.command_line else origin.package  # a remote's address
        for title, text in ((self.tr("Package:"), package), (self.tr("From:"), origin.source)):
            if text:
                form.addRow(title, selectable(QLabel(text, box)))
        if not self.request.remote:
            form.addRow(self.tr("Command:"), self._command_view())
        top_aligned(form)
        return Collapsible(self.tr("Technical details"), box, self)

    def _sandbox_view(self) -> QLabel:
        """What the sandbox lets it see, naming the folder it calls its own."""
        text = sandbox_summary(self.sandbox)
        if self.sandbox is not None and self.sandbox.files is FileAccess.OWN and not_sandboxed_here() is None:
            folder = own_folder(self.request.server, self._config(), AppPaths.from_environment())
            text += " " + self.tr("Its own folder is %1.").replace("%1", str(folder))
        label = selectable(QLabel(text, self))
        label.setWordWrap(True)
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
