"""Matching typed words against the catalogue, once per keystroke.

Every word must appear in an entry's name, title, description or publisher (`search_text`);
entries whose name or title hold all the words come first, then those where some do, then the
rest, each group in the catalogue's order. While the user keeps typing (the new text starts
with the last one) only the last matches are searched again: they hold every new match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop.catalogue.control import CatalogueEntry


@dataclass(frozen=True)
class _Row:
    entry: CatalogueEntry
    text: str
    head: str
    """Name and title, lower-cased."""


class CatalogueSearch:
    def __init__(self, entries: Iterable[CatalogueEntry]) -> None:
        self._rows = tuple(
            _Row(entry, entry.search_text, f"{entry.name} {entry.title}".lower()) for entry in entries
        )
        self._last_typed = ""
        self._last_rows = self._rows

    def find(self, typed: str) -> tuple[CatalogueEntry, ...]:
        words = typed.lower().split()
        if not words:
            self._last_typed, self._last_rows = "", self._rows
            return tuple(row.entry for row in self._rows)
        pool = self._last_rows if self._last_typed and typed.startswith(self._last_typed) else self._rows
        rows = [row for row in pool if all(word in row.text for word in words)]
        self._last_typed, self._last_rows = typed, tuple(rows)
        ranked: tuple[list[CatalogueEntry], list[CatalogueEntry], list[CatalogueEntry]] = ([], [], [])
        for row in rows:
            in_head = sum(word in row.head for word in words)
            ranked[0 if in_head == len(words) else 1 if in_head else 2].append(row.entry)
        return (*ranked[0], *ranked[1], *ranked[2])
