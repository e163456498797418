"""The form an install asks the user to fill in, made from the plan's `InstallField`s.

Each kind of value gets the control a person expects: a masked box for a secret (it goes to
the system's keychain), a spin box for a number, a tick box for yes or no, a list for a choice,
a box with “Choose…” for a folder or a file, and several lines where several values are wanted.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.catalogue.control import FieldKind, InstallField
from desktop.ui.style import SPACING, hint, labelled_button
from desktop.ui.texts import fill

TRUE, FALSE = "true", "false"
NUMBER_LIMIT = 1_000_000_000
MULTI_LINES_HEIGHT = 72


class InstallFields(QWidget):
    """One row per field, defaults filled in; `values()` has every field's value as text.

    Signals:
        changed(): a value changed (so whoever shows `missing()` can look again).
    """

    changed = Signal()

    def __init__(self, fields: tuple[InstallField, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fields = fields
        self._read: dict[str, Callable[[], str]] = {}
        self.editors: dict[str, QWidget] = {}
        self.secret_toggles: dict[str, QPushButton] = {}
        """Each secret's “Show” button, by its key."""
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setSpacing(SPACING)
        for field in fields:
            self._add_row(field)

    def values(self) -> dict[str, str]:
        return {key: read().strip() for key, read in self._read.items()}

    def missing(self) -> InstallField | None:
        """The first required field left empty, if any."""
        values = self.values()
        return next((field for field in self._fields if field.required and not values[field.key]), None)

    def _add_row(self, field: InstallField) -> None:
        editor = self._editor(field)
        if field.required:
            label = fill(self.tr("%1 (required)"), field.label)
        elif field.kind is FieldKind.BOOLEAN:
            label = field.label  # a tick box always has a value
        else:
            label = fill(self.tr("%1 (optional)"), field.label)
        notes = [_sentence(field.description)] if field.description else []
        if field.multiple and "per line" not in field.description.lower():
            notes.append(self.tr("One per line."))
        if field.kind is FieldKind.SECRET:
            notes.append(self.tr("Kept in your system's keychain, never in MCP Desk's settings."))
        title = self._title(field, label + ":")
        if not notes:
            self.form.addRow(title, editor)
            return
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(editor)
        column.addWidget(hint(" ".join(notes), self))
        self.form.addRow(title, column)

    def _title(self, field: InstallField, text: str) -> QLabel:
        """The row's label in words, with the publisher's own name for it small below (for their docs)."""
        title = QLabel(self)
        if not field.technical or field.technical == field.label:
            title.setText(text)
            return title
        title.setTextFormat(Qt.TextFormat.RichText)
        title.setText(f"{html.escape(text)}<br><small>{html.escape(field.technical)}</small>")
        title.setToolTip(self.tr("Its publisher calls it %1").replace("%1", field.technical))
        return title

    def _editor(self, field: InstallField) -> QWidget:
        if field.multiple:
            made = self._lines(field)
        elif field.kind is FieldKind.BOOLEAN:
            made = self._tick(field)
        elif field.kind is FieldKind.NUMBER:
            made = self._number(field)
        elif field.kind is FieldKind.CHOICE:
            made = self._choice(field)
        elif field.kind in (FieldKind.FOLDER, FieldKind.FILE):
            made = self._path(field)
        else:
            made = self._text(field)
        editor = self.editors.setdefault(field.key, made)  # a secret's box, not the row with its button
        editor.setAccessibleName(field.label)
        editor.setToolTip(field.description or field.label)
        return made

    def _text(self, field: InstallField) -> QWidget:
        edit = QLineEdit(field.default, self)
        edit.textChanged.connect(self.changed)
        self._read[field.key] = edit.text
        if field.kind is not FieldKind.SECRET:
            return edit
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText(self.tr("Paste it here"))
        self.editors[field.key] = edit
        show = labelled_button(self.tr("Show"), self.tr("Show or hide what you typed"), self)
        show.setCheckable(True)
        show.toggled.connect(lambda shown: self._show_secret(edit, show, shown))
        self.secret_toggles[field.key] = show
        return self._beside(edit, show)

    def _show_secret(self, edit: QLineEdit, button: QPushButton, shown: bool) -> None:
        edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        button.setText(self.tr("Hide") if shown else self.tr("Show"))

    def _lines(self, field: InstallField) -> QWidget:
        edit = QPlainTextEdit(field.default, self)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(MULTI_LINES_HEIGHT)
        edit.textChanged.connect(self.changed)
        self._read[field.key] = edit.toPlainText
        if field.kind not in (FieldKind.FOLDER, FieldKind.FILE):
            return edit
        add = labelled_button(self.tr("Add…"), self._pick_tip(field), self)
        add.clicked.connect(lambda: self._pick(field, lambda path: edit.appendPlainText(path)))
        return self._beside(edit, add)

    def _tick(self, field: InstallField) -> QCheckBox:
        box = QCheckBox(self.tr("Yes"), self)
        box.setChecked(field.default.lower() in (TRUE, "yes", "1"))
        box.toggled.connect(self.changed)
        self._read[field.key] = lambda: TRUE if box.isChecked() else FALSE
        return box

    def _number(self, field: InstallField) -> QWidget:
        whole = "." not in field.default
        spin: QSpinBox | QDoubleSpinBox = QSpinBox(self) if whole else QDoubleSpinBox(self)
        spin.setRange(-NUMBER_LIMIT, NUMBER_LIMIT)
        try:
            spin.setValue(int(field.default) if whole else float(field.default))  # type: ignore[arg-type]
        except ValueError:
            spin.setValue(0)
        spin.valueChanged.connect(self.changed)
        self._read[field.key] = spin.cleanText
        return spin

    def _choice(self, field: InstallField) -> QComboBox:
        combo = QComboBox(self)
        if not field.required:
            combo.addItem(self.tr("(not set)"), "")
        for choice in field.choices:
            combo.addItem(choice, choice)
        at = combo.findData(field.default)
        combo.setCurrentIndex(max(at, 0))
        combo.currentIndexChanged.connect(self.changed)
        self._read[field.key] = lambda: str(combo.currentData() or "")
        return combo

    def _path(self, field: InstallField) -> QWidget:
        edit = QLineEdit(field.default, self)
        edit.setPlaceholderText(
            self.tr("Choose a folder") if field.kind is FieldKind.FOLDER else self.tr("Choose a file")
        )
        edit.textChanged.connect(self.changed)
        self._read[field.key] = edit.text
        choose = labelled_button(self.tr("Choose…"), self._pick_tip(field), self)
        choose.clicked.connect(lambda: self._pick(field, edit.setText))
        return self._beside(edit, choose)

    def _beside(self, editor: QWidget, button: QPushButton) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(editor, 1)
        layout.addWidget(button)
        row.setFocusProxy(editor)
        return row

    def _pick_tip(self, field: InstallField) -> str:
        return self.tr("Pick the folder") if field.kind is FieldKind.FOLDER else self.tr("Pick the file")

    def _pick(self, field: InstallField, chosen: Callable[[str], None]) -> None:
        dialog = QFileDialog(self, field.label)
        folder = field.kind is FieldKind.FOLDER
        dialog.setFileMode(QFileDialog.FileMode.Directory if folder else QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(chosen)
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        dialog.open()


def _sentence(text: str) -> str:
    """A publisher's description ends as a sentence, so the next one doesn't run into it."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":", ")")) else text + "."
