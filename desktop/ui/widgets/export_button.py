"""“Export…”: asks where to save a copy; the page then asks its service to write it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget


class ExportButton(QPushButton):
    """Offers a file name like `<stem>-YYYYmmdd-HHMMSS.<ext>` in each of `formats` (label, ext).

    `nouns` names one and several of what is saved, for `saved_text`.

    Signals:
        path_chosen(object, str): where to save (a Path) and the format, the file's extension.
    """

    path_chosen = Signal(object, str)

    def __init__(
        self,
        tip: str,
        stem: str,
        formats: Sequence[tuple[str, str]],
        nouns: tuple[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("Export…"), parent)
        self._stem = stem
        self._nouns = nouns
        self._formats = list(formats)
        self.setToolTip(tip)
        self.setAccessibleName(self.tr("Export"))
        self.clicked.connect(self._on_clicked)

    def _on_clicked(self) -> None:
        filters = [f"{label} (*.{ext})" for label, ext in self._formats]
        name = f"{self._stem}-{time.strftime('%Y%m%d-%H%M%S')}.{self._formats[0][1]}"
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            self.window(), self.tr("Export"), str(Path.home() / name), ";;".join(filters)
        )
        if not chosen:
            return
        path = Path(chosen)
        extensions = [ext for _, ext in self._formats]
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in extensions:
            fmt = extensions[filters.index(chosen_filter)] if chosen_filter in filters else extensions[0]
            path = path.with_name(f"{path.name}.{fmt}")
        self.path_chosen.emit(path, fmt)

    def saved_text(self, count: int, path: Path) -> str:
        """“Saved 12 messages to /home/me/log.jsonl.”"""
        noun = self._nouns[0] if count == 1 else self._nouns[1]
        return (
            self.tr("Saved %1 %2 to %3.")
            .replace("%1", f"{count:,}")
            .replace("%2", noun)
            .replace("%3", str(path))
        )
