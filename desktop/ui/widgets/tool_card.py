"""One tool call inside an answer: which tool, how it went, and what went in and came out.

Everything on a card but its status came from the model or a server, so it is shown as
plain text: labels never read it as HTML, and the JSON views are plain-text boxes that wrap.
Why a call failed or was not run is said on the card itself, with what to try after a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QSizeF, Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent, QTextOption
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QSizePolicy, QVBoxLayout, QWidget

from desktop.core.tool_label import label_of
from desktop.llm.chat.control import CallStatus, ToolCard
from desktop.ui.app_views import AppViews
from desktop.ui.icon_cache import IconCache
from desktop.ui.resource_opener import ResourceOpener
from desktop.ui.style import hint, selectable
from desktop.ui.widgets.app_view_holder import AppViewHolder
from desktop.ui.widgets.call_progress import CallProgressView
from desktop.ui.widgets.collapsible import Collapsible
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.json_view import JsonView
from desktop.ui.widgets.markdown_view import plain, plain_tip
from desktop.ui.widgets.result_parts_view import ResultPartsView, parts_words
from desktop.ui.widgets.structured_view import StructuredHolder, is_table

STATUS_COLOURS = {
    CallStatus.WAITING: "#2f6fde",
    CallStatus.RUNNING: "#b7790f",
    CallStatus.DONE: "#2e8b4a",
    CallStatus.FAILED: "#d1372e",
    CallStatus.DENIED: "#6b6f76",
    CallStatus.GARBLED: "#a0522d",
    CallStatus.SKIPPED: "#5a6b8c",
    CallStatus.SLOW: "#c0561b",
    CallStatus.STOPPED: "#7a5c8c",
}
NOT_RUN = (CallStatus.FAILED, CallStatus.DENIED, CallStatus.GARBLED, CallStatus.SKIPPED, CallStatus.STOPPED)
"""Cards whose `result` says why nothing came back; it is shown on the card, not in a box."""
MIN_NAME_WIDTH = 60
JSON_LINES = 12
"""The most lines an opened JSON box shows before it scrolls."""
CARD_STYLE = """
QFrame#toolCard {
    border: 1px solid palette(mid);
    border-radius: 6px;
    background: palette(base);
}
"""


def status_text(status: CallStatus) -> str:
    labels = {
        CallStatus.WAITING: QCoreApplication.translate(
            "ToolCard", "Waiting for your answer in the question window"
        ),
        CallStatus.RUNNING: QCoreApplication.translate("ToolCard", "Running…"),
        CallStatus.DONE: QCoreApplication.translate("ToolCard", "Done"),
        CallStatus.FAILED: QCoreApplication.translate("ToolCard", "Failed"),
        CallStatus.DENIED: QCoreApplication.translate("ToolCard", "Not allowed"),
        CallStatus.GARBLED: QCoreApplication.translate("ToolCard", "Could not be read"),
        CallStatus.SKIPPED: QCoreApplication.translate("ToolCard", "Not run"),
        CallStatus.SLOW: QCoreApplication.translate("ToolCard", "Taking longer than usual"),
        CallStatus.STOPPED: QCoreApplication.translate("ToolCard", "Stopped"),
    }
    return labels[status]


def tool_title(card: ToolCard) -> str:
    """“Read file · files”: the tool's title (or its name made readable) and its server."""
    server, _, name = card.tool.partition("__")
    label = card.title or label_of(card.tool)
    return f"{label} · {server}" if name else label


def server_of(card: ToolCard) -> str:
    return card.tool.partition("__")[0]


def result_title(card: ToolCard) -> str:
    """“Result: a table, 2 pictures, a sound, 3 files”: what came back, counted; “Result” for text alone."""
    things = parts_words(card.parts)
    if card.structured_fits and card.structured is not None:
        table = QCoreApplication.translate("ToolCard", "a table")
        things.insert(
            0, table if is_table(card.structured) else QCoreApplication.translate("ToolCard", "a list")
        )
    if not things:
        return QCoreApplication.translate("ToolCard", "Result")
    return QCoreApplication.translate("ToolCard", "Result: %1").replace("%1", ", ".join(things))


def duration_text(card: ToolCard) -> str:
    """How long the call ran; nothing for a call that never ran (the user's time to decide is theirs)."""
    seconds = card.duration_s
    if seconds is None or card.status in (CallStatus.DENIED, CallStatus.SKIPPED, CallStatus.GARBLED):
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def advice(status: CallStatus) -> str:
    """What to try next, for a call that failed."""
    if status is not CallStatus.FAILED:
        return ""
    return QCoreApplication.translate(
        "ToolCard",
        "What to try: ask again in other words, or say exactly which file, folder or item you mean. "
        "When MCP Desk asks about the next call, you can correct what will be sent before you allow it.",
    )


def flags_heading(card: ToolCard) -> str:
    if any(flag.kind == "instructions" for flag in card.flags):
        return QCoreApplication.translate(
            "ToolCard", "This result contains text that reads like instructions. The model may follow it."
        )
    return QCoreApplication.translate("ToolCard", "This result contains characters you can't see.")


class ElidedLabel(QLabel):
    """One line of plain text that ends in “…” when it does not fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setMinimumWidth(MIN_NAME_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, self.width()))


class JsonSection(Collapsible):
    """A closed “Arguments” or “Result” section that fills its box only when opened.

    Long lines wrap; the box grows with its text up to `JSON_LINES` lines, then scrolls.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        self.view = JsonView()
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.view.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        super().__init__(title, self.view, parent)
        self._fill: Callable[[], None] | None = None
        self.toggle.toggled.connect(self._on_toggle_toggled_fill)
        self.view.document().documentLayout().documentSizeChanged.connect(self._on_layout_size_changed)

    def set_content(self, fill: Callable[[JsonView], None]) -> None:
        self._fill = lambda: fill(self.view)
        if self.toggle.isChecked():
            self._fill_now()

    def _on_toggle_toggled_fill(self, opened: bool) -> None:
        if opened:
            self._fill_now()

    def _fill_now(self) -> None:
        if self._fill is not None:
            self._fill()
            self._on_layout_size_changed(self.view.document().documentLayout().documentSize())

    def _on_layout_size_changed(self, size: QSizeF) -> None:
        """A plain-text layout measures its height in lines, wrapped lines counted."""
        lines = max(1, min(int(size.height()), JSON_LINES))
        margins = 2 * self.view.frameWidth() + 2 * int(self.view.document().documentMargin()) + 4
        self.view.setFixedHeight(QFontMetrics(self.view.font()).lineSpacing() * lines + margins)


def show_arguments(arguments: dict[str, Any] | None) -> Callable[[JsonView], None]:
    return lambda view: view.show_value(arguments)


def show_result(text: str) -> Callable[[JsonView], None]:
    return lambda view: view.show_text(text)


class ToolCardView(QFrame):
    """Shows a `ToolCard`; `show_card` updates it in place, keeping open sections open.

    Signals:
        audit_record_requested(int): the user wants to see the call's audit record (its number).
        slow_call_answered(str, bool): for a call taking longer than usual, the card's call id and
            whether the user chose to keep waiting (True) or to stop it (False).
    """

    audit_record_requested = Signal(int)
    slow_call_answered = Signal(str, bool)

    def __init__(
        self,
        card: ToolCard,
        parent: QWidget | None = None,
        icons: IconCache | None = None,
        opener: ResourceOpener | None = None,
        views: AppViews | None = None,
        chat_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._icons = icons
        self._views = views
        self._chat_id = chat_id
        self.app_view: AppViewHolder | None = None
        self._ran_here = card.status is not CallStatus.DONE
        """The call finished while this card was shown: its view opens by itself."""
        if icons is not None:
            icons.icon_arrived.connect(self._on_icons_icon_arrived)
        self.setObjectName("toolCard")
        self.setStyleSheet(CARD_STYLE)
        self.card = card
        self.status_label = QLabel(self)
        self.status_label.setAccessibleName(self.tr("Status"))
        self.icon_label = QLabel(self)
        self.icon_label.setVisible(False)
        self.name_label = ElidedLabel(self)
        font = self.name_label.font()
        font.setBold(True)
        self.name_label.setFont(font)
        self.duration_label = hint(parent=self)
        self.audit_link = QLabel(self)
        self.audit_link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.audit_link.setToolTip(self.tr("See this call in the audit trail"))
        self.audit_link.linkActivated.connect(self._on_audit_link_activated)
        self.progress = CallProgressView(self)
        self.progress.answered.connect(self._on_progress_answered)
        self.arguments = JsonSection(self.tr("What the assistant asked for"), self)
        self.result = JsonSection(self.tr("Result"), self)
        self.parts = ResultPartsView(self, opener)
        self.structured = StructuredHolder(self)
        self.reason_label = plain(selectable(QLabel(self)))
        self.reason_label.setWordWrap(True)
        self.reason_label.setAccessibleName(self.tr("Why"))
        self.advice_label = plain(hint(parent=self))
        self.flags_message = InlineMessage(self)
        self.flags_list = plain(selectable(QLabel(self)))
        self.note_label = plain(hint(parent=self))
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout()
        self.show_card(card)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.status_label)
        top.addWidget(self.icon_label)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.duration_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(4)
        layout.addLayout(top)
        sections: tuple[QWidget, ...] = (
            self.progress,
            self.reason_label,
            self.advice_label,
            self.arguments,
            self.result,
            self.structured,
            self.parts,
            self.flags_message,
            self.flags_list,
            self.note_label,
            self.audit_link,
        )
        for widget in sections:
            layout.addWidget(widget)

    def show_card(self, card: ToolCard) -> None:
        self.card = card
        self._show_status(card.status)
        self.name_label.set_full_text(tool_title(card))
        self._show_icon()
        exact = self.tr("Exact name: %1").replace("%1", card.tool)
        self.name_label.setToolTip(plain_tip(exact))
        self.duration_label.setText(duration_text(card))
        seq = card.audit_seq
        self.audit_link.setText(self.tr('<a href="audit">Audit record #%1</a>').replace("%1", str(seq)))
        self.audit_link.setVisible(seq is not None)
        self.arguments.setVisible(card.arguments is not None)
        self.arguments.set_content(show_arguments(card.arguments))
        self.progress.show_card(card)
        self._show_outcome(card)
        self._show_flags(card)
        self._show_app_view(card)

    def _show_app_view(self, card: ToolCard) -> None:
        """The tool's own view, under the result, once the result is in."""
        if self.app_view is not None or card.app_view is None or card.status is not CallStatus.DONE:
            return
        if self._views is not None:
            self.app_view = AppViewHolder(card, self._views, self._chat_id, self, at_once=self._ran_here)
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(layout.indexOf(self.parts) + 1, self.app_view)

    def _show_outcome(self, card: ToolCard) -> None:
        """A result in its box; why nothing came back, on the card; a garbled call's text in the box."""
        said = card.status in NOT_RUN
        garbled = card.status is CallStatus.GARBLED
        self.reason_label.setText(card.result if said else "")
        self.reason_label.setVisible(said and bool(card.result))
        self.advice_label.setText(advice(card.status))
        self.advice_label.setVisible(bool(self.advice_label.text()))
        boxed = card.note if garbled else "" if said else card.result
        if garbled:
            self.result.set_title(self.tr("What the model wrote"))
        else:
            self.result.set_title(result_title(card))
        self.result.setVisible(bool(boxed))
        self.result.set_content(show_result(boxed))
        self.parts.show_parts(() if said else card.parts, card.title or label_of(card.tool), server_of(card))
        self.structured.show_value(card.structured if card.structured_fits and not said else None)
        note = "" if garbled else card.note
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))

    def _show_status(self, status: CallStatus) -> None:
        colour = STATUS_COLOURS[status]
        self.status_label.setText(status_text(status))
        self.status_label.setStyleSheet(
            f"color: white; background: {colour}; border-radius: 8px; padding: 1px 8px;"
        )

    def _show_flags(self, card: ToolCard) -> None:
        self.flags_message.text_label.setTextFormat(Qt.TextFormat.PlainText)
        if card.flags:
            self.flags_message.show_problem(flags_heading(card))
        else:
            self.flags_message.clear()
        self.flags_list.setText("\n".join(f"• {flag.sentence()}" for flag in card.flags))
        self.flags_list.setVisible(bool(card.flags))

    def _show_icon(self) -> None:
        icon = self._icons.icon(self.card.icons) if self._icons is not None else None
        if icon is not None:
            size = self.name_label.fontMetrics().height()
            self.icon_label.setPixmap(icon.pixmap(size, size))
        self.icon_label.setVisible(icon is not None)

    def _on_icons_icon_arrived(self) -> None:
        self._show_icon()

    def _on_progress_answered(self, keep_waiting: bool) -> None:
        self.slow_call_answered.emit(self.card.call_id, keep_waiting)

    def _on_audit_link_activated(self, _link: str) -> None:
        if self.card.audit_seq is not None:
            self.audit_record_requested.emit(self.card.audit_seq)
