"""“Make smaller…”: a smaller copy of a full-size model, made with llama.cpp's own quantizer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.llm.models.control import JobKind, ModelControl
from desktop.ui.bridge import Bridge
from desktop.ui.pages.model_job_row import JobRow, show_failure
from desktop.ui.style import hint, pad
from desktop.ui.texts import fill, size_text
from desktop.ui.widgets.collapsible import DetailsToggle
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.llm.models.gguf_info import ModelInfo

USUAL_CHOICE = "Q4_K_M"


class QuantizeDialog(QDialog):
    """Pick a smaller type (each with a sentence and the size it comes to), make it, or cancel.

    Signals:
        made(object): the copy is finished (its Path).
    """

    made = Signal(object)

    def __init__(self, bridge: Bridge, info: ModelInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._info = info
        self._cancelled = False
        self.busy = False
        self.setWindowTitle(self.tr("Make a smaller copy"))
        self.type_box = QComboBox(self)
        self.type_box.setAccessibleName(self.tr("Smaller type"))
        self.type_box.setToolTip(
            self.tr("How small the copy should be; smaller needs less memory but answers less well")
        )
        self.description = hint(parent=self)
        self.job_row = JobRow(JobKind.QUANTIZE, self)
        self.message = InlineMessage(self)
        self.details = DetailsToggle(self)
        self.buttons = QDialogButtonBox(self)
        self.make_button = QPushButton(self.tr("Make copy"), self)
        self.make_button.setDefault(True)
        self.make_button.setToolTip(self.tr("Write the smaller copy next to the original"))
        self.buttons.addButton(self.make_button, QDialogButtonBox.ButtonRole.AcceptRole)
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setToolTip(self.tr("Close this window; a copy still being made is stopped"))
        self._fill_types()
        self._build()
        self.type_box.currentIndexChanged.connect(self._on_type_box_current_index_changed)
        self.make_button.clicked.connect(self._on_make_button_clicked)
        self.buttons.rejected.connect(self.reject)
        self.job_row.cancel_requested.connect(self._on_job_row_cancel_requested)
        bridge.model_job_progressed.connect(self.job_row.show_progress)
        self._on_type_box_current_index_changed(self.type_box.currentIndex())

    def _models(self) -> ModelControl:
        assert self._bridge.models is not None, "services are not attached yet"
        return self._bridge.models

    def _fill_types(self) -> None:
        for kind in self._models().quant_types():
            name = kind.name
            if kind.bits_per_weight >= self._info.bits_per_weight:
                continue
            size = size_text(int(self._info.parameters * kind.bits_per_weight / 8))
            self.type_box.addItem(fill(self.tr("%1, about %2"), name, size), name)
            self.type_box.setItemData(
                self.type_box.count() - 1, kind.description, Qt.ItemDataRole.ToolTipRole
            )
        usual = self.type_box.findData(USUAL_CHOICE)
        self.type_box.setCurrentIndex(max(usual, 0))

    def _build(self) -> None:
        info = self._info
        intro = fill(
            self.tr(
                "“%1” is %3, stored as %2. A smaller copy needs less memory and answers a little less "
                "well. The original stays as it is."
            ),
            info.name,
            info.file_type,
            size_text(info.file_bytes),
        )
        form = QFormLayout()
        form.addRow(self.tr("Make it:"), self.type_box)
        form.addRow("", self.description)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(hint(intro, self))
        layout.addLayout(form)
        layout.addWidget(self.job_row)
        layout.addWidget(self.message)
        layout.addWidget(self.details)
        layout.addStretch()
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def _on_type_box_current_index_changed(self, index: int) -> None:
        self.description.setText(str(self.type_box.itemData(index, Qt.ItemDataRole.ToolTipRole) or ""))

    def _on_make_button_clicked(self) -> None:
        quant = self.type_box.currentData()
        if quant is None:
            return
        self._cancelled = False
        self.message.clear()
        self.details.set_details("")
        self._set_busy(True)
        self._bridge.call(
            self._models().quantize(self._info.path, str(quant)), self._on_copy_made, self._on_call_failed
        )

    def _on_copy_made(self, path: Path) -> None:
        self.message.show_info(fill(self.tr("Made “%1”. It is in your list of models now."), path.name))
        self._set_busy(False)
        self.made.emit(path)

    def _on_job_row_cancel_requested(self) -> None:
        self._cancelled = True
        self._models().cancel(JobKind.QUANTIZE)

    def _on_call_failed(self, problem: Problem) -> None:
        show_failure(self.message, self.details, problem, cancelled=self._cancelled)
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.type_box.setEnabled(not busy)
        self.make_button.setEnabled(not busy)

    def reject(self) -> None:
        """Closing while a copy is being made stops it: nobody would see it finish."""
        if self.busy:
            self._on_job_row_cancel_requested()
        super().reject()
