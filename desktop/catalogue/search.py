"""Matching typed words against the catalogue, once per keystroke.

Every word must appear in an entry's name, title, description or publisher (`search_text`);
entries whose name or title hold all the words come first, then those where some do, then the
rest, each group in the catalogue's order. While the user keeps typing (the new text starts
with the last one) only the last matches are searched again: they hold every new match.
Entries are kept as positions in plain tuples of strings, one word at a time across all of them,
which is what makes a keystroke over thousands of entries fit in a frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from desktop.catalogue.control import CatalogueEntry


class CatalogueSearch:
    def __init__(self, entries: Iterable[CatalogueEntry]) -> None:
        self._entries = tuple(entries)
        self._texts = tuple(entry.search_text for entry in self._entries)
        self._heads = tuple(f"{entry.name} {entry.title}".lower() for entry in self._entries)
        self._everything = range(len(self._entries))
        self._last_typed = ""
        self._last_hits: Sequence[int] = self._everything

    def find(self, typed: str) -> tuple[CatalogueEntry, ...]:
        words = typed.lower().split()
        incremental = bool(self._last_typed) and typed.startswith(self._last_typed)
        hits: Sequence[int] = self._last_hits if incremental else self._everything
        texts, heads = self._texts, self._heads
        for word in words:
            hits = [i for i in hits if word in texts[i]]
        self._last_typed, self._last_hits = (typed, hits) if words else ("", self._everything)
        if not words:
            return self._entries
        in_all = hits
        for word in words:
            in_all = [i for i in in_all if word in heads[i]]
        in_some = {i for word in words for i in hits if word in heads[i]}
        first = set(in_all)
        ranked = [*in_all, *(i for i in hits if i in in_some and i not in first)]
        ranked += [i for i in hits if i not in in_some]
        return tuple(self._entries[i] for i in ranked)
