"""Asking the user before a tool call: what the tool is, what the server claims, what will be sent.

Everything shown here comes from a server or a model and may be hostile: names and arguments are
plain text with hidden characters written out, and instruction-like text is pointed out. The
tool's description is rendered as Markdown that loads nothing and follows no link, and the text
exactly as the server wrote it (which is what the model reads) is one click away.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.audit_records import ConsentHow
from desktop.core.consent import AnswerStopped, Choice, ConsentRequest, Decision
from desktop.core.consent_rules import Expiry
from desktop.core.events import ToolInfo
from desktop.core.json_schema import schema_problem
from desktop.core.suspicious import reveal
from desktop.core.tool_label import tool_label
from desktop.llm.chat.app_host import ORIGIN as APP_VIEW
from desktop.servers.resources import READ_MARK, READ_RESOURCE
from desktop.ui.dialogs.question_dialog import QuestionDialog, shortened
from desktop.ui.permission_words import choose, expiry_words, fill_combo, tip_current
from desktop.ui.style import SPACING, code_box, heading, hint, monospace_font, selectable
from desktop.ui.widgets.collapsible import Collapsible
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.markdown_view import MarkdownView, plain, plain_tip

MAX_NAME = 160
MAX_REASON = 2000
RAW_LINES = 8


def arguments_text(arguments: dict[str, Any]) -> str:
    """Indented JSON; characters nobody could see are written as \\u escapes, which read back the same."""
    text = json.dumps(arguments, indent=2, ensure_ascii=False, default=str)
    escapes = {ord(ch): json.dumps(ch)[1:-1] for ch in set(text) if reveal(ch) != ch}
    return text.translate(escapes)


def arguments_problem(text: str, schema: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The arguments in `text`, or None and a sentence saying what is wrong with them."""
    try:
        value = json.loads(text)
    except RecursionError:
        return None, QCoreApplication.translate(
            "ConsentDialog", "The arguments are nested too deeply to check."
        )
    except json.JSONDecodeError as error:
        where = (
            QCoreApplication.translate("ConsentDialog", "line %1, column %2")
            .replace("%1", str(error.lineno))
            .replace("%2", str(error.colno))
        )
        return None, QCoreApplication.translate(
            "ConsentDialog", "The arguments are not valid JSON (%1: %2)."
        ).replace("%1", where).replace("%2", error.msg)
    if not isinstance(value, dict):
        return None, QCoreApplication.translate(
            "ConsentDialog", "The arguments must be a JSON object, written between { and }."
        )
    problem = schema_problem(value, schema)
    return (None, problem) if problem else (value, "")


def claims_text(annotations: dict[str, Any]) -> str:
    """What the server's annotations say about the tool, in words; "" when they say nothing."""
    claims = [
        (annotations.get("readOnlyHint") is True, QCoreApplication.translate("ConsentDialog", "read-only")),
        (
            annotations.get("destructiveHint") is True,
            QCoreApplication.translate("ConsentDialog", "may delete or change things"),
        ),
        (
            annotations.get("destructiveHint") is False,
            QCoreApplication.translate("ConsentDialog", "deletes nothing"),
        ),
        (
            annotations.get("openWorldHint") is True,
            QCoreApplication.translate("ConsentDialog", "reaches outside your computer"),
        ),
        (
            annotations.get("openWorldHint") is False,
            QCoreApplication.translate("ConsentDialog", "stays on your computer"),
        ),
    ]
    said = [words for claimed, words in claims if claimed]
    return (
        QCoreApplication.translate("ConsentDialog", "The server says: %1").replace("%1", " · ".join(said))
        if said
        else ""
    )


def read_address(tool: ToolInfo) -> str:
    """The address a read of a server's resource asks for (MCP Desk's own question); "" for a tool call."""
    return str(tool.annotations.get(READ_MARK) or "") if tool.name == READ_RESOURCE else ""


def definition_lines(tool: ToolInfo) -> list[str]:
    def dumped(value: Any) -> list[str]:
        return reveal(
            json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
        ).splitlines()

    return [
        f"{QCoreApplication.translate('ConsentDialog', 'Title')}: {reveal(tool.title or '')}",
        f"{QCoreApplication.translate('ConsentDialog', 'Description')}:",
        *reveal(tool.description).splitlines(),
        f"{QCoreApplication.translate('ConsentDialog', 'Arguments')}:",
        *dumped(tool.input_schema),
        f"{QCoreApplication.translate('ConsentDialog', 'Annotations')}:",
        *dumped(tool.annotations),
        f"{QCoreApplication.translate('ConsentDialog', 'Result')}:",
        *dumped(tool.output_schema),
    ]


def changes_text(before: ToolInfo, now: ToolInfo) -> str:
    """The lines that differ, "-" as it was when the user allowed it and "+" as it is now."""
    diff = difflib.unified_diff(definition_lines(before), definition_lines(now), n=1, lineterm="")
    kept = (line for line in diff if not line.startswith(("---", "+++")))
    return "\n".join("…" if line.startswith("@@") else line for line in kept)


class ConsentDialog(QuestionDialog):
    """One tool call, before it happens: allow it (once, for this chat, always: for good, for an
    hour or until MCP Desk quits) or deny it.

    Deny is the default button and has the focus; Escape or closing the window denies. The
    arguments may be edited; the Allow buttons stay off while they don't fit the tool's schema.
    In a chat, “Stop this answer” ends the model's whole answer instead of deciding on this call.
    With `explain`, it first says what such a question is for (the first one a user sees).

    Signals:
        answered(object): the user's `Decision`, with the arguments as they will be sent, or
            `AnswerStopped` when they stopped the whole answer.
    """

    def __init__(
        self, request: ConsentRequest, parent: QWidget | None = None, *, explain: bool = False
    ) -> None:
        super().__init__(parent)
        self.request = request
        self.address = read_address(request.tool)
        """Set where the question is about reading a resource, not running a tool."""
        self.explanation = InlineMessage(self)
        if explain:
            self.explanation.show_info(self._explanation())
        self._original_text = arguments_text(request.arguments)
        self._arguments: dict[str, Any] | None = request.arguments
        self.setWindowTitle(self.tr("Allow a read?") if self.address else self.tr("Allow a tool to run?"))
        self.setMinimumWidth(640)
        self.arguments_box = QPlainTextEdit(self._original_text, self)
        self.arguments_problem = InlineMessage(self)
        self.reason_edit = QLineEdit(self)
        self.deny_reason_button = QPushButton(self.tr("Deny with this reason"), self)
        self.deny_button = QPushButton(self.tr("Deny"), self)
        self.stop_button = QPushButton(self.tr("Stop this answer"), self)
        self.allow_once_button = QPushButton(self.tr("Allow once"), self)
        self.allow_chat_button = QPushButton(self.tr("Allow for this chat"), self)
        self.allow_always_button = QPushButton(self.tr("Always allow this tool"), self)
        self.expiry_combo = QComboBox(self)
        self.expiry_combo.setAccessibleName(self.tr("How long “Always allow” lasts"))
        fill_combo(self.expiry_combo, expiry_words())
        choose(self.expiry_combo, Expiry.REVOKED)
        self._build()
        self._connect()
        self._on_arguments_box_changed()
        self._on_reason_edit_changed(self.reason_edit.text())

    def _build(self) -> None:
        layout = self.body_layout
        tool = self.request.tool
        self.title_label = plain(heading(self._question(), self))
        exact = self.tr("Its exact name, as the model and the audit trail know it: %1")
        self.title_label.setToolTip(plain_tip(exact.replace("%1", shortened(tool.qualified_name, MAX_NAME))))
        layout.addWidget(self.title_label)
        layout.addWidget(self.explanation)
        layout.addWidget(plain(selectable(QLabel(self._origin_text(), self))))
        layout.addWidget(self.waiting_label)
        self._add_warnings(layout)
        if self.address:
            self._add_read(layout)
            return
        layout.addWidget(QLabel(self.tr("What the server says this tool does:"), self))
        self._add_description(layout, tool)
        self._add_flags(layout)
        claims = claims_text(tool.annotations)
        if claims:
            layout.addWidget(plain(selectable(QLabel(claims, self))))
            layout.addWidget(
                hint(self.tr("These are the server's own claims; MCP Desk can't check them."), self)
            )
        layout.addWidget(QLabel(self.tr("What will be sent (you can change it before you allow it):"), self))
        layout.addWidget(self.arguments_box, 1)
        layout.addWidget(self.arguments_problem)
        self._add_rows()

    def _add_rows(self) -> None:
        self.outer_layout.addLayout(self._reason_row())
        self.outer_layout.addLayout(self._allow_row())
        self.outer_layout.addLayout(self._button_row())
        self._style_inputs()

    def _add_read(self, layout: QVBoxLayout) -> None:
        """A read sends only its address, so there is nothing to edit: say what is read and where it goes."""
        server = shortened(self.request.tool.server)
        where = self.tr("“%1” will send the content at this address to MCP Desk, which gives it to %2:")
        reader = shortened(self.request.context.app) if self.request.context.app else self.tr("the model")
        layout.addWidget(plain(QLabel(where.replace("%1", server).replace("%2", reader), self)))
        layout.addWidget(plain(selectable(QLabel(reveal(self.address), self))))
        layout.addWidget(
            hint(self.tr("Reading changes nothing on the server, but what it sends may be private."), self)
        )
        self.arguments_box.hide()
        self.arguments_problem.hide()
        self.allow_always_button.setText(self.tr("Always allow reading this"))
        self._add_rows()

    def _explanation(self) -> str:
        """What such a question is for, said once, with who is asking."""
        asking = (
            self.tr("%1 wants to use a tool through MCP Desk").replace(
                "%1", shortened(self.request.context.app)
            )
            if self.request.context.app
            else self.tr("Your model wants to read something a server offers")
            if self.address
            else self.tr("Your model wants to use a tool")
        )
        return self.tr(
            "This is MCP Desk asking for your permission. %1, and nothing runs until you answer. Read what "
            "the tool does and what will be sent: “Allow once” lets this one call go ahead, “Deny” sends "
            "nothing. To stop being asked about a tool you trust, choose “Always allow”; the Permissions "
            "page lets you take that back."
        ).replace("%1", asking)

    def _question(self) -> str:
        """“Allow “Write file” from “files”?”, or, asked by another app, “Cursor wants to run …”."""
        tool, app = self.request.tool, self.request.context.app
        if self.address:
            reader = shortened(app) if app else self.tr("The model")
            question = self.tr("%3 wants to read “%1” from “%2”. Allow it?").replace("%3", reader)
            return question.replace("%1", shortened(tool_label(tool))).replace("%2", shortened(tool.server))
        question = (
            self.tr("%3 wants to run “%1” from “%2”. Allow it?").replace("%3", shortened(app))
            if app
            else self.tr("Allow “%1” from “%2”?")
        )
        return question.replace("%1", shortened(tool_label(tool))).replace("%2", shortened(tool.server))

    def _origin_text(self) -> str:
        context = self.request.context
        if context.origin == APP_VIEW:
            return self.tr(
                "Asked by the view that “%1” shows in your chat, inside its result: not by your model."
            ).replace("%1", shortened(self.request.tool.server))
        if context.app:
            return self.tr("Asked by %1, another app on this computer, through MCP Desk.").replace(
                "%1", shortened(context.app)
            )
        if context.chat_id is not None:
            return self.tr("Asked in the chat “%1”.").replace("%1", shortened(context.chat_title))
        return self.tr("Asked from: %1.").replace("%1", shortened(context.origin))

    def _add_description(self, layout: QVBoxLayout, tool: ToolInfo) -> None:
        """Rendered to read; as written (what the model reads), opened at once when it looks hostile."""
        self.description_view = MarkdownView(self)
        self.description_view.setAccessibleName(self.tr("What the tool does"))
        self.description_view.setToolTip(
            self.tr("The server's description of this tool; links are not followed")
        )
        self.description_view.show_markdown(reveal(tool.description))
        layout.addWidget(self.description_view)
        self.description_box = code_box(reveal(tool.description), self, lines=RAW_LINES)
        self.description_box.setAccessibleName(self.tr("The description exactly as the server wrote it"))
        self.raw_description = Collapsible(
            self.tr("Exactly as the server wrote it"), self.description_box, self
        )
        self.raw_description.toggle.setToolTip(
            self.tr("The description as plain text, which is what the model reads, hidden parts included")
        )
        self.raw_description.set_open(bool(self.request.flags))
        layout.addWidget(self.raw_description)

    def _add_warnings(self, layout: QVBoxLayout) -> None:
        earlier = self.tr(
            "An earlier tool result in this chat contained text that reads like instructions to "
            "the model. Make sure this call is something you actually asked for."
        )
        changed = self.tr(
            "This tool changed since you allowed it. Your earlier permission is on hold until "
            "you decide again. What changed (− before, + now):"
        )
        if self.request.context.after_suspicious_result:
            layout.addWidget(self._warning(earlier))
        before = self.request.changed_from
        if before is not None:
            layout.addWidget(self._warning(changed))
            self.changes_box = code_box(changes_text(before, self.request.tool), self, lines=6)
            self.changes_box.setAccessibleName(self.tr("What changed in the tool"))
            layout.addWidget(self.changes_box)

    def _add_flags(self, layout: QVBoxLayout) -> None:
        if self.request.flags:
            layout.addWidget(self._warning("\n".join(flag.sentence() for flag in self.request.flags)))
            layout.addWidget(
                hint(self.tr("Because of this, you can allow this tool only one call at a time."), self)
            )

    def _warning(self, text: str) -> InlineMessage:
        message = InlineMessage(self)
        plain(message.text_label)
        message.show_problem(text)
        return message

    def _reason_row(self) -> QHBoxLayout:
        if self.request.context.origin == APP_VIEW:  # the view asked: the reason goes back to it
            self.reason_edit.setPlaceholderText(self.tr("Why not? Your reason is passed on to the view."))
            self.reason_edit.setToolTip(self.tr("Optional: say why, so the view can tell you"))
            self.deny_reason_button.setToolTip(self.tr("Don't run the tool, and tell the view your reason"))
        else:
            self.reason_edit.setPlaceholderText(self.tr("Why not? Your reason is passed on to the model."))
            self.reason_edit.setToolTip(self.tr("Optional: say why, so the model can try something else"))
            self.deny_reason_button.setToolTip(
                self.tr(
                    "Don't run the tool, and tell the model your reason, so it can try another way. "
                    "The answer goes on, without tools"
                )
            )
        self.reason_edit.setAccessibleName(self.tr("Reason for denying"))
        self.reason_edit.setMaxLength(MAX_REASON)
        row = QHBoxLayout()
        row.addWidget(self.reason_edit, 1)
        row.addWidget(self.deny_reason_button)
        return row

    def _allow_row(self) -> QHBoxLayout:
        """Allow once, for this chat, and apart from them Always allow with how long it lasts beside it."""
        row = QHBoxLayout()
        remember = self.request.may_remember
        self.allow_chat_button.setVisible(remember and self.request.context.chat_id is not None)
        self.allow_always_button.setVisible(remember)
        self.expiry_combo.setVisible(remember)
        self.allow_once_button.setToolTip(self.tr("Run this one call; ask again next time"))
        self.allow_chat_button.setToolTip(self.tr("Don't ask again for this tool in this chat"))
        self.allow_always_button.setToolTip(
            self.tr(
                "Don't ask again for this tool, for as long as you choose beside this button, until it "
                "changes or you take it back on the Permissions page"
            )
        )
        for button in (self.allow_once_button, self.allow_chat_button, self.allow_always_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        row.addWidget(self.allow_once_button)
        row.addWidget(self.allow_chat_button)
        row.addSpacing(SPACING * 2)
        always = QHBoxLayout()
        always.setSpacing(2)
        always.addWidget(self.allow_always_button)
        always.addWidget(self.expiry_combo)
        row.addLayout(always)
        row.addStretch()
        return row

    def _button_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch()
        self.stop_button.setVisible(self.request.context.chat_id is not None)
        self.stop_button.setAutoDefault(False)
        self.stop_button.setToolTip(
            self.tr(
                "Don't run the tool, and end the model's answer here: it writes nothing more "
                "and asks for nothing more"
            )
        )
        row.addWidget(self.stop_button)
        row.addWidget(self.deny_button)
        self.deny_reason_button.setAutoDefault(False)
        self.deny_button.setToolTip(
            self.tr(
                "Don't run the tool. The model is told you said no, and finishes its answer without tools"
            )
        )
        self.deny_button.setAutoDefault(True)
        self.deny_button.setDefault(True)
        self.deny_button.setFocus()
        return row

    def _style_inputs(self) -> None:
        box = self.arguments_box
        box.setFont(monospace_font())
        box.setTabChangesFocus(True)
        box.setAccessibleName(self.tr("Arguments"))
        box.setToolTip(self.tr("Exactly what the tool will get; change it here before you allow the call"))
        box.setMinimumHeight(box.fontMetrics().lineSpacing() * 6)

    def _connect(self) -> None:
        self.arguments_box.textChanged.connect(self._on_arguments_box_changed)
        self.reason_edit.textChanged.connect(self._on_reason_edit_changed)
        self.reason_edit.returnPressed.connect(self._on_deny_reason_button_clicked)
        self.deny_reason_button.clicked.connect(self._on_deny_reason_button_clicked)
        self.deny_button.clicked.connect(self.reject)
        self.stop_button.clicked.connect(lambda: self._answer(AnswerStopped()))
        self.allow_once_button.clicked.connect(lambda: self._allow(Choice.ALLOW_ONCE))
        self.allow_chat_button.clicked.connect(lambda: self._allow(Choice.ALLOW_CHAT))
        self.allow_always_button.clicked.connect(lambda: self._allow(Choice.ALLOW_ALWAYS))
        self.expiry_combo.activated.connect(lambda _index: tip_current(self.expiry_combo))

    def refusal(self) -> Decision:
        return Decision(Choice.DENY, self.request.arguments, ConsentHow.ASKED)

    def _allow(self, choice: Choice) -> None:
        if self._arguments is not None:
            lasts = (
                Expiry(self.expiry_combo.currentData()) if choice is Choice.ALLOW_ALWAYS else Expiry.REVOKED
            )
            self._answer(Decision(choice, self._arguments, ConsentHow.ASKED, expiry=lasts), accepted=True)

    def _on_arguments_box_changed(self) -> None:
        text = self.arguments_box.toPlainText()
        if text == self._original_text:
            self._arguments, problem = self.request.arguments, ""
        else:
            self._arguments, problem = arguments_problem(text, self.request.tool.input_schema)
        if problem:
            plain(self.arguments_problem.text_label)
            self.arguments_problem.show_problem(
                self.tr("%1 Correct the arguments to allow the call, or deny it.").replace("%1", problem)
            )
        else:
            self.arguments_problem.clear()
        for button in (self.allow_once_button, self.allow_chat_button, self.allow_always_button):
            button.setEnabled(self._arguments is not None)

    def _on_reason_edit_changed(self, text: str) -> None:
        self.deny_reason_button.setEnabled(bool(text.strip()))

    def _on_deny_reason_button_clicked(self) -> None:
        reason = self.reason_edit.text().strip()
        if reason:
            self._answer(Decision(Choice.DENY, self.request.arguments, ConsentHow.ASKED, reason=reason))
