"""Replacing a file in one step, so a crash or a full disk never leaves half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def replaced_atomically(
    path: Path,
    *,
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
    keep_previous: Path | None = None,
) -> Iterator[IO[Any]]:
    """Write to a temporary file beside `path`; it takes `path`'s place only if the block succeeds.

    The new content is on disk (fsync) before the swap; the old file, if any, is moved to
    `keep_previous` first when given. On failure the temporary file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(
            fd, mode, encoding=None if binary else encoding, newline=None if binary else ""
        ) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if keep_previous is not None and path.exists():
            path.replace(keep_previous)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
