"""Cold start to main window painted: `mcp-desk` vs a bare PySide6 window.

Each run is a fresh process; the clock runs from just before the process is spawned
to the moment the window's first paint event is seen inside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from common import ROOT, fresh_home, report

ROUNDS = 7

PROBE = """
import os, sys
from PySide6.QtCore import QEvent, QObject
class Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("PAINTED", flush=True)
            self.on_paint()
        return False
"""

BARE = (
    PROBE
    + """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1100, 720)
probe = Probe()
probe.on_paint = lambda: os._exit(0)
window.installEventFilter(probe)
window.show()
app.exec()
"""
)

APP = (
    PROBE
    + """
import desktop.ui.application as ui
original = ui.GuiApp.__init__
def patched(self, argv, **kwargs):
    original(self, argv, **kwargs)
    self._probe = Probe()
    self._probe.on_paint = self.quit
    self.window.installEventFilter(self._probe)
ui.GuiApp.__init__ = patched
from desktop.main import main
sys.exit(main([]))
"""
)


def painted_after(code: str) -> float:
    env = dict(
        os.environ,
        MCP_DESK_HOME=str(fresh_home()),
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    )
    start = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("PAINTED"):
                elapsed = time.perf_counter() - start
                break
        else:
            raise RuntimeError("the window never painted")
        proc.wait(60)
    return elapsed * 1000


def main() -> float:
    painted_after(BARE)
    ours, base = [], []
    for _ in range(ROUNDS):
        base.append(painted_after(BARE))
        ours.append(painted_after(APP))
    return report("cold start to window painted", ours, base, "ms", "<= 1.5")


if __name__ == "__main__":
    main()
