"""Use a server's prompt: the running servers' prompts, a form for what the chosen one asks for
(with the server's suggestions), and its messages shown before they go into the message box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.servers.prompts import CompletionRef, PromptInfo, PromptResult, RefKind
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.attach_dialog import LIST_STYLE
from desktop.ui.style import hint
from desktop.ui.widgets.argument_form import ArgumentForm, Blank
from desktop.ui.widgets.inline_message import InlineMessage


class PromptDialog(QDialog):
    """Pick a prompt and fill it in. After `accept()`, `text` holds its messages for the message box."""

    def __init__(self, bridge: Bridge, servers: dict[str, str], parent: QWidget | None = None) -> None:
        """`servers`: the running servers' names, each with what the user calls it."""
        super().__init__(parent)
        self._bridge = bridge
        self.text = ""
        self._titles = servers
        self.form: ArgumentForm | None = None
        self.setWindowTitle(self.tr("Use a ready-made request"))
        self.resize(820, 520)
        self.prompts = QListWidget(self)
        self.prompts.setAccessibleName(self.tr("Ready-made requests"))
        self.prompts.setStyleSheet(LIST_STYLE)
        self.about = hint(self.tr("Choose a request on the left."), self)
        self.about.setWordWrap(True)
        self.form_holder = QVBoxLayout()
        self.show_button = QPushButton(self.tr("Preview"), self)
        self.show_button.setToolTip(self.tr("Ask the server for this request's words, to read them first"))
        self.show_button.setEnabled(False)
        self.messages = QPlainTextEdit(self)
        self.messages.setReadOnly(True)
        self.messages.setAccessibleName(self.tr("What will be put in your message box"))
        self.messages.setPlaceholderText(self.tr("Its words appear here before anything is sent."))
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(self)
        self.insert_button = self.buttons.addButton(
            self.tr("Put in my message"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.insert_button.setToolTip(self.tr("Put these words in the message box; you send them yourself"))
        self.insert_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._layout()
        self.prompts.currentItemChanged.connect(self._on_prompts_current_changed)
        self.show_button.clicked.connect(self._on_show_button_clicked)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._load(servers)

    def _layout(self) -> None:
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.about)
        right_layout.addLayout(self.form_holder)
        right_layout.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(QLabel(self.tr("This will be put in your message box:"), self))
        right_layout.addWidget(self.messages, 1)
        splitter = QSplitter(self)
        splitter.addWidget(self.prompts)
        splitter.addWidget(right)
        splitter.setSizes([280, 540])
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                self.tr(
                    "Choose a ready-made request from one of your servers and fill it in. Its words go into "
                    "your message box; nothing is sent until you press Send."
                ),
                self,
            )
        )
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)

    def _load(self, servers: dict[str, str]) -> None:
        control = self._bridge.control
        if not servers or control is None:
            self.message.show_info(self.tr("No server is running. Start one on the Servers page first."))
            return
        for server in servers:
            self._bridge.call(control.prompts(server), self._show_prompts, self._on_failed)

    def _show_prompts(self, prompts: list[PromptInfo]) -> None:
        for prompt in prompts:
            title = self._titles.get(prompt.server, prompt.server)
            item = QListWidgetItem(
                self.tr("%1, from “%2”").replace("%1", prompt.label).replace("%2", title), self.prompts
            )
            item.setToolTip(prompt.description)
            item.setData(Qt.ItemDataRole.UserRole, prompt)

    def _on_prompts_current_changed(self, item: QListWidgetItem | None) -> None:
        self.text = ""
        self.messages.clear()
        self.insert_button.setEnabled(False)
        if self.form is not None:
            self.form.deleteLater()
            self.form = None
        prompt = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self.show_button.setEnabled(isinstance(prompt, PromptInfo))
        if not isinstance(prompt, PromptInfo):
            return
        self.about.setText(prompt.description or prompt.label)
        blanks = tuple(Blank(a.name, a.label, a.description, a.required) for a in prompt.arguments)
        ref = CompletionRef(RefKind.PROMPT, prompt.name)
        self.form = ArgumentForm(self._bridge, prompt.server, ref, blanks, self)
        self.form_holder.addWidget(self.form)
        if not blanks:
            self._on_show_button_clicked()

    def _on_show_button_clicked(self) -> None:
        item = self.prompts.currentItem()
        prompt = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        control = self._bridge.control
        if not isinstance(prompt, PromptInfo) or self.form is None or control is None:
            return
        if missing := self.form.missing():
            self.message.show_problem(self.tr("Fill in %1 first.").replace("%1", ", ".join(missing)))
            return
        self.message.clear()
        call = control.get_prompt(prompt.server, prompt.name, self.form.values())
        self._bridge.call(call, self._show_result, self._on_failed)

    def _show_result(self, result: PromptResult) -> None:
        self.text = result.text
        self.messages.setPlainText(result.text)
        self.insert_button.setEnabled(bool(result.text.strip()))

    def _on_failed(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
