"""The JSON view used by the Log and Audit pages wraps long values instead of cutting them off."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.ui.widgets.json_view import JsonView

LONG = "a line of a file that is much longer than the view is wide, " * 4


def test_long_values_wrap_inside_the_view(qtbot: QtBot) -> None:
    view = JsonView()
    qtbot.addWidget(view)
    view.resize(320, 400)
    view.show()
    qtbot.waitExposed(view)
    view.show_value({"content": [{"type": "text", "text": LONG}]})
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() == 0)
    assert view.horizontalScrollBar().maximum() == 0
    assert LONG.strip() in view.toPlainText()
