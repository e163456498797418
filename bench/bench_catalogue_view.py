"""Browse servers: how long one keystroke in the search box takes over a catalogue of thousands.

Per keystroke, from the key press to the window painted again (a synchronous repaint, offscreen
Qt): MCP Desk's Browse window (its model, delegate, count line and details beside the list) vs
a bare PySide6 `QListWidget` holding the same entries as three-line items, filtered the usual
way (hiding the items that don't match). Typed: a few words letter by letter, then erased. The
goal is a frame (16 ms) per keystroke over at least 1,000 entries; the ratio is against the
bare widget in the same run.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

from common import QUICK, quick_rounds, record, report

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QListWidget, QVBoxLayout, QWidget

from desktop.catalogue.control import (
    CatalogueEntry,
    CatalogueListing,
    Installed,
    InstallPlan,
    Progress,
    Reach,
)
from desktop.core.service_loop import ServiceLoop
from desktop.ui.bridge import Bridge, Controls
from desktop.ui.catalogue_words import meta_line
from desktop.ui.dialogs.catalogue_dialog import CatalogueDialog

SIZES = (1_000, 5_000)
TYPED = ("weather", "notes files", "git")
WORDS = (
    "weather", "files", "notes", "github", "calendar", "email", "search", "database", "browser", "maps",
    "music", "photos", "time", "translate", "summarise", "slack", "jira", "tasks", "docs", "sheets", "pdf",
    "images", "code", "tests", "deploy", "cloud", "storage",
)  # fmt: skip


def entries(count: int) -> tuple[CatalogueEntry, ...]:
    pick = random.Random(7)
    made = []
    for number in range(count):
        words = pick.sample(WORDS, 6)
        title = f"{words[0].title()} {words[1].title()} {number}"
        description = f"Work with your {words[2]}, {words[3]} and {words[4]} from the assistant ({words[5]})."
        name = f"io.github.publisher{number % 97}/{words[0]}-{number}"
        text = " ".join((name, title, description, f"io.github.publisher{number % 97}")).lower()
        made.append(
            CatalogueEntry(
                name, title, description, f"1.{number % 10}.0", f"io.github.publisher{number % 97}",
                number % 3 == 0, Reach.LOCAL if number % 4 else Reach.REMOTE, ("an API key",),
                search_text=text,
            )
        )  # fmt: skip
    return tuple(made)


class Listed:
    """Only `listing` is asked of the catalogue while browsing."""

    def __init__(self, listed: tuple[CatalogueEntry, ...]) -> None:
        self._listed = listed

    async def listing(self) -> CatalogueListing:
        return CatalogueListing(self._listed, "generated for the benchmark", live=False)

    refresh = listing

    async def plan_entry(self, name: str) -> InstallPlan:
        raise NotImplementedError

    async def plan_bundle(self, path: Path) -> InstallPlan:
        raise NotImplementedError

    async def install(
        self, plan: InstallPlan, values: dict[str, str], progress: Progress | None = None
    ) -> Installed:
        raise NotImplementedError


def keystrokes() -> list[tuple[str, Qt.Key | None]]:
    """Each word letter by letter, then erased: (the letter, or None with Backspace)."""
    keys: list[tuple[str, Qt.Key | None]] = []
    for typed in TYPED:
        keys += [(letter, None) for letter in typed]
        keys += [("", Qt.Key.Key_Backspace)] * len(typed)
    return keys


def timed_keys(edit: QLineEdit, window: QWidget) -> list[float]:
    """Milliseconds per keystroke, from the key press to the window repainted."""
    took = []
    for letter, key in keystrokes():
        start = time.perf_counter()
        if key is None:
            QTest.keyClicks(edit, letter)
        else:
            QTest.keyClick(edit, key)
        window.repaint()
        took.append((time.perf_counter() - start) * 1000)
    return took


def ours(listed: tuple[CatalogueEntry, ...], loop: ServiceLoop) -> list[float]:
    bridge = Bridge()
    unused: Any = None  # browsing asks nothing of the other services
    controls = Controls(
        unused, unused, unused, unused, unused, unused, unused, unused, unused, catalogue=Listed(listed)
    )
    bridge.attach(controls, loop.submit)
    dialog = CatalogueDialog(bridge)
    dialog.show()
    while dialog.model.total() != len(listed):
        QApplication.processEvents()
    took = timed_keys(dialog.search_edit, dialog)
    dialog.close()
    dialog.deleteLater()
    return took


def bare(listed: tuple[CatalogueEntry, ...]) -> list[float]:
    window = QWidget()
    window.resize(980, 640)
    edit, widget = QLineEdit(window), QListWidget(window)
    layout = QVBoxLayout(window)
    layout.addWidget(edit)
    layout.addWidget(widget)
    texts = [f"{e.title}  {e.version}\n{e.description}\n{meta_line(e)}" for e in listed]
    widget.addItems(texts)
    lowered = [text.lower() for text in texts]

    def on_text(text: str) -> None:
        words = text.lower().split()
        for row, item_text in enumerate(lowered):
            widget.setRowHidden(row, not all(word in item_text for word in words))

    edit.textChanged.connect(on_text)
    window.show()
    QApplication.processEvents()
    took = timed_keys(edit, window)
    window.close()
    return took


def main() -> None:
    app = QApplication.instance() or QApplication([])
    loop = ServiceLoop("bench-catalogue")
    loop.start()
    for size in SIZES[:1] if QUICK else SIZES:
        listed = entries(size)
        mine, base = [], []
        for _round in range(quick_rounds(3, 1)):
            mine += ours(listed, loop)
            base += bare(listed)
        report(f"search keystroke over {size} entries", mine, base, "ms", "<= 1")
        record(f"search keystroke over {size} entries, median", statistics.median(mine), "ms", "<= 16")
        nearly_all = statistics.quantiles(mine, n=20)[-1]
        record(f"search keystroke over {size} entries, 95th percentile", nearly_all, "ms", "<= 16")
        print(
            f"  MCP Desk per keystroke: median {statistics.median(mine):.2f} ms, 95th percentile "
            f"{nearly_all:.2f} ms, slowest {max(mine):.2f} ms"
        )
    loop.stop()
    del app


if __name__ == "__main__":
    main()
