"""The selected audit record: what happened in sentences, and the record itself behind a toggle."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from desktop.core.audit_records import AuditKind, AuditRecord
from desktop.ui.audit_sentences import sentences
from desktop.ui.models.audit_table_model import date_time_text
from desktop.ui.secret_words import raw_form_tip
from desktop.ui.style import heading, hint, monospace_font, selectable
from desktop.ui.widgets.collapsible import Collapsible
from desktop.ui.widgets.json_view import JsonView

TOOL_KINDS = (AuditKind.TOOL_CALL, AuditKind.TOOL_RESULT)


class AuditDetail(QWidget):
    """The selected record: what happened, its data, number, time and fingerprints.

    Signals:
        messages_requested(AuditRecord): the user wants the JSON-RPC messages of this tool call.
    """

    messages_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._record: AuditRecord | None = None
        self.summary_label = selectable(heading("", self, scale=1.0))
        self.summary_label.setAccessibleName(self.tr("What happened"))
        self.story_label = selectable(QLabel(self))
        self.story_label.setAccessibleName(self.tr("What happened, in more words"))
        self.story_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.story = QScrollArea(self)
        self.story.setWidget(self.story_label)
        self.story.setWidgetResizable(True)
        self.story.setFrameShape(QFrame.Shape.NoFrame)
        self.story.setMinimumHeight(2 * self.fontMetrics().lineSpacing())
        self.data_view = JsonView(self)
        self.data_view.setAccessibleName(self.tr("Everything the record holds"))
        self.chain_label = selectable(hint(parent=self))
        self.chain_label.setFont(monospace_font())
        self.chain_label.setAccessibleName(self.tr("Record number, time and fingerprints"))
        self.chain_label.setToolTip(
            self.tr("Each record's fingerprint covers the one before it, so a changed record shows up")
        )
        self.technical = Collapsible(self.tr("Show technical details"), self._technical_part(), self)
        self.technical.toggle.setToolTip(
            self.tr("Everything the record holds, as stored, with its fingerprints")
        )
        self.messages_button = QPushButton(self.tr("Show its messages"), self)
        self.messages_button.setAccessibleName(self.tr("Show its messages"))
        self._lay_out()
        self.messages_button.clicked.connect(self._on_messages_button_clicked)
        self.technical.toggle.toggled.connect(self._on_technical_toggled)
        self.show_record(None)

    def _technical_part(self) -> QWidget:
        part = QWidget(self)
        layout = QVBoxLayout(part)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.data_view, 1)
        layout.addWidget(self.chain_label)
        return part

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.messages_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.story, 1)
        layout.addWidget(self.technical)
        layout.addLayout(buttons)

    def show_record(self, record: AuditRecord | None) -> None:
        self._record = record
        told = sentences(record) if record is not None else [self.tr("Select a record to see what happened.")]
        self.summary_label.setText(told[0])
        self.story_label.setText("\n".join(told[1:]))
        self.story_label.setToolTip(raw_form_tip(str(record.data.get("launch", ""))) if record else "")
        self.technical.setVisible(record is not None)
        if record is None:
            self.data_view.clear()
            self.chain_label.clear()
        else:
            self.data_view.show_value(record.data)
            self.chain_label.setText(
                self.tr("Record %1 · %2\nFingerprint: %3\nPrevious:    %4")
                .replace("%1", str(record.seq))
                .replace("%2", date_time_text(record.time))
                .replace("%3", record.hash)
                .replace("%4", record.prev_hash or self.tr("none (first record)"))
            )
        self._update_button(record)

    def _on_technical_toggled(self, opened: bool) -> None:
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.setStretchFactor(self.story, 0 if opened else 1)
        layout.setStretchFactor(self.technical, 1 if opened else 0)
        self.technical.set_title(
            self.tr("Hide technical details") if opened else self.tr("Show technical details")
        )

    def _update_button(self, record: AuditRecord | None) -> None:
        button = self.messages_button
        button.setVisible(record is not None and record.kind in TOOL_KINDS)
        denied = (
            record is not None
            and record.kind is AuditKind.TOOL_CALL
            and record.data.get("decision") != "allowed"
        )
        button.setEnabled(not denied)
        button.setToolTip(
            self.tr("This call was denied, so nothing was sent to the server.")
            if denied
            else self.tr("Open the Log at the messages this tool call sent and received")
        )

    def _on_messages_button_clicked(self) -> None:
        self.messages_requested.emit(self._record)
