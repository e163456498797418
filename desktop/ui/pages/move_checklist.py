"""After an app's servers moved into MCP Desk: what is left to do before they work in that app again,
each step ticked off as it is done, with the button that does it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.style import SPACING, hint

DONE, TO_DO = "✓", "○"


class MoveChecklist(QFrame):
    """Hidden until `show_move`; `show_state` keeps its ticks current."""

    turn_on_requested = Signal()
    approve_requested = Signal(str)
    """The server's name in MCP Desk."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("What is left to do"))
        self.title_label = QLabel(self)
        self.title_label.setWordWrap(True)
        self.rows = QGridLayout()
        self.rows.setHorizontalSpacing(SPACING)
        self.marks: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.done_button = QPushButton(self.tr("Hide"), self)
        self.done_button.setToolTip(self.tr("Hide this list"))
        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(SPACING // 2)
        layout.addLayout(top)
        layout.addLayout(self.rows)
        self.note = hint(parent=self)
        layout.addWidget(self.note)
        self.done_button.clicked.connect(self.hide)
        self.hide()

    def show_move(self, label: str, servers: Iterable[str]) -> None:
        """The steps after moving `servers` from the app called `label`."""
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self.marks.clear()
        self.buttons.clear()
        self.title_label.setText(self.tr("To use them in %1 again:").replace("%1", label))
        self._add_step("sharing", self.tr("Sharing on"), self.tr("Turn on"), self.turn_on_requested.emit)
        for name in servers:
            approved = self.tr("%1 approved").replace("%1", name)
            self._add_step(name, approved, self.tr("Approve…"), partial(self.approve_requested.emit, name))
        self._add_step("restart", self.tr("Restart %1").replace("%1", label), "", None)
        restart = self.tr("MCP Desk can't restart %1 for you: quit it and open it again.")
        self.note.setText(restart.replace("%1", label))
        self.rows.setColumnStretch(2, 1)
        self.show()

    def _add_step(self, key: str, text: str, action: str, on_click: Callable[[], object] | None) -> None:
        row = len(self.marks)
        mark = QLabel(TO_DO, self)
        self.marks[key] = mark
        self.rows.addWidget(mark, row, 0)
        self.rows.addWidget(QLabel(text, self), row, 1)
        if on_click is not None:
            button = QPushButton(action, self)
            button.setToolTip(text)
            button.clicked.connect(on_click)
            self.buttons[key] = button
            self.rows.addWidget(button, row, 2, Qt.AlignmentFlag.AlignLeft)

    def show_state(self, sharing: bool, needs_approval: Iterable[str]) -> None:
        waiting = set(needs_approval)
        for key, mark in self.marks.items():
            if key == "restart":
                continue
            done = sharing if key == "sharing" else key not in waiting
            mark.setText(DONE if done else TO_DO)
            mark.setAccessibleName(self.tr("Done") if done else self.tr("To do"))
            self.buttons[key].setVisible(not done)

    def steps_done(self) -> dict[str, bool]:
        """Each step's key and whether it is ticked (the restart is never known)."""
        return {key: mark.text() == DONE for key, mark in self.marks.items()}
