"""Opening a question box that asks the user to confirm before something is changed or removed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox


def open_confirm(box: QMessageBox, confirm: QAbstractButton, answered: Callable[[bool], None]) -> None:
    """Add Cancel (the default button) to `box` and open it, window-modal; when it closes, `answered`
    hears whether `confirm` was the button pressed. The box deletes itself once closed."""
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.finished.connect(lambda _result: answered(box.clickedButton() is confirm))
    box.open()
