"""How full the graphics cards and main memory are, and how much of that is MCP Desk's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.ui.style import hint, selectable
from desktop.ui.texts import gb_number, size_text

if TYPE_CHECKING:
    from desktop.llm.models.gpu import GpuInfo
    from desktop.llm.models.gpu_probe import MemorySnapshot

APP_COLOUR = "#2f6fde"
OTHER_COLOUR = "#8a8f98"
BAR_HEIGHT = 12
COMPACT_BAR = QSize(56, 9)


@dataclass(frozen=True)
class Usage:
    """One memory: how big, how much is used, and how much of that is this app (None: unknown)."""

    label: str
    total: int
    used: int
    app: int | None

    @property
    def others(self) -> int:
        return max(0, self.used - (self.app or 0))

    @property
    def text(self) -> str:
        """“VRAM 6.1 of 24 GB used (this app 4.2 GB)”."""
        line = QCoreApplication.translate("MemoryMeter", "%1 %2 of %3 used").replace("%1", self.label)
        line = line.replace("%2", gb_number(self.used)).replace("%3", size_text(self.total))
        if self.app:
            line += " " + QCoreApplication.translate("MemoryMeter", "(this app %1)").replace(
                "%1", size_text(self.app)
            )
        return line

    @property
    def short_text(self) -> str:
        """“VRAM 6.1/24 GB”, for the status bar."""
        return f"{self.label} {gb_number(self.used)}/{size_text(self.total)}"


def gpu_usage(gpu: GpuInfo, snapshot: MemorySnapshot, pid: int) -> Usage:
    if len(snapshot.gpus) == 1:
        app = snapshot.app_vram_bytes
    else:
        app = next((p.used_bytes for p in gpu.processes if p.pid == pid), None)
    return Usage(QCoreApplication.translate("MemoryMeter", "VRAM"), gpu.total_bytes, gpu.used_bytes, app)


def all_gpus_usage(snapshot: MemorySnapshot) -> Usage | None:
    """Every GPU added up, or None without one."""
    if not snapshot.gpus:
        return None
    total = sum(gpu.total_bytes for gpu in snapshot.gpus)
    used = sum(gpu.used_bytes for gpu in snapshot.gpus)
    return Usage(QCoreApplication.translate("MemoryMeter", "VRAM"), total, used, snapshot.app_vram_bytes)


def ram_usage(snapshot: MemorySnapshot) -> Usage:
    used = snapshot.ram_total_bytes - snapshot.ram_available_bytes
    return Usage(
        QCoreApplication.translate("MemoryMeter", "RAM"),
        snapshot.ram_total_bytes,
        used,
        snapshot.app_rss_bytes,
    )


def memory_summary(snapshot: MemorySnapshot) -> str:
    """One short line: “VRAM 6.1/24 GB · RAM 12.3/31.2 GB”."""
    usages = [usage for usage in (all_gpus_usage(snapshot), ram_usage(snapshot)) if usage]
    return " · ".join(usage.short_text for usage in usages)


def gpu_title(gpu: GpuInfo) -> str:
    """“NVIDIA GeForce RTX 4090 · 8% busy · 52 °C”, with what the driver told."""
    parts = [gpu.name]
    if gpu.utilization_percent is not None:
        parts.append(
            QCoreApplication.translate("MemoryMeter", "%1% busy").replace("%1", str(gpu.utilization_percent))
        )
    if gpu.temperature_c is not None:
        parts.append(f"{gpu.temperature_c} °C")
    return " · ".join(parts)


class MemoryBar(QWidget):
    """A bar split into this app's part, other programs' part and what is free."""

    def __init__(self, size: QSize | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._usage: Usage | None = None
        self._size = size
        if size is not None:
            self.setFixedSize(size)
        else:
            self.setFixedHeight(BAR_HEIGHT)
            self.setMinimumWidth(120)

    @property
    def usage(self) -> Usage | None:
        return self._usage

    def show_usage(self, usage: Usage) -> None:
        self._usage = usage
        self.setToolTip(usage.text)
        self.setAccessibleName(usage.text)
        self.update()

    def sizeHint(self) -> QSize:
        return self._size or QSize(240, BAR_HEIGHT)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        outline = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        radius = min(4.0, outline.height() / 2)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(outline, radius, radius)
        usage = self._usage
        if usage is not None and usage.total > 0:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setClipRect(outline)
            left = outline.left()
            for part, colour in ((usage.app or 0, APP_COLOUR), (usage.others, OTHER_COLOUR)):
                width = outline.width() * min(1.0, part / usage.total)
                painter.setBrush(QColor(colour))
                painter.drawRoundedRect(QRectF(left, outline.top(), width, outline.height()), radius, radius)
                left += width
        painter.end()


def legend_swatch(colour: str, text: str, parent: QWidget) -> QWidget:
    swatch = QWidget(parent)
    layout = QHBoxLayout(swatch)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    square = QLabel(swatch)
    square.setFixedSize(10, 10)
    square.setStyleSheet(f"background: {colour}; border: 1px solid palette(mid); border-radius: 2px;")
    layout.addWidget(square)
    layout.addWidget(hint(text, swatch))
    return swatch


class MemoryRow:
    """One line of the meter: what is measured, its bar, and the usage sentence."""

    def __init__(self, grid: QGridLayout, row: int, parent: QWidget) -> None:
        self.title = QLabel(parent)
        self.bar = MemoryBar(parent=parent)
        self.text = selectable(QLabel(parent))
        self.text.setWordWrap(False)
        self.text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.title, row, 0)
        grid.addWidget(self.bar, row, 1)
        grid.addWidget(self.text, row, 2)

    def show(self, title: str, usage: Usage) -> None:
        self.title.setText(title)
        self.text.setText(usage.text)
        self.bar.show_usage(usage)

    def remove(self) -> None:
        for widget in (self.title, self.text, self.bar):
            widget.deleteLater()


class MemoryMeter(QWidget):
    """A line per graphics card, a sentence when one can't be read, and a line for main memory.

    `show_snapshot` it every second or so.
    """

    def __init__(self, parent: QWidget | None = None, pid: int | None = None) -> None:
        super().__init__(parent)
        self._pid = os.getpid() if pid is None else pid
        self.waiting_label = hint(self.tr("Measuring memory…"), self)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(1, 1)
        self.gpu_rows: list[MemoryRow] = []
        self.ram_row: MemoryRow | None = None
        self.problem_title = QLabel(self.tr("Graphics card"), self)
        self.problem_label = hint(parent=self)
        self.legend = QWidget(self)
        legend = QHBoxLayout(self.legend)
        legend.setContentsMargins(0, 0, 0, 0)
        legend.setSpacing(12)
        legend.addWidget(legend_swatch(APP_COLOUR, self.tr("MCP Desk"), self.legend))
        legend.addWidget(legend_swatch(OTHER_COLOUR, self.tr("Other programs"), self.legend))
        legend.addWidget(legend_swatch("palette(base)", self.tr("Free"), self.legend))
        legend.addStretch()
        for widget in (self.problem_title, self.problem_label, self.legend):
            widget.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.waiting_label)
        layout.addLayout(self.grid)

    def show_snapshot(self, snapshot: MemorySnapshot) -> None:
        self.waiting_label.hide()
        self.legend.show()
        if len(self.gpu_rows) != len(snapshot.gpus) or self.ram_row is None:
            self._make_rows(len(snapshot.gpus))
        assert self.ram_row is not None
        for row, gpu in zip(self.gpu_rows, snapshot.gpus, strict=True):
            row.show(gpu_title(gpu), gpu_usage(gpu, snapshot, self._pid))
        self.ram_row.show(self.tr("Main memory"), ram_usage(snapshot))
        self.problem_label.setText(snapshot.problem or "")
        self.problem_label.setToolTip(snapshot.problem_details or "")
        for widget in (self.problem_title, self.problem_label):
            widget.setVisible(bool(snapshot.problem))

    def _make_rows(self, gpus: int) -> None:
        for old in [*self.gpu_rows, *([self.ram_row] if self.ram_row else [])]:
            old.remove()
        self.gpu_rows = [MemoryRow(self.grid, index, self) for index in range(gpus)]
        self.grid.addWidget(self.problem_title, gpus, 0, Qt.AlignmentFlag.AlignTop)
        self.grid.addWidget(self.problem_label, gpus, 1, 1, 2)
        self.ram_row = MemoryRow(self.grid, gpus + 1, self)
        self.grid.addWidget(self.legend, gpus + 2, 1, 1, 2)


class CompactMemoryMeter(QWidget):
    """The status bar's meter: small VRAM and RAM bars with short numbers; hidden until measured."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vram_label = QLabel(self)
        self.vram_bar = MemoryBar(COMPACT_BAR, self)
        self.ram_label = QLabel(self)
        self.ram_bar = MemoryBar(COMPACT_BAR, self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(6)
        for widget in (self.vram_label, self.vram_bar):
            layout.addWidget(widget)
        layout.addSpacing(8)
        for widget in (self.ram_label, self.ram_bar):
            layout.addWidget(widget)
        self.setAccessibleName(self.tr("Memory use"))
        self.hide()

    def show_snapshot(self, snapshot: MemorySnapshot) -> None:
        vram = all_gpus_usage(snapshot)
        ram = ram_usage(snapshot)
        for widget in (self.vram_label, self.vram_bar):
            widget.setVisible(vram is not None)
        if vram is not None:
            self.vram_label.setText(vram.short_text)
            self.vram_bar.show_usage(vram)
        self.ram_label.setText(ram.short_text)
        self.ram_bar.show_usage(ram)
        lines = [usage.text for usage in (vram, ram) if usage is not None]
        self.setToolTip("\n".join([*lines, snapshot.problem or ""]).strip())
        self.show()
