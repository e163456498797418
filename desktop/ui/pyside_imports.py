"""PySide6's check of every later import, answered without keeping each module's source in memory."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import PySide6.QtCore  # noqa: F401 - the check below exists once PySide6 is loaded


def scan_imports_without_caching_sources() -> None:
    """PySide6 asks of every module imported after it whether its source mentions "PySide6"
    (for `from __feature__ import …`) through `inspect.getsource`, which tokenizes the file and
    keeps every line of it in `linecache` for good: ~20 MB and a third of the start-up's imports.
    The same question, answered from the file's bytes, costs neither."""
    feature = sys.modules.get("shibokensupport.feature")
    asks = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or asks is None or getattr(asks, "reads_bytes", False):
        return

    def mentions_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                return b"PySide6" in Path(path).read_bytes()
            except OSError:
                pass
        return bool(asks(module))

    mentions_pyside.reads_bytes = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mentions_pyside  # type: ignore[attr-defined]
