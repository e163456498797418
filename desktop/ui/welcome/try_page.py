"""Welcome, step 3: a question that makes the model use a tool, and what the question after it is for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWizardPage

from desktop.core.events import ServerState, ServerStatus
from desktop.llm.models.control import JobKind, JobProgress, ModelState
from desktop.servers.folder_share import FILES_SERVER
from desktop.ui.bridge import Bridge
from desktop.ui.pages.model_job_row import JobRow
from desktop.ui.pages.model_texts import loaded_name
from desktop.ui.style import hint, labelled_button
from desktop.ui.texts import fill
from desktop.ui.widgets.inline_message import InlineMessage


class TryPage(QWizardPage):
    """Complete once the chosen model is loaded and the files server runs; Finish asks `prompt()`.

    Without a model it says to pick one first (the wizard's “Choose a model…” opens the Model page).
    """

    def __init__(self, bridge: Bridge, chosen: Callable[[], Path | None]) -> None:
        super().__init__()
        self._bridge = bridge
        self._chosen = chosen
        self._files_running = False
        self.setTitle(self.tr("Try it"))
        self.setSubTitle(self.tr("Ask your model something it needs a tool for."))
        self.prompt_edit = QLineEdit(self.tr("Which files are in my shared folder?"), self)
        self.prompt_edit.setAccessibleName(self.tr("Your question"))
        self.prompt_edit.setToolTip(self.tr("What to ask your model; you can change it"))
        self.explanation = QLabel(
            self.tr(
                "When you press “Try it”, the Chat opens and your model asks to use a tool of the Files "
                "server to look in your folder. Before any tool runs, MCP Desk shows you exactly what "
                "will run and waits for your answer: that question is how you stay in control. "
                "Choose “Allow once” to see the answer."
            ),
            self,
        )
        self.explanation.setWordWrap(True)
        self.model_label = hint(parent=self)
        self.files_label = hint(parent=self)
        self.job_row = JobRow(JobKind.LOAD, self)
        self.message = InlineMessage(self)
        self.browse_button = labelled_button(
            self.tr("Browse servers…"), self.tr("Find servers others have published, and install one"), self
        )
        more = QHBoxLayout()
        more.addWidget(
            hint(self.tr("Want more tools? Servers for the weather, your notes and more:"), self), 1
        )
        more.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt_edit)
        layout.addWidget(self.explanation)
        layout.addStretch()
        layout.addWidget(self.model_label)
        layout.addWidget(self.job_row)
        layout.addWidget(self.files_label)
        layout.addWidget(self.message)
        layout.addLayout(more)
        self.job_row.cancel_requested.connect(self._on_job_row_cancel_requested)
        self.prompt_edit.textChanged.connect(self.completeChanged)
        bridge.model_job_progressed.connect(self._on_bridge_model_job_progressed)
        bridge.model_state_changed.connect(self._on_bridge_model_state_changed)
        bridge.server_status_changed.connect(self._on_bridge_server_status_changed)

    def prompt(self) -> str:
        return self.prompt_edit.text().strip()

    def initializePage(self) -> None:
        self.message.clear()
        self.explanation.setVisible(not self.without_model())
        if self.without_model():
            self.message.show_info(
                self.tr(
                    "First, pick the AI that will answer you. “Choose a model…” opens the Model page, "
                    "where you can add a model file you have or download one; “Try it” works once a "
                    "model is ready."
                )
            )
        models, control = self._bridge.models, self._bridge.control
        if models is not None:
            self._on_bridge_model_state_changed(models.state())
        if control is not None:
            for status in control.statuses():
                self._on_bridge_server_status_changed(status)

    def isComplete(self) -> bool:
        models = self._bridge.models
        loaded = models is not None and models.state().loaded is not None
        return loaded and self._files_running and bool(self.prompt_edit.text().strip())

    def without_model(self) -> bool:
        """None was chosen and none is loaded: the next step is to pick one."""
        models = self._bridge.models
        return self._chosen() is None and (models is None or models.state().loaded is None)

    def _on_bridge_model_state_changed(self, state: ModelState) -> None:
        name = loaded_name(state)
        if name:
            self.model_label.setText(fill(self.tr("Model: %1 is ready."), name))
        elif self.without_model():
            self.model_label.setText(self.tr("Model: none yet."))
        else:
            self.model_label.setText(self.tr("Model: loading…"))
        self.completeChanged.emit()

    def _on_bridge_model_job_progressed(self, progress: JobProgress) -> None:
        self.job_row.show_progress(progress)
        if progress.kind is JobKind.LOAD and progress.finished and progress.problem is not None:
            self.model_label.setText(self.tr("Model: not loaded."))
            self.message.show_problem(fill(self.tr("%1 Go back and choose another model."), progress.problem))

    def _on_bridge_server_status_changed(self, status: ServerStatus) -> None:
        if status.name != FILES_SERVER:
            return
        self._files_running = status.state is ServerState.RUNNING
        if self._files_running:
            self.files_label.setText(self.tr("Files server: ready."))
        elif status.state is ServerState.FAILED:
            self.files_label.setText(fill(self.tr("Files server: stopped. %1"), status.reason))
        else:
            self.files_label.setText(self.tr("Files server: starting…"))
        self.completeChanged.emit()

    def _on_job_row_cancel_requested(self) -> None:
        if self._bridge.models is not None:
            self._bridge.models.cancel(JobKind.LOAD)
