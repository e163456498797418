"""Welcome, step 2: a model already on this computer, or the recommended one downloaded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWizardPage

from desktop.core.problem import Problem
from desktop.llm.models.control import HubChoice, JobKind, JobProgress, LibraryEntry, ModelControl
from desktop.llm.models.fit import FitEstimate, LoadShape, Verdict
from desktop.llm.models.naming import friendly_name
from desktop.ui.bridge import Bridge
from desktop.ui.models.model_library_model import quant_tip
from desktop.ui.pages.model_job_row import JobRow, show_failure
from desktop.ui.pages.model_texts import VERDICT_COLOURS
from desktop.ui.style import hint, labelled_button
from desktop.ui.texts import fill, size_text
from desktop.ui.widgets.collapsible import DetailsToggle
from desktop.ui.widgets.inline_message import InlineMessage

PATH_ROLE = Qt.ItemDataRole.UserRole
PREFERENCE = (Verdict.FITS_ON_GPU, Verdict.PARTLY_ON_GPU, Verdict.PROCESSOR_ONLY, Verdict.TOO_BIG)


class ModelChoicePage(QWizardPage):
    """The models found, each with whether it fits; below, the recommended download.

    Complete once a model that can be loaded is selected, and Next starts loading it; or once the
    search found none, and Next goes on without one (the Model page adds one later).
    """

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self._bridge = bridge
        self._choice: HubChoice | None = None
        self._wanted: Path | None = None
        """The model to select once the list shows it (one just downloaded)."""
        self._verdicts: dict[Path, Verdict] = {}
        self._entries: dict[Path, LibraryEntry] = {}
        self._cancelled = False
        self._scanning = False
        self.setTitle(self.tr("Choose a model"))
        self.setSubTitle(
            self.tr(
                "The model is the AI that reads your question and decides which tool to use. "
                "It runs on this computer: nothing you ask is sent anywhere."
            )
        )
        self.found_list = QListWidget(self)
        self.found_list.setAccessibleName(self.tr("Models on this computer"))
        self.found_list.setToolTip(self.tr("Models MCP Desk found on this computer; pick one"))
        self.found_label = hint(parent=self)
        self.download_label = QLabel(self)
        self.download_label.setWordWrap(True)
        self.download_button = labelled_button(
            self.tr("Download"), self.tr("Download the recommended model from Hugging Face"), self
        )
        self.download_verdict = hint(parent=self)
        self.job_row = JobRow(JobKind.DOWNLOAD, self)
        self.message = InlineMessage(self)
        self.details = DetailsToggle(self)
        self._build()
        self.found_list.currentItemChanged.connect(lambda *_: self.completeChanged.emit())
        self.download_button.clicked.connect(self._on_download_button_clicked)
        self.job_row.cancel_requested.connect(self._on_job_row_cancel_requested)
        bridge.model_job_progressed.connect(self._on_bridge_model_job_progressed)
        bridge.model_library_changed.connect(self._reload)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Found on this computer:"), self))
        layout.addWidget(self.found_list, 1)
        layout.addWidget(self.found_label)
        layout.addWidget(self.download_label)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.download_verdict, 1)
        layout.addLayout(row)
        layout.addWidget(self.job_row)
        layout.addWidget(self.message)
        layout.addWidget(self.details)
        self.download_button.setEnabled(False)

    def _models(self) -> ModelControl:
        assert self._bridge.models is not None
        return self._bridge.models

    def initializePage(self) -> None:
        self._reload()
        best = self._models().recommended()[0]
        offer = self.tr("Or download the one recommended for this computer: %1. %2")
        self.download_label.setText(fill(offer, friendly_name(best.repo), best.summary))
        lookup = self._models().hub_choices(best.repo)
        self._bridge.call(lookup, self._on_choices_found, self._on_lookup_failed)

    def _reload(self) -> None:
        self._scanning = True
        self.found_label.setText(self.tr("Looking for models…"))
        self.completeChanged.emit()
        self._bridge.call(self._models().library(), self._on_library_listed)

    def _on_library_listed(self, entries: list[LibraryEntry]) -> None:
        self._scanning = False
        selected = self._wanted or self.selected()
        self.found_list.clear()
        self._entries = {entry.found.path: entry for entry in entries}
        for entry in entries:
            item = QListWidgetItem(self._entry_text(entry, self._verdicts.get(entry.found.path)))
            item.setData(PATH_ROLE, entry.found.path)
            item.setToolTip(self._entry_tip(entry))
            if entry.problem is not None:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.found_list.addItem(item)
            if entry.problem is None and entry.found.path not in self._verdicts:
                self._estimate(entry)
        self.found_label.setText(
            ""
            if any(entry.problem is None for entry in entries)
            else self.tr(
                "No model that can be used was found. MCP Desk looks where LM Studio, Jan, Ollama and "
                "Hugging Face keep them. Download the recommended one below, or go on without one and "
                "add a model later on the Model page."
            )
        )
        self._select(selected)
        self.completeChanged.emit()

    def _estimate(self, entry: LibraryEntry) -> None:
        path = entry.found.path
        self._bridge.call(
            self._models().fit(path, self._shape(path)),
            lambda estimate: self._on_fit_estimated(entry, estimate),
            lambda _problem: None,  # the list still offers the model; loading says what is wrong
        )

    def _on_fit_estimated(self, entry: LibraryEntry, estimate: FitEstimate) -> None:
        path = entry.found.path
        self._verdicts[path] = estimate.verdict
        for row in range(self.found_list.count()):
            item = self.found_list.item(row)
            if item.data(PATH_ROLE) == path:
                item.setText(self._entry_text(entry, estimate.verdict))
                item.setForeground(QBrush(QColor(VERDICT_COLOURS.get(estimate.verdict, "#555555"))))
        self._select(self.selected())

    def _entry_text(self, entry: LibraryEntry, verdict: Verdict | None) -> str:
        found = entry.found
        name = friendly_name(found.name)
        if entry.problem is not None:
            return fill(self.tr("%1 — can't be used: %2"), name, entry.problem)
        return f"{name} — {size_text(found.size_bytes)} — {self._verdict_text(verdict)}"

    def _entry_tip(self, entry: LibraryEntry) -> str:
        """Where the file is and, for the curious, its quantization in words."""
        if entry.problem is not None:
            return entry.problem
        kind = quant_tip(entry.info.file_type) if entry.info is not None else ""
        return "\n".join(filter(None, (kind, str(entry.found.path))))

    def _verdict_text(self, verdict: Verdict | None) -> str:
        texts = {
            Verdict.FITS_ON_GPU: self.tr("fits your graphics card, answers quickly"),
            Verdict.PARTLY_ON_GPU: self.tr("partly on your graphics card, a little slower"),
            Verdict.PROCESSOR_ONLY: self.tr("runs on the processor: answers slowly without a graphics card"),
            Verdict.TOO_BIG: self.tr("too big for this computer"),
        }
        return texts[verdict] if verdict is not None else self.tr("checking whether it fits…")

    def _select(self, wanted: Path | None) -> None:
        """Keep `wanted` selected, or pick the model that runs best."""
        rows = [self.found_list.item(row) for row in range(self.found_list.count())]
        usable = [item for item in rows if item.flags() & Qt.ItemFlag.ItemIsEnabled]
        keep = next((item for item in usable if item.data(PATH_ROLE) == wanted), None)
        if keep is None and usable:
            rank = {verdict: place for place, verdict in enumerate(PREFERENCE)}
            keep = min(usable, key=lambda item: rank[self._verdict_at(item)])
        if keep is not None:
            self.found_list.setCurrentItem(keep)

    def _verdict_at(self, item: QListWidgetItem) -> Verdict:
        return self._verdicts.get(item.data(PATH_ROLE), Verdict.PARTLY_ON_GPU)

    def selected(self) -> Path | None:
        item = self.found_list.currentItem()
        path: Path | None = item.data(PATH_ROLE) if item is not None else None
        return path

    def isComplete(self) -> bool:
        path = self.selected()
        if path is None:
            return not self._scanning  # nothing to choose: going on without a model is allowed
        return self._verdicts.get(path) is not Verdict.TOO_BIG

    def validatePage(self) -> bool:
        path = self.selected()
        if path is None:
            return True
        loaded = self._models().state().loaded
        if loaded is None or loaded.settings.path != path:
            # The next page follows the load and says how it went.
            load = self._models().load(path, self._shape(path))
            self._bridge.call(load, lambda _state: None, lambda _problem: None)
        return True

    def _shape(self, path: Path) -> LoadShape:
        """The default shape, with no more context than the model was trained for."""
        entry = self._entries.get(path)
        trained = entry.info.context_length if entry is not None and entry.info is not None else 0
        default = LoadShape()
        return LoadShape(context=min(default.context, trained)) if trained > 0 else default

    def _on_choices_found(self, choices: list[HubChoice]) -> None:
        wanted = self._models().recommended()[0].quant
        matching = [choice for choice in choices if choice.variant.quant == wanted]
        listed = matching or choices
        self._choice = listed[0] if listed else None
        if self._choice is None:
            return
        size = size_text(self._choice.variant.size_bytes)
        self.download_button.setText(fill(self.tr("Download (%1)"), size))
        self.download_button.setAccessibleName(self.download_button.text())
        self.download_button.setToolTip(fill(self.tr("Download %1"), self._choice.variant.name))
        self.download_verdict.setText(self._verdict_text(self._choice.verdict))
        self.download_button.setEnabled(not self.job_row.running)

    def _on_download_button_clicked(self) -> None:
        if self._choice is None or self.job_row.running:
            return
        self._cancelled = False
        self.message.clear()
        self.details.set_details("")
        self.download_button.setEnabled(False)
        download = self._models().download(self._choice.variant)
        self._bridge.call(download, self._on_downloaded, self._on_call_failed)

    def _on_downloaded(self, path: Path) -> None:
        self.message.show_info(fill(self.tr("“%1” is downloaded and chosen."), path.name))
        self.download_button.setEnabled(False)
        self._wanted = path
        self._reload()

    def _on_lookup_failed(self, problem: Problem) -> None:
        self.message.show_info(
            fill(self.tr("The recommended model can't be downloaded right now. %1"), problem.message)
        )
        self.details.set_details(problem.details)

    def _on_job_row_cancel_requested(self) -> None:
        self._cancelled = True
        self._models().cancel(JobKind.DOWNLOAD)

    def _on_call_failed(self, problem: Problem) -> None:
        show_failure(self.message, self.details, problem, cancelled=self._cancelled)
        if self._cancelled:
            self.download_button.setText(self.tr("Resume download"))
            self.download_button.setAccessibleName(self.download_button.text())
        self.download_button.setEnabled(self._choice is not None)

    def _on_bridge_model_job_progressed(self, progress: JobProgress) -> None:
        self.job_row.show_progress(progress)
