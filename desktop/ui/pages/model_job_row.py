"""A running model job (load, download, smaller copy): what it is, how far along, and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop.core.problem import Problem
from desktop.llm.models.control import JobKind, JobProgress
from desktop.ui.style import hint
from desktop.ui.widgets.collapsible import DetailsToggle
from desktop.ui.widgets.inline_message import InlineMessage

STEPS = 1000


class JobRow(QWidget):
    """Shows the `kind` jobs handed to `show_progress`; hidden while none runs.

    Signals:
        cancel_requested(): the user pressed Cancel.
        finished(object): the job ended (its last JobProgress, with `finished` set).
    """

    cancel_requested = Signal()
    finished = Signal(object)

    def __init__(self, kind: JobKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.running = False
        self.title_label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, STEPS)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(self.tr("Progress"))
        self.detail_label = hint(parent=self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop this before it finishes"))
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.title_label, 0, 0)
        layout.addWidget(self.bar, 1, 0)
        layout.addWidget(self.cancel_button, 1, 1)
        layout.addWidget(self.detail_label, 2, 0, 1, 2)
        layout.setColumnStretch(0, 1)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.hide()

    def show_progress(self, progress: JobProgress) -> None:
        """Follow `progress` if it is this row's kind of job."""
        if progress.kind is not self.kind:
            return
        self.running = not progress.finished
        if progress.finished:
            self.hide()
            self.finished.emit(progress)
            return
        self.title_label.setText(progress.title)
        self.detail_label.setText(progress.detail)
        self.detail_label.setVisible(bool(progress.detail))
        if progress.fraction is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, STEPS)
            self.bar.setValue(round(progress.fraction * STEPS))
        self.cancel_button.setEnabled(True)
        self.show()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.detail_label.setText(self.tr("Stopping…"))
        self.cancel_requested.emit()


def show_failure(
    message: InlineMessage, details: DetailsToggle, problem: Problem, *, cancelled: bool
) -> None:
    """Say why a job ended early; when the user cancelled it, that is news, not an error."""
    if cancelled:
        message.show_info(problem.message)
    else:
        message.show_problem(problem.message)
    details.set_details(problem.details)
