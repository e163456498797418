"""Something remembered about each server between launches, in a small JSON file.

An unreadable file is set aside (as `.unreadable`) and forgotten, and a file that can't be
written is skipped with a log line: what is kept here only saves the next launch a try.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from desktop.core.atomic_file import replaced_atomically

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

log = logging.getLogger(__name__)
Entry = TypeVar("Entry", bound="DataclassInstance")


class ServerMemo(Generic[Entry]):
    """One `entry` (a dataclass) per server, kept in `path` (with None, only while the app runs)."""

    def __init__(self, path: Path | None, entry: type[Entry]) -> None:
        self._path = path
        self._entry = entry
        self._entries = self._read()

    def get(self, server: str) -> Entry | None:
        return self._entries.get(server)

    def put(self, server: str, entry: Entry) -> None:
        if self._entries.get(server) != entry:
            self._entries[server] = entry
            self._write()

    def pop(self, server: str) -> None:
        if self._entries.pop(server, None) is not None:
            self._write()

    def _read(self) -> dict[str, Entry]:
        if self._path is None or not self._path.exists():
            return {}
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            return {str(name): self._entry(**fields) for name, fields in data.items()}
        except (OSError, ValueError, TypeError, AttributeError) as error:
            log.warning("set aside %s, which could not be read: %s", self._path, error)
            with contextlib.suppress(OSError):
                self._path.replace(self._path.with_suffix(".unreadable"))
            return {}

    def _write(self) -> None:
        if self._path is None:
            return
        data = {name: asdict(entry) for name, entry in self._entries.items()}
        try:
            with replaced_atomically(self._path) as out:
                json.dump(data, out, indent=2, ensure_ascii=False)
        except OSError as error:
            log.warning("could not write %s: %s", self._path, error)
