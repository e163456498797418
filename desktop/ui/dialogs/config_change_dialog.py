"""Asking before another app's settings change: what happens, in words; the exact lines one click away."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gateway.change_diff import change_diff
from desktop.gateway.control import ConfigChange
from desktop.ui.style import SPACING, hint, monospace_font, pad, selectable
from desktop.ui.widgets.collapsible import Collapsible


class ConfigChangeDialog(QDialog):
    """Shows `change` and asks; accepting means “write it”. A change that changes nothing only informs."""

    def __init__(self, change: ConfigChange, title: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.change = change
        self.setWindowTitle(title)
        self.resize(660, 320)
        lines = change.summary.splitlines()
        bullets = "\n".join(f"•  {line}" for line in lines) if len(lines) > 1 else change.summary
        self.summary_label = selectable(QLabel(bullets, self))
        self.summary_label.setWordWrap(True)
        self.where_label = selectable(
            hint(self.tr("Settings file: %1").replace("%1", str(change.path)), self)
        )
        self.diff_text = QPlainTextEdit(change_diff(change, with_path=False), self)
        self.diff_text.setReadOnly(True)
        self.diff_text.setFont(monospace_font())
        self.diff_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff_text.setAccessibleName(self.tr("The exact change"))
        self.details = Collapsible(self.tr("Technical details (for experts)"), self.diff_text, self)
        self.undo_label = hint(
            self.tr("MCP Desk keeps a copy of the file as it is now, so you can undo this."), self
        )
        self.buttons = QDialogButtonBox(self)
        self.apply_button: QPushButton = self.buttons.addButton(
            action, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setDefault(True)
        self.apply_button.setToolTip(self.tr("Change %1's settings as shown").replace("%1", change.label))
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip(self.tr("Leave %1's settings as they are").replace("%1", change.label))
        if change.after == change.before:
            self.apply_button.setText(self.tr("OK"))
            self.apply_button.setToolTip(self.tr("Nothing in the file changes"))
            cancel.hide()
            self.details.hide()
            self.undo_label.hide()
        self._lay_out()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        pad(layout)
        layout.setSpacing(SPACING // 2)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.where_label)
        layout.addWidget(self.details)
        layout.addStretch(1)
        self._spacer = layout.count() - 1
        self._layout = layout
        self.details.toggle.toggled.connect(self._on_details_toggled)
        layout.addWidget(self.undo_label)
        layout.addWidget(self.buttons)

    def _on_details_toggled(self, opened: bool) -> None:
        """The exact lines take the room while shown; empty space does while not."""
        self._layout.setStretchFactor(self.details, 1 if opened else 0)
        self._layout.setStretch(self._spacer, 0 if opened else 1)
