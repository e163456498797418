"""Installing a server from the catalogue or a bundle: what it is, who made it, what it can do, the form.

Nothing is written until Install is pressed. While it installs, a line says what is happening
and Stop cancels it (the service leaves nothing half-done). Once installed, the server waits
for the user's approval before it first runs; “Review and start” opens that question.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.catalogue.control import CatalogueControl, Installed, InstallPlan
from desktop.core.problem import Problem
from desktop.ui.bridge import Bridge
from desktop.ui.catalogue_words import verified_tip, who_words
from desktop.ui.dialogs.install_fields import InstallFields
from desktop.ui.lifetime import while_alive
from desktop.ui.style import heading, hint, pad, selectable
from desktop.ui.texts import fill
from desktop.ui.widgets.inline_message import InlineMessage

PROGRESS_STEPS = 100
SOURCE_WIDTH = 360
"""Pixels a “Comes from” line may take before its middle gives way to “…”."""


class ProgressRelay(QObject):
    """Carries the service thread's progress reports to the Qt thread (queued, by Qt's own rules).

    It belongs to the bridge, not to the dialog: a report may still come after the dialog closed.

    Signals:
        moved(str, object): what is happening, and the fraction done (a float) or None.
    """

    moved = Signal(str, object)

    def report(self, text: str, fraction: float | None) -> None:
        self.moved.emit(text, fraction)


class InstallDialog(QDialog):
    """Shows `plan` and its form; installs through `bridge.catalogue` when asked.

    Signals:
        installed(Installed): the server was added to MCP Desk (it is not approved yet).
        review_requested(str): the user wants to approve the new server now.
    """

    installed = Signal(object)
    review_requested = Signal(str)

    def __init__(self, plan: InstallPlan, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert bridge.catalogue is not None, "services are not attached yet"
        self._plan = plan
        self._bridge = bridge
        self._catalogue: CatalogueControl = bridge.catalogue
        self._running: concurrent.futures.Future[Any] | None = None
        self._done: Installed | None = None
        self.setWindowTitle(fill(self.tr("Install “%1”"), plan.title))
        self.resize(660, 740)
        self.fields = InstallFields(plan.fields, self)
        self.message = InlineMessage(self)
        self.progress_label = hint(parent=self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setAccessibleName(self.tr("Installing"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.install_button: QPushButton = self.buttons.addButton(
            self.tr("Install"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.install_button.setDefault(True)
        self.install_button.setToolTip(self.tr("Add this server to MCP Desk with the values above"))
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip(self.tr("Close without installing anything"))
        self._lay_out()
        self._show_installing(None)
        self.fields.changed.connect(self._check)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)
        self._check()

    def _lay_out(self) -> None:
        inner = QWidget(self)
        column = QVBoxLayout(inner)
        pad(column, 0)
        column.addWidget(heading(self._plan.title, inner))
        column.addLayout(self._about())
        for caution in self._plan.cautions:
            caution_label = InlineMessage(inner)
            caution_label.show_problem(caution)
            column.addWidget(caution_label)
        for note in self._plan.notes:
            note_label = InlineMessage(inner)
            note_label.show_info(note)
            column.addWidget(note_label)
        if self._plan.blocked is None and self._plan.fields:
            column.addWidget(heading(self.tr("Settings"), inner, 1.1))
            column.addWidget(self.fields)
        self.fields.setVisible(self._plan.blocked is None)
        column.addStretch()
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(inner)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(area, 1)
        layout.addWidget(self.message)
        for progress in (self.progress_label, self.progress_bar):
            kept = progress.sizePolicy()
            kept.setRetainSizeWhenHidden(True)  # showing progress doesn't squeeze the form above
            progress.setSizePolicy(kept)
            layout.addWidget(progress)
        layout.addWidget(self.buttons)

    def _about(self) -> QFormLayout:
        plan = self._plan
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        publisher = self._line(who_words(plan.publisher, plan.verified))
        publisher.setToolTip(verified_tip(plan.verified))
        form.addRow(self.tr("Made by:"), publisher)
        form.addRow(self.tr("Access:"), self._line(plan.abilities))
        form.addRow(self.tr("What will run:"), self._line(plan.package))
        form.addRow(self.tr("Comes from:"), self._elided(plan.source))
        if plan.tools:
            form.addRow(self.tr("What it can do for the assistant:"), self._line(", ".join(plan.tools)))
        form.addRow(self.tr("Its name in MCP Desk:"), self._line(plan.suggested_name))
        return form

    def _line(self, text: str) -> QLabel:
        label = selectable(QLabel(text, self))
        label.setAccessibleName(text)
        return label

    def _elided(self, text: str) -> QLabel:
        """One line, shortened in the middle when too long (a file's path); all of it in the tooltip."""
        label = self._line(text)
        label.setWordWrap(False)
        label.setText(label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, SOURCE_WIDTH))
        label.setToolTip(text)
        return label

    def values(self) -> dict[str, str]:
        return self.fields.values()

    def _check(self) -> None:
        """Install is possible when nothing blocks it and every required value is there; say which is not."""
        if self._running is not None or self._done is not None:
            return
        if self._plan.blocked is not None:
            self.message.show_problem(
                fill(
                    self.tr("%1 Look for another server that does this in Browse servers."),
                    self._plan.blocked,
                )
            )
            self.install_button.setEnabled(False)
            return
        missing = self.fields.missing()
        self.install_button.setEnabled(missing is None)
        if missing is None:
            self.message.clear()
        else:
            self.message.show_info(fill(self.tr("Fill in “%1” to install."), missing.label))

    def _on_buttons_accepted(self) -> None:
        if self._done is not None:
            self.review_requested.emit(self._done.server)
            self.accept()
        elif self._running is None and self.install_button.isEnabled():
            self._install()

    def _install(self) -> None:
        relay = ProgressRelay(self._bridge)
        relay.moved.connect(self._on_relay_moved)
        self._show_installing(self.tr("Getting ready…"))
        self._running = self._bridge.call(
            self._catalogue.install(self._plan, self.values(), relay.report),
            on_done=while_alive(self, self._on_install_done),
            on_error=while_alive(self, self._on_install_failed),
        )
        if self._running is None:
            self._show_installing(None)

    def _on_buttons_rejected(self) -> None:
        if self._running is None:
            self.reject()
            return
        self._running.cancel()
        self._running = None
        self._show_installing(None)
        self.message.show_info(self.tr("Installing stopped. Nothing was added to MCP Desk."))

    def reject(self) -> None:
        if self._running is not None:
            self._running.cancel()
            self._running = None
        super().reject()

    def _on_relay_moved(self, text: str, fraction: float | None) -> None:
        if self._running is None:
            return
        self.progress_label.setText(
            text if fraction is None else fill(self.tr("%1 (%2%)"), text, round(fraction * 100))
        )
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, PROGRESS_STEPS)
            self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))

    def _show_installing(self, what: str | None) -> None:
        """Lock the form and show the progress line while installing (`what` is its first words)."""
        installing = what is not None
        self.progress_label.setVisible(installing)
        self.progress_bar.setVisible(installing)
        self.fields.setEnabled(not installing)
        if what is not None:
            self.message.clear()
            self.progress_label.setText(what)
            self.progress_bar.setRange(0, 0)
            self.install_button.setEnabled(False)
            self.cancel_button.setText(self.tr("Stop"))
            self.cancel_button.setToolTip(self.tr("Stop installing; nothing is added"))
        else:
            self.cancel_button.setText(self.tr("Cancel"))
            self.cancel_button.setToolTip(self.tr("Close without installing anything"))
            self._check()

    def _on_install_failed(self, problem: Problem) -> None:
        self._running = None
        self._show_installing(None)
        self.message.show_problem(problem.message)
        self.message.setToolTip(problem.details)

    def _on_install_done(self, done: Installed) -> None:
        self._running = None
        self._done = done
        self._show_installing(None)
        self.fields.setEnabled(False)
        self.message.show_info(
            fill(
                self.tr(
                    "%1 is installed. You'll find it on the Servers page. Before it first runs, MCP Desk "
                    "shows you exactly what it will run and asks you once to approve it."
                ),
                self._plan.title,
            )
        )
        self.install_button.setText(self.tr("Review and start…"))
        self.install_button.setToolTip(self.tr("See what this server will run, and start it if you agree"))
        self.install_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Later"))
        self.cancel_button.setToolTip(
            self.tr("Close; the server waits on the Servers page for your approval")
        )
        self.installed.emit(done)
