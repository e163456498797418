"""A fresh MCP Desk process that renders one app view with the web view part from its data folder.

Run with PySide6-Addons hidden from the import path (see `test_web_part_real`): it prints one JSON
line, where each module came from and what the view posted, and saves a picture of the view."""

from __future__ import annotations

import importlib.util
import json
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.servers.app_views import AppDomains, AppResource
from desktop.ui.web_part import prepare_web_part, web_part_available

HTML = """<!doctype html><html><body style="background:#2e7d32;color:white;font:24px sans-serif">
<h1 id="said">Rendered from the part</h1>
<script>
window.parent.postMessage({jsonrpc: "2.0", method: "rendered",
  params: {text: document.getElementById("said").textContent}}, "*");
</script></body></html>"""


def main(picture: str) -> int:
    before = importlib.util.find_spec("PySide6.QtWebEngineWidgets") is not None
    prepare_web_part()
    app = QApplication([])
    import PySide6.QtWebEngineCore as core

    from desktop.ui.widgets.app_view import AppView

    view = AppView(AppResource("board", "ui://board/view.html", HTML, AppDomains()))
    view.resize(420, 160)
    said: list[dict[str, object]] = []

    def on_posted(message: dict[str, object]) -> None:
        said.append(message)
        QTimer.singleShot(300, lambda: (view.grab().save(picture), app.quit()))

    view.message_posted.connect(on_posted)
    view.show()
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    report = {"before": before, "after": web_part_available(), "core": core.__file__, "said": said}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
