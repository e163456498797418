"""“Details” boxes: as tall as their text, wrapped, and readable however little room the page leaves."""

from __future__ import annotations

from PySide6.QtWidgets import QPlainTextEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.widgets.collapsible import MIN_LINES, SHOWN_LINES, DetailsText, DetailsToggle

LONG_LINE = "Error: spawn /home/someone/.local/share/very/long/path/to/a/program/that/was/not/found ENOENT"
SHORT = f"exit code 1\n{LONG_LINE}\nsee its output"


def opened(qtbot: QtBot, page: QWidget, height: int, details: str) -> DetailsText:
    """A Details box under a greedy neighbour on `page`, `height` pixels tall, opened."""
    layout = QVBoxLayout(page)
    layout.addWidget(QPlainTextEdit(page), 1)
    toggle = DetailsToggle(page)
    layout.addWidget(toggle)
    qtbot.addWidget(page)
    page.resize(360, height)
    page.show()
    qtbot.waitExposed(page)
    toggle.set_details(details)
    toggle.set_open(True)
    return toggle.text_view


def lines(view: DetailsText, count: int) -> int:
    return count * view.fontMetrics().lineSpacing()


def test_short_details_show_whole_wrapped_and_take_no_more_room(qtbot: QtBot) -> None:
    page = QWidget()
    view = opened(qtbot, page, 600, SHORT)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() == 0 and view.isVisible())
    assert view.horizontalScrollBar().maximum() == 0, "long lines wrap instead of running off"
    assert view.height() > lines(view, 4), "the long line takes several lines"
    assert view.height() < lines(view, SHOWN_LINES), "no empty box below a few lines"


def test_long_details_scroll_in_a_box_of_readable_height(qtbot: QtBot) -> None:
    page = QWidget()
    view = opened(qtbot, page, 600, "\n".join(f"line {n}" for n in range(40)))
    qtbot.waitUntil(lambda: view.height() >= lines(view, SHOWN_LINES))
    assert view.verticalScrollBar().maximum() > 0


def test_squeezed_details_keep_a_few_lines_and_scroll(qtbot: QtBot) -> None:
    page = QWidget()
    view = opened(qtbot, page, 120, SHORT)
    qtbot.waitUntil(view.isVisible)
    assert view.height() >= lines(view, MIN_LINES)
