"""How to load the selected model, whether it fits, and loading and unloading it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.llm.models.control import JobKind, LibraryEntry, ModelControl, ModelState
from desktop.llm.models.fit import FitEstimate, LoadShape, Verdict
from desktop.ui.bridge import Bridge
from desktop.ui.pages.model_job_row import JobRow
from desktop.ui.pages.model_texts import VERDICT_COLOURS, loaded_text, needs_text, needs_tip
from desktop.ui.style import hint, selectable
from desktop.ui.texts import fill
from desktop.ui.widgets.collapsible import DetailsToggle
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.llm.models.gpu_probe import MemorySnapshot

FIT_DELAY_MS = 150
DEFAULT_CONTEXT = 4096
CONTEXT_STEPS = tuple(512 * 2**power for power in range(12))


def context_steps(trained: int) -> list[int]:
    """Powers of two up to the trained context, which is always the last step."""
    top = trained or DEFAULT_CONTEXT
    return [*(step for step in CONTEXT_STEPS if step < top), top]


class LoadPanel(QWidget):
    """Load settings for the entry given to `set_entry`, a live estimate, Load / Unload and progress.

    Every change of a setting asks `ModelControl.fit` again after a short pause, while the panel
    is on screen (free memory changes meanwhile, so it asks again when it is shown).
    """

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._entry: LibraryEntry | None = None
        self._state = ModelState(None)
        self._steps = context_steps(DEFAULT_CONTEXT)
        self._fits_asked = 0
        self._loading = False
        self._offload_ok = True
        self._has_gpu = False
        self._snapshot: MemorySnapshot | None = None
        self._make_controls()
        self.fit_timer = QTimer(self)
        self.fit_timer.setSingleShot(True)
        self.fit_timer.setInterval(FIT_DELAY_MS)
        self._build()
        self._connect()
        self.set_entry(None)

    def _make_controls(self) -> None:
        self.context_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.context_slider.setAccessibleName(self.tr("Context size"))
        self.context_slider.setToolTip(
            self.tr("How much of the conversation the model can read at once; more needs more memory")
        )
        self.context_label = QLabel(self)
        self.kv_box = QComboBox(self)
        for value, label in (
            ("f16", self.tr("Full size (best answers)")),
            ("q8_0", self.tr("Half size (8-bit, nearly the same)")),
            ("q4_0", self.tr("Quarter size (4-bit, slightly worse)")),
        ):
            self.kv_box.addItem(label, value)
        self.kv_box.setToolTip(self.tr("How the model keeps the conversation in memory (its KV cache)"))
        self.flash_box = QCheckBox(self.tr("Flash attention (faster, less memory for long texts)"), self)
        self._explain_flash_box()
        self.auto_box = QCheckBox(self.tr("Automatic"), self)
        self.auto_box.setChecked(True)
        self.auto_box.setToolTip(self.tr("Put as much of the model on the graphics card as fits"))
        self.gpu_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.gpu_slider.setAccessibleName(self.tr("Layers on the graphics card"))
        self.gpu_slider.setToolTip(
            self.tr(
                "How much of the model runs on the graphics card; the rest runs, slower, on the processor"
            )
        )
        self.gpu_label = QLabel(self)
        self.offload_message = InlineMessage(self)
        self.verdict_label = selectable(QLabel(self))
        font = self.verdict_label.font()
        font.setBold(True)
        self.verdict_label.setFont(font)
        self.needs_label = hint(parent=self)
        self.load_button = QPushButton(self.tr("Load"), self)
        self.load_button.setToolTip(self.tr("Load this model so the chat can use it"))
        self.unload_button = QPushButton(self.tr("Unload"), self)
        self.unload_button.setToolTip(self.tr("Free the memory the loaded model takes"))
        self.job_row = JobRow(JobKind.LOAD, self)
        self.idle_label = hint(parent=self)
        self.loaded_label = selectable(QLabel(self))
        self.note = InlineMessage(self)
        self.message = InlineMessage(self)
        self.details = DetailsToggle(self)

    def _build(self) -> None:
        context_row = QHBoxLayout()
        context_row.addWidget(self.context_slider, 1)
        context_row.addWidget(self.context_label)
        gpu_row = QHBoxLayout()
        gpu_row.addWidget(self.auto_box)
        gpu_row.addWidget(self.gpu_slider, 1)
        gpu_row.addWidget(self.gpu_label)
        self.settings = QWidget(self)
        form = QFormLayout(self.settings)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Context size:"), context_row)
        form.addRow(self.tr("Context memory:"), self.kv_box)
        form.addRow("", self.flash_box)
        form.addRow(self.tr("GPU layers:"), gpu_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.unload_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.idle_label)
        layout.addWidget(self.settings)
        layout.addWidget(self.offload_message)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.needs_label)
        layout.addLayout(buttons)
        layout.addWidget(self.job_row)
        layout.addWidget(self.message)
        layout.addWidget(self.details)
        layout.addWidget(self.loaded_label)
        layout.addWidget(self.note)
        layout.addStretch()

    def _connect(self) -> None:
        bridge = self._bridge
        bridge.when_ready(self._on_bridge_services_ready)
        bridge.model_state_changed.connect(self._on_bridge_model_state_changed)
        bridge.model_job_progressed.connect(self.job_row.show_progress)
        bridge.memory_measured.connect(self._on_bridge_memory_measured)
        self.fit_timer.timeout.connect(self._on_fit_timer_timeout)
        self.context_slider.valueChanged.connect(self._on_context_slider_value_changed)
        self.kv_box.currentIndexChanged.connect(self._on_kv_box_current_index_changed)
        self.flash_box.toggled.connect(self.fit_timer.start)
        self.auto_box.toggled.connect(self._on_auto_box_toggled)
        self.gpu_slider.valueChanged.connect(self._on_gpu_slider_value_changed)
        self.load_button.clicked.connect(self._on_load_button_clicked)
        self.unload_button.clicked.connect(self._on_unload_button_clicked)
        self.job_row.cancel_requested.connect(self._on_job_row_cancel_requested)
        self.job_row.finished.connect(self._update_enabled)

    def _models(self) -> ModelControl:
        assert self._bridge.models is not None, "services are not attached yet"
        return self._bridge.models

    # -- the chosen model and its settings -------------------------------------------

    def set_entry(self, entry: LibraryEntry | None) -> None:
        """Show the settings for `entry` (None: nothing selected) and estimate its fit."""
        if entry is not None and entry == self._entry:
            return
        self._entry = entry
        info = entry.info if entry is not None and entry.problem is None else None
        self._steps = context_steps(info.context_length if info is not None else DEFAULT_CONTEXT)
        wanted = min(DEFAULT_CONTEXT, self._steps[-1])
        self.context_slider.setRange(0, len(self._steps) - 1)
        self.context_slider.setValue(max(i for i, step in enumerate(self._steps) if step <= wanted))
        self._on_context_slider_value_changed(self.context_slider.value())
        layers = info.layers if info is not None else 0
        self.gpu_slider.blockSignals(True)
        self.gpu_slider.setRange(0, layers)
        self.gpu_slider.setValue(layers)
        self.gpu_slider.blockSignals(False)
        self._show_idle_reason()
        self.auto_box.setChecked(True)
        self.verdict_label.clear()
        self.needs_label.clear()
        self.message.clear()
        self.details.set_details("")
        self._update_enabled()
        if info is not None and self._bridge.models is not None:
            self.fit_timer.start()

    def _show_idle_reason(self) -> None:
        """Say why there is nothing to set, in place of the settings."""
        if self._entry is None:
            self.idle_label.setText(self.tr("Select a model in the list to load it."))
        elif not self._loadable():
            self.idle_label.setText(
                self.tr("This model can't be loaded as it is. “About this model” says why.")
            )
        self.idle_label.setVisible(not self._loadable())
        self.settings.setVisible(self._loadable())
        self.verdict_label.setVisible(self._loadable())
        self.needs_label.setVisible(self._loadable())

    def shape(self) -> LoadShape:
        layers = self.gpu_slider.value()
        if self.auto_box.isChecked():
            gpu_layers: int | None = None
        elif not self._gpu_usable():
            gpu_layers = 0
        else:
            gpu_layers = layers if layers < self.gpu_slider.maximum() else layers + 1
        return LoadShape(
            context=self._steps[self.context_slider.value()],
            kv_type=str(self.kv_box.currentData()),
            flash_attention=self.flash_box.isChecked(),
            gpu_layers=gpu_layers,
        )

    def _gpu_usable(self) -> bool:
        return self._offload_ok and self._has_gpu

    def _loadable(self) -> bool:
        return self._entry is not None and self._entry.info is not None and self._entry.problem is None

    def _update_enabled(self) -> None:
        busy = self._loading or self.job_row.running
        loadable = self._loadable()
        self.context_slider.setEnabled(loadable)
        self.kv_box.setEnabled(loadable)
        self.flash_box.setEnabled(loadable and self.kv_box.currentData() == "f16")
        self.auto_box.setEnabled(loadable and self._gpu_usable())
        self.gpu_slider.setEnabled(loadable and self._gpu_usable())
        self._show_gpu_layers()
        self.load_button.setEnabled(loadable and not busy)
        self.unload_button.setEnabled(self._state.loaded is not None and not busy)

    def _show_gpu_layers(self) -> None:
        self.offload_message.setVisible(self._has_gpu and not self._offload_ok and self._loadable())
        if not self._gpu_usable() or not self._loadable():
            self.gpu_label.setText(self.tr("None: runs on the processor") if self._loadable() else "")
            return
        text = fill(self.tr("%1 of %2 layers"), self.gpu_slider.value(), self.gpu_slider.maximum())
        self.gpu_label.setText(text)

    def _on_context_slider_value_changed(self, index: int) -> None:
        tokens = self._steps[index]
        words = max(100, int(round(tokens * 0.75, -2)))
        self.context_label.setText(fill(self.tr("%1 tokens, about %2 words"), f"{tokens:,}", f"{words:,}"))
        self.fit_timer.start()

    def _on_kv_box_current_index_changed(self, _index: int) -> None:
        if self.kv_box.currentData() != "f16":
            self.flash_box.setChecked(True)
        self._explain_flash_box()
        self._update_enabled()
        self.fit_timer.start()

    def _explain_flash_box(self) -> None:
        self.flash_box.setToolTip(
            self.tr("A faster way to read long conversations that also takes less memory")
            if self.kv_box.currentData() == "f16"
            else self.tr("A smaller context memory works only with flash attention, so it is on.")
        )

    def _on_auto_box_toggled(self, _automatic: bool) -> None:
        self.fit_timer.start()

    def _on_gpu_slider_value_changed(self, _layers: int) -> None:
        self.auto_box.setChecked(False)
        self._show_gpu_layers()
        self.fit_timer.start()

    # -- the estimate -----------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_timer.start()

    def _on_fit_timer_timeout(self) -> None:
        if not self._loadable() or self._bridge.models is None or not self.isVisible():
            return
        assert self._entry is not None
        self._fits_asked += 1
        asked = self._fits_asked
        self._bridge.call(
            self._models().fit(self._entry.found.path, self.shape()),
            lambda estimate: self._on_fit_estimated(asked, estimate),
            lambda problem: self._on_fit_failed(asked, problem),
        )

    def _on_fit_estimated(self, asked: int, estimate: FitEstimate) -> None:
        if asked != self._fits_asked:
            return
        self._show_verdict(estimate.summary, VERDICT_COLOURS.get(estimate.verdict))
        self.needs_label.setText(needs_text(estimate))
        self.needs_label.setToolTip(needs_tip(estimate))
        if self.auto_box.isChecked():
            self.gpu_slider.blockSignals(True)
            self.gpu_slider.setValue(min(estimate.gpu_layers, estimate.total_layers))
            self.gpu_slider.blockSignals(False)
            self._show_gpu_layers()

    def _on_fit_failed(self, asked: int, problem: Problem) -> None:
        if asked == self._fits_asked:
            self._show_verdict(problem.message, VERDICT_COLOURS[Verdict.TOO_BIG])
            self.needs_label.clear()

    def _show_verdict(self, text: str, colour: str | None) -> None:
        palette = self.verdict_label.palette()
        default = self.palette().color(QPalette.ColorRole.WindowText)
        palette.setColor(QPalette.ColorRole.WindowText, QColor(colour) if colour else default)
        self.verdict_label.setPalette(palette)
        self.verdict_label.setText(text)

    # -- loading ----------------------------------------------------------------------

    def _on_load_button_clicked(self) -> None:
        if not self._loadable():
            return
        assert self._entry is not None
        self._loading = True
        self.message.clear()
        self.details.set_details("")
        self._update_enabled()
        self._bridge.call(
            self._models().load(self._entry.found.path, self.shape()),
            self._on_load_done,
            self._on_load_failed,
        )

    def _on_load_done(self, state: ModelState) -> None:
        self._loading = False
        if state.loaded is None:
            self.message.show_info(self.tr("Loading was stopped. No model is loaded."))
        self._on_bridge_model_state_changed(state)

    def _on_load_failed(self, problem: Problem) -> None:
        self._loading = False
        self.message.show_problem(problem.message)
        self.details.set_details(problem.details)
        self._update_enabled()

    def _on_job_row_cancel_requested(self) -> None:
        self._models().cancel(JobKind.LOAD)

    def _on_unload_button_clicked(self) -> None:
        self.message.clear()
        self.unload_button.setEnabled(False)
        self._bridge.call(self._models().unload(), None, self._on_load_failed)

    def _on_bridge_model_state_changed(self, state: ModelState) -> None:
        self._state = state
        self._show_loaded()
        if state.note:
            self.note.show_info(state.note)
        else:
            self.note.clear()
        self._update_enabled()

    def _show_loaded(self) -> None:
        self.loaded_label.setText(loaded_text(self._state, self._snapshot) or self.tr("No model is loaded."))

    def _on_bridge_services_ready(self) -> None:
        models = self._models()
        offload = models.offload()
        self._offload_ok = offload.supported
        self.offload_message.show_info(offload.message)
        self.gpu_label.setToolTip("" if offload.supported else offload.message)
        snapshot = models.memory()
        self._has_gpu = snapshot is not None and bool(snapshot.gpus)
        self._on_bridge_model_state_changed(models.state())
        self.fit_timer.start()

    def _on_bridge_memory_measured(self, snapshot: MemorySnapshot) -> None:
        self._snapshot = snapshot
        self._show_loaded()
        has_gpu = bool(snapshot.gpus)
        if has_gpu != self._has_gpu:
            self._has_gpu = has_gpu
            self._update_enabled()
