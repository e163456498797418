"""The catalogue's entries as a list, narrowed to the ones matching the words typed.

Filtering is one pass of plain substring tests over each entry's lower-cased `search_text`
(kept from the service, or made once here), then one model reset: a view with uniform rows
paints only the few rows on screen, so a keystroke costs well under a frame over thousands of
entries. Typing more letters narrows the rows already shown instead of all of them.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from desktop.catalogue.control import CatalogueEntry

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's `CatalogueEntry`."""

Index = QModelIndex | QPersistentModelIndex


def words_of(entry: CatalogueEntry) -> str:
    """What typed words are matched against: the service's `search_text`, or the same made here."""
    if entry.search_text:
        return entry.search_text
    return " ".join((entry.name, entry.title, entry.description, entry.publisher)).lower()


class CatalogueModel(QAbstractListModel):
    """All entries, and `shown`: the rows of those matching every word of the last filter."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: tuple[CatalogueEntry, ...] = ()
        self._words: list[str] = []
        self._shown: list[int] = []
        self._typed: list[str] = []

    def set_entries(self, entries: tuple[CatalogueEntry, ...]) -> None:
        self.beginResetModel()
        self._entries = entries
        self._words = [words_of(entry) for entry in entries]
        self._shown = list(range(len(entries)))
        self._typed = []
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        """Show the entries whose words hold every word of `text` (in any order, any case)."""
        typed = text.lower().split()
        narrowing = len(typed) >= len(self._typed) and all(
            old in new for new, old in zip(typed, self._typed, strict=False)
        )
        candidates = self._shown if narrowing else range(len(self._entries))
        words = self._words
        shown = [row for row in candidates if all(word in words[row] for word in typed)]
        self._typed = typed
        if shown == self._shown:
            return
        self.beginResetModel()
        self._shown = shown
        self.endResetModel()

    def total(self) -> int:
        return len(self._entries)

    def entry_at(self, row: int) -> CatalogueEntry | None:
        return self._entries[self._shown[row]] if 0 <= row < len(self._shown) else None

    def row_of(self, name: str) -> int:
        return next((row for row, at in enumerate(self._shown) if self._entries[at].name == name), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        entry = self.entry_at(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.description
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{entry.title}. {entry.description}"
        if role == ENTRY_ROLE:
            return entry
        return None
