"""The JSON-RPC log on disk: one JSONL file a day (more when a day's file grows large).

Files are `rpc-YYYY-MM-DD.jsonl`, then `rpc-YYYY-MM-DD.1.jsonl`, … Old files go first
when they are older than the kept days or the folder grows past its size limit.
Entries arrive already masked (`RpcLog` masks before anything is stored).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from desktop.core.atomic_file import replaced_atomically
from desktop.core.rpc_log import LogFilter, RpcEntry

MAX_FILE_BYTES = 32 * 1024 * 1024
DAY_LIMIT = 200_000
"""The most entries `read_day` returns (the newest)."""
_TAILS = (64 * 1024, 8 * 1024 * 1024)
"""How much of a file's end `last_seq` reads: most entries are small, none is over ~6 MiB."""
_NAME = re.compile(r"^rpc-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$")


@dataclass(frozen=True)
class Retention:
    keep_days: int = 7
    max_bytes: int = 256 * 1024 * 1024


class RpcLogFiles:
    """Appends batches of entries; reads, exports and prunes the files. Not thread-safe."""

    def __init__(
        self, folder: Path, retention: Callable[[], Retention], max_file_bytes: int = MAX_FILE_BYTES
    ) -> None:
        self.folder = folder
        self.retention = retention
        """Asked at each pruning, so a changed setting counts from the next one."""
        self._max_file_bytes = max_file_bytes
        self._file: IO[str] | None = None
        self._path: Path | None = None
        self._day = ""
        self.skipped_lines = 0
        """Lines of files read so far that were not log entries (damaged files)."""

    # -- writing -----------------------------------------------------------------

    def write(self, entries: Sequence[RpcEntry]) -> None:
        for day, group in itertools.groupby(entries, key=lambda entry: _day_of(entry.time)):
            if self._file is None or day != self._day or self._file.tell() > self._max_file_bytes:
                self._rotate(day)
            assert self._file is not None
            self._file.write("".join(entry.to_json() + "\n" for entry in group))
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def prune(self, now: float | None = None) -> list[Path]:
        """Delete what retention no longer keeps; returns what was deleted."""
        retention = self.retention()
        oldest_kept = _day_of((now or time.time()) - (retention.keep_days - 1) * 86400)
        files = self._files()
        removed = [path for day, _, path in files if day < oldest_kept and path != self._path]
        kept = [(path, path.stat().st_size) for _, _, path in files if path not in removed]
        total = sum(size for _, size in kept)
        for path, size in kept:
            if total <= retention.max_bytes or path == self._path:
                break
            removed.append(path)
            total -= size
        for path in removed:
            with contextlib.suppress(OSError):
                path.unlink()
        return removed

    def last_seq(self) -> int:
        """The highest seq on disk, so a new session numbers on from it."""
        for _, _, path in reversed(self._files()):
            for tail in _TAILS:
                for line in reversed(_tail_lines(path, tail)[1:]):
                    with contextlib.suppress(ValueError, KeyError, TypeError):
                        return RpcEntry.from_json(line).seq
        return 0

    # -- reading -----------------------------------------------------------------

    def days(self) -> list[str]:
        return sorted({day for day, _, _ in self._files()}, reverse=True)

    def read_day(self, day: str, limit: int = DAY_LIMIT) -> list[RpcEntry]:
        paths = [path for file_day, _, path in self._files() if file_day == day]
        return list(deque(self._entries(paths), maxlen=limit))

    def read(self, where: LogFilter) -> Iterator[RpcEntry]:
        """Every entry on disk that `where` matches, oldest first."""
        since_day = _day_of(where.since) if where.since is not None else ""
        paths = [path for day, _, path in self._files() if day >= since_day]
        return (entry for entry in self._entries(paths) if where.matches(entry))

    def _entries(self, paths: Iterable[Path]) -> Iterator[RpcEntry]:
        for path in paths:
            with contextlib.suppress(OSError), path.open(encoding="utf-8", errors="replace") as lines:
                for line in lines:
                    try:
                        yield RpcEntry.from_json(line)
                    except (ValueError, KeyError, TypeError):
                        self.skipped_lines += 1

    def _files(self) -> list[tuple[str, int, Path]]:
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.iterdir():
            if match := _NAME.match(path.name):
                found.append((match[1], int(match[2] or 0), path))
        return sorted(found)

    def _rotate(self, day: str) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        today = [(part, path) for file_day, part, path in self._files() if file_day == day]
        part, path = today[-1] if today else (0, self.folder / f"rpc-{day}.jsonl")
        if path.exists() and path.stat().st_size > self._max_file_bytes:
            path = self.folder / f"rpc-{day}.{part + 1}.jsonl"
        self._file = path.open("a", encoding="utf-8")
        if _ends_mid_line(path):
            self._file.write("\n")
        self._path, self._day = path, day
        self.prune()


def export_entries(entries: Iterable[RpcEntry], path: Path) -> int:
    """Write entries as JSONL (the same lines as the log files), replacing `path` at once."""
    count = 0
    with replaced_atomically(path) as out:
        for entry in entries:
            out.write(entry.to_json() + "\n")
            count += 1
    return count


def _day_of(when: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(when))


def _tail_lines(path: Path, size: int) -> list[str]:
    """The lines in the last `size` bytes; the first may be cut, unless the file is that small."""
    try:
        with path.open("rb") as file:
            start = max(0, path.stat().st_size - size)
            file.seek(start)
            lines = file.read().decode("utf-8", "replace").splitlines()
            return lines if start else ["", *lines]
    except OSError:
        return []


def _ends_mid_line(path: Path) -> bool:
    """Whether the last write was cut off (a crash while writing)."""
    try:
        with path.open("rb") as file:
            if file.seek(0, os.SEEK_END) == 0:
                return False
            file.seek(-1, os.SEEK_END)
            return file.read(1) != b"\n"
    except OSError:
        return False
