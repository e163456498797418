"""Download a model from Hugging Face: recommended ones, or any GGUF repository by name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.llm.models.control import HubChoice, JobKind, ModelControl
from desktop.ui.bridge import Bridge
from desktop.ui.pages.model_job_row import JobRow, show_failure
from desktop.ui.pages.model_texts import VERDICT_COLOURS
from desktop.ui.style import heading, hint
from desktop.ui.texts import fill, size_text
from desktop.ui.widgets.collapsible import DetailsToggle
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.llm.models.hub import Recommendation

REPO_NAME = re.compile(r"^(?:https?://(?:www\.)?huggingface\.co/)?([\w.-]+/[\w.-]+)/?$")
CHOICE_ROLE = Qt.ItemDataRole.UserRole


def repo_of(text: str) -> str | None:
    """“org/name” from what the user typed or pasted (a name or a huggingface.co address)."""
    match = REPO_NAME.match(text.strip())
    return match.group(1) if match else None


def bits_of(quant: str) -> int | None:
    found = re.search(r"\d+", quant)
    return int(found.group()) if found else None


def group_title(bits: int | None) -> str:
    if bits is None:
        return QCoreApplication.translate("DownloadPanel", "Other")
    title = fill(QCoreApplication.translate("DownloadPanel", "%1-bit"), bits)
    note = group_notes().get(bits)
    return f"{title}: {note}" if note else title


def group_notes() -> dict[int, str]:
    """What a number of bits per weight means for the answers, by bits."""
    return {
        1: QCoreApplication.translate("DownloadPanel", "tiniest, much worse answers"),
        2: QCoreApplication.translate("DownloadPanel", "smallest, much worse answers"),
        3: QCoreApplication.translate("DownloadPanel", "small, noticeably worse answers"),
        4: QCoreApplication.translate("DownloadPanel", "the usual choice"),
        5: QCoreApplication.translate("DownloadPanel", "a little better than 4-bit"),
        6: QCoreApplication.translate("DownloadPanel", "close to the original"),
        8: QCoreApplication.translate("DownloadPanel", "nearly the original"),
        16: QCoreApplication.translate("DownloadPanel", "the original, large"),
        32: QCoreApplication.translate("DownloadPanel", "the original at full size, largest"),
    }


class DownloadPanel(QWidget):
    """Recommended models on the left; a repository's downloadable files, grouped by size, on the right.

    Signals:
        downloaded(object): a model finished downloading (the Path of its first file).
    """

    downloaded = Signal(object)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._wanted_quant: str | None = None
        self._looking_up: str | None = None
        self._cancelled = False
        self.recommended = QListWidget(self)
        self.recommended.setAccessibleName(self.tr("Recommended models"))
        self.recommended.setToolTip(
            self.tr("Click a model, or press Enter on it, to see the sizes you can download")
        )
        self.recommended.setWordWrap(True)
        self.recommended.setSpacing(4)
        self.repo_edit = QLineEdit(self)
        self.repo_edit.setPlaceholderText(self.tr("For example Qwen/Qwen2.5-7B-Instruct-GGUF"))
        self.repo_edit.setAccessibleName(self.tr("Model name on Hugging Face"))
        self.repo_edit.setToolTip(self.tr("The model's name on Hugging Face, or its address there"))
        self.find_button = QPushButton(self.tr("Find"), self)
        self.find_button.setToolTip(self.tr("List the sizes of this model you can download"))
        self.choices = self._make_choices()
        self.download_button = QPushButton(self.tr("Download"), self)
        self.download_button.setToolTip(self.tr("Download the selected file into MCP Desk's models folder"))
        self.job_row = JobRow(JobKind.DOWNLOAD, self)
        self.message = InlineMessage(self)
        self.details = DetailsToggle(self)
        self._build()
        self._connect()
        self._update_enabled()

    def _make_choices(self) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setHeaderLabels(
            [self.tr("Quantization"), self.tr("File"), self.tr("Size"), self.tr("On this computer")]
        )
        tree.setRootIsDecorated(False)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setAccessibleName(self.tr("Files to download"))
        tree.setToolTip(
            self.tr("Each size of the model; smaller files need less memory but answer less well")
        )
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        return tree

    def _build(self) -> None:
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading(self.tr("Recommended"), left, scale=1.0))
        left_layout.addWidget(hint(self.tr("Good at using tools. Click one to see its sizes."), left))
        left_layout.addWidget(self.recommended, 1)
        search = QHBoxLayout()
        search.addWidget(self.repo_edit, 1)
        search.addWidget(self.find_button)
        actions = QHBoxLayout()
        actions.addWidget(self.download_button)
        actions.addStretch()
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(heading(self.tr("Any model on Hugging Face"), right, scale=1.0))
        right_layout.addWidget(
            hint(self.tr("Type or paste its name, then choose a size that fits your computer."), right)
        )
        right_layout.addLayout(search)
        right_layout.addWidget(self.choices, 1)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.details)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.job_row)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(splitter)

    def _connect(self) -> None:
        self._bridge.when_ready(self._on_bridge_services_ready)
        self._bridge.model_job_progressed.connect(self.job_row.show_progress)
        self.recommended.itemClicked.connect(self._on_recommended_item_clicked)
        self.recommended.itemActivated.connect(self._on_recommended_item_clicked)
        self.repo_edit.returnPressed.connect(self._on_find_requested)
        self.repo_edit.textChanged.connect(self._update_enabled)
        self.find_button.clicked.connect(self._on_find_requested)
        self.choices.itemSelectionChanged.connect(self._update_enabled)
        self.choices.itemDoubleClicked.connect(self._on_download_button_clicked)
        self.download_button.clicked.connect(self._on_download_button_clicked)
        self.job_row.cancel_requested.connect(self._on_job_row_cancel_requested)
        self.job_row.finished.connect(self._update_enabled)

    def _models(self) -> ModelControl:
        assert self._bridge.models is not None, "services are not attached yet"
        return self._bridge.models

    def selected(self) -> HubChoice | None:
        items = self.choices.selectedItems()
        choice = items[0].data(0, CHOICE_ROLE) if items else None
        return choice if isinstance(choice, HubChoice) else None

    def _update_enabled(self) -> None:
        ready = self._bridge.models is not None
        self.find_button.setEnabled(ready and bool(self.repo_edit.text().strip()))
        self.download_button.setEnabled(ready and self.selected() is not None and not self.job_row.running)

    def _on_bridge_services_ready(self) -> None:
        self.recommended.clear()
        for recommendation in self._models().recommended():
            name = recommendation.repo.split("/")[-1].removesuffix("-GGUF")
            item = QListWidgetItem(
                f"{name} ({recommendation.params_billions} B)\n{recommendation.summary}", self.recommended
            )
            item.setData(CHOICE_ROLE, recommendation)
            item.setToolTip(recommendation.repo)
        self._update_enabled()

    def _on_recommended_item_clicked(self, item: QListWidgetItem) -> None:
        recommendation: Recommendation = item.data(CHOICE_ROLE)
        if self._looking_up == recommendation.repo:  # a double click or Enter after a click
            return
        self.repo_edit.setText(recommendation.repo)
        self.look_up(recommendation.quant)

    def _on_find_requested(self) -> None:
        self.look_up()

    def look_up(self, wanted_quant: str | None = None) -> None:
        """List the files of the repository named in the box."""
        repo = repo_of(self.repo_edit.text())
        self.details.set_details("")
        if repo is None:
            self.message.show_problem(
                self.tr("Type the model's full name, like Qwen/Qwen2.5-7B-Instruct-GGUF.")
            )
            return
        self._wanted_quant = wanted_quant
        self._looking_up = repo
        self.choices.clear()
        self.find_button.setEnabled(False)
        self.message.show_info(fill(self.tr("Looking up “%1” on Hugging Face…"), repo))
        self._bridge.call(self._models().hub_choices(repo), self._on_choices_found, self._on_call_failed)

    def _on_choices_found(self, choices: list[HubChoice]) -> None:
        self._looking_up = None
        self._update_enabled()
        if not choices:
            self.message.show_problem(self.tr("This repository has no GGUF model files MCP Desk can use."))
            return
        self.message.clear()
        groups: dict[int | None, QTreeWidgetItem] = {}
        bold = self.choices.font()
        bold.setBold(True)
        for choice in sorted(choices, key=lambda c: (-(bits_of(c.variant.quant) or 0), c.variant.size_bytes)):
            bits = bits_of(choice.variant.quant)
            if bits not in groups:
                groups[bits] = QTreeWidgetItem(self.choices, [group_title(bits)])
                groups[bits].setFirstColumnSpanned(True)
                groups[bits].setFlags(Qt.ItemFlag.ItemIsEnabled)
                groups[bits].setFont(0, bold)
            item = self._choice_item(choice, groups[bits])
            if choice.variant.quant == self._wanted_quant:
                self.choices.setCurrentItem(item)
        self.choices.expandAll()
        current = self.choices.currentItem()
        if current is not None:
            self.choices.scrollToItem(current)

    def _choice_item(self, choice: HubChoice, group: QTreeWidgetItem) -> QTreeWidgetItem:
        variant = choice.variant
        name = variant.name
        if len(variant.files) > 1:
            name += " " + fill(self.tr("(%1 parts)"), len(variant.files))
        verdict = choice.verdict.label
        item = QTreeWidgetItem(group, [variant.quant, name, size_text(variant.size_bytes), verdict])
        item.setData(0, CHOICE_ROLE, choice)
        item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        colour = VERDICT_COLOURS.get(choice.verdict)
        if colour is not None:
            item.setForeground(3, QBrush(QColor(colour)))
        item.setToolTip(3, fill(self.tr("Needs about %1 of memory"), size_text(choice.needed_bytes)))
        return item

    def _on_download_button_clicked(self) -> None:
        choice = self.selected()
        if choice is None or self.job_row.running:
            return
        self._cancelled = False
        self.message.clear()
        self.details.set_details("")
        self.download_button.setEnabled(False)
        self._bridge.call(self._models().download(choice.variant), self._on_downloaded, self._on_call_failed)

    def _on_downloaded(self, path: Path) -> None:
        self.message.show_info(
            fill(self.tr("“%1” is downloaded. It is listed under “On this computer” now."), path.name)
        )
        self._update_enabled()
        self.downloaded.emit(path)

    def _on_job_row_cancel_requested(self) -> None:
        self._cancelled = True
        self._models().cancel(JobKind.DOWNLOAD)

    def _on_call_failed(self, problem: Problem) -> None:
        self._looking_up = None
        show_failure(self.message, self.details, problem, cancelled=self._cancelled)
        self._update_enabled()
