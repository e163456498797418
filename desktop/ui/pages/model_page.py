"""The Model page: the models on this computer, loading one, downloading more, and memory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.llm.models.control import LibraryEntry, ModelControl, ModelState
from desktop.llm.models.library import ModelSource
from desktop.ui.bridge import Bridge
from desktop.ui.models.model_library_model import ModelLibraryModel
from desktop.ui.pages.model_details import ModelDetails
from desktop.ui.pages.model_download import DownloadPanel
from desktop.ui.pages.model_load_panel import LoadPanel
from desktop.ui.pages.model_quantize import QuantizeDialog
from desktop.ui.resources import page_icon
from desktop.ui.style import SPACING, heading, pad
from desktop.ui.texts import fill
from desktop.ui.widgets.collapsible import DetailsToggle
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.memory_meter import MemoryMeter
from desktop.ui.widgets.record_table import RecordTable

if TYPE_CHECKING:
    from desktop.llm.models.gpu_probe import MemorySnapshot

TABLE_HEIGHT = 160
"""The library's first height, in pixels: about six models, leaving the rest for the chosen one."""
COLUMN_SAMPLES = [
    "Meta Llama 3.1 8B Instruct",
    "Hugging Face cache",
    "16-bit",
    "24.5 GB",
    "Parameters",
    "Context",
    "Tools",
]


def boxed(title: str, content: QWidget, parent: QWidget) -> QGroupBox:
    box = QGroupBox(title, parent)
    layout = QVBoxLayout(box)
    layout.addWidget(content)
    return box


class ModelPage(QWidget):
    """Lists the models the service side finds, and follows its model, job and memory events."""

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._select_next: Path | None = None
        self.model = ModelLibraryModel(self)
        self.table = RecordTable(self.model, self.tr("Models on this computer"), COLUMN_SAMPLES, self)
        self.table.setToolTip(self.tr("The models MCP Desk found on this computer. Select one to load it."))
        self.details = ModelDetails(self)
        self.load_panel = LoadPanel(bridge, self)
        self.download = DownloadPanel(bridge, self)
        self.meter = MemoryMeter(self)
        self.message = InlineMessage(self)
        self.message_details = DetailsToggle(self)
        self.add_button = QPushButton(self.tr("Add file…"), self)
        self.add_button.setToolTip(self.tr("Add a .gguf model file you already have; it is not copied"))
        self.remove_button = QPushButton(self.tr("Remove from list"), self)
        self.remove_button.setToolTip(self.tr("Forget a file you added; the file itself stays where it is"))
        self.folder_button = QPushButton(self.tr("Show in folder"), self)
        self.folder_button.setToolTip(self.tr("Open the folder the selected model is in"))
        self.shrink_button = QPushButton(self.tr("Make smaller…"), self)
        self.shrink_button.setToolTip(
            self.tr("Make a smaller copy of a full-size model, so it needs less memory")
        )
        self.starting, self.empty = self._make_empty_states()
        self.stack = QStackedWidget(self)
        self.tabs = QTabWidget(self)
        self.quantize_dialog: QuantizeDialog | None = None
        self._build()
        self._connect()
        self._update_enabled()

    def _make_empty_states(self) -> tuple[EmptyState, EmptyState]:
        starting = EmptyState(self.tr("Looking for models…"), self.tr("This takes a moment."), parent=self)
        empty = EmptyState(
            self.tr("No models yet"),
            self.tr(
                "MCP Desk finds the GGUF models you downloaded with it, and those in LM Studio, Jan, "
                "Ollama and the Hugging Face cache. Download one, or add a .gguf file you already have."
            ),
            page_icon("model", QPalette.ColorRole.PlaceholderText),
            self.tr("Download a model…"),
            self,
            tip=self.tr("Choose a model that is good at using tools and download it"),
        )
        return starting, empty

    def _build(self) -> None:
        toolbar = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.folder_button, self.shrink_button):
            toolbar.addWidget(button)
        toolbar.addStretch()
        lower = QWidget(self)
        lower_layout = QHBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(boxed(self.tr("About this model"), self.details, lower), 2)
        lower_layout.addWidget(boxed(self.tr("Load"), self.load_panel, lower), 3)
        scroller = QScrollArea(self)
        scroller.setWidget(lower)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(scroller)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([TABLE_HEIGHT, 2 * TABLE_HEIGHT])
        splitter.setChildrenCollapsible(False)
        for widget in (self.starting, self.empty, splitter):
            self.stack.addWidget(widget)
        library = QWidget(self)
        library_layout = QVBoxLayout(library)
        library_layout.setContentsMargins(0, 8, 0, 0)
        library_layout.addLayout(toolbar)
        library_layout.addWidget(self.message)
        library_layout.addWidget(self.message_details)
        library_layout.addWidget(self.stack, 1)
        self.tabs.addTab(library, self.tr("On this computer"))
        self.tabs.addTab(self.download, self.tr("Download"))
        layout = QVBoxLayout(self)
        pad(layout)
        layout.setSpacing(SPACING // 2)
        layout.addWidget(heading(self.tr("Model"), self))
        layout.addWidget(self.tabs, 1)
        layout.addWidget(boxed(self.tr("Memory"), self.meter, self))

    def _connect(self) -> None:
        bridge = self._bridge
        bridge.when_ready(self._on_bridge_services_ready)
        bridge.model_library_changed.connect(self.reload)
        bridge.model_state_changed.connect(self._on_bridge_model_state_changed)
        bridge.memory_measured.connect(self._on_bridge_memory_measured)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.folder_button.clicked.connect(self._on_folder_button_clicked)
        self.shrink_button.clicked.connect(self._on_shrink_button_clicked)
        assert self.empty.button is not None
        self.empty.button.clicked.connect(self._on_empty_button_clicked)
        self.download.downloaded.connect(self._on_download_downloaded)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        self.model.modelReset.connect(self._on_model_reset)

    def _models(self) -> ModelControl:
        assert self._bridge.models is not None, "services are not attached yet"
        return self._bridge.models

    def selected(self) -> LibraryEntry | None:
        row = self.table.selected_row()
        return self.model.entry_at(row) if row >= 0 else None

    def select(self, path: Path) -> None:
        row = self.model.row_of(path)
        if row >= 0:
            self.table.select(row)

    # -- the library ------------------------------------------------------------------

    def _on_bridge_services_ready(self) -> None:
        models = self._models()
        snapshot = models.memory()
        if snapshot is not None:
            self.meter.show_snapshot(snapshot)
        self._on_bridge_model_state_changed(models.state())
        self.reload()

    def reload(self) -> None:
        if self._bridge.models is not None:
            self._bridge.call(self._models().library(), self.model.set_entries, self._on_call_failed)

    def _on_model_about_to_be_reset(self) -> None:
        chosen = self.selected()
        if self._select_next is None and chosen is not None:
            self._select_next = chosen.found.path

    def _on_model_reset(self) -> None:
        self.stack.setCurrentIndex(2 if self.model.rowCount() else 1)
        wanted, self._select_next = self._select_next, None
        row = self.model.row_of(wanted) if wanted is not None else -1
        if self.model.rowCount():
            self.table.select(max(row, 0))
        self._on_table_selection_changed(QItemSelection(), QItemSelection())

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        entry = self.selected()
        self.details.show_entry(entry)
        self.load_panel.set_entry(entry)
        self._update_enabled()

    def _update_enabled(self) -> None:
        models = self._bridge.models
        ready = models is not None
        entry = self.selected()
        self.add_button.setEnabled(ready)
        assert self.empty.button is not None
        self.empty.button.setEnabled(ready)
        self.remove_button.setEnabled(entry is not None and entry.found.source is ModelSource.ADDED)
        self.folder_button.setEnabled(entry is not None)
        self.shrink_button.setEnabled(
            models is not None
            and entry is not None
            and entry.info is not None
            and models.can_make_smaller(entry.info.file_type)
        )

    def _on_bridge_model_state_changed(self, state: ModelState) -> None:
        self.model.set_loaded(state.loaded.settings.path if state.loaded is not None else None)

    def _on_bridge_memory_measured(self, snapshot: MemorySnapshot) -> None:
        self.meter.show_snapshot(snapshot)

    # -- adding and removing -----------------------------------------------------------

    def _on_add_button_clicked(self) -> None:
        dialog = QFileDialog(
            self, self.tr("Add a model file"), str(Path.home()), self.tr("GGUF models (*.gguf)")
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self._on_file_dialog_file_selected)
        dialog.open()

    def _on_file_dialog_file_selected(self, file: str) -> None:
        self._say("")
        path = Path(file)
        self._bridge.call(self._models().add_file(path), self._on_file_added, self._on_call_failed)

    def _on_file_added(self, entry: LibraryEntry) -> None:
        self._select_next = entry.found.path
        self._say(fill(self.tr("Added “%1”. The file stays where it is."), entry.found.name))
        self.reload()

    def _on_remove_button_clicked(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        name = entry.found.name
        self._bridge.call(
            self._models().forget_file(entry.found.path),
            lambda _none: self._say(
                fill(self.tr("“%1” is off the list. The file itself is still on your computer."), name)
            ),
            self._on_call_failed,
        )

    def _on_folder_button_clicked(self) -> None:
        entry = self.selected()
        if entry is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(entry.found.path.parent)))

    def _on_empty_button_clicked(self) -> None:
        self.tabs.setCurrentWidget(self.download)

    def _on_download_downloaded(self, path: Path) -> None:
        self._select_next = path
        self.reload()

    # -- smaller copies ----------------------------------------------------------------

    def _on_shrink_button_clicked(self) -> None:
        entry = self.selected()
        if entry is None or entry.info is None:
            return
        if self.quantize_dialog is not None:
            if self.quantize_dialog.busy:
                self.quantize_dialog.show()
                self.quantize_dialog.raise_()
                return
            self.quantize_dialog.deleteLater()
        self.quantize_dialog = QuantizeDialog(self._bridge, entry.info, self)
        self.quantize_dialog.made.connect(self._on_quantize_dialog_made)
        self.quantize_dialog.open()

    def _on_quantize_dialog_made(self, path: Path) -> None:
        self._select_next = path
        self.reload()

    # -- messages ----------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.message_details.set_details("")
        if text:
            self.message.show_info(text)
        else:
            self.message.clear()

    def _on_call_failed(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self.message_details.set_details(problem.details)
