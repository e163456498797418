"""Cold start to main window painted: `mcp-desk` vs a bare PySide6 window.

Each run is a fresh process; the clock runs from just before the process is spawned
to the moment the window's first paint event is seen inside it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from common import ROOT, fresh_home, quick_rounds, report

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
import desktop.ui.main_window as frame
frame_init, frame_attach = frame.MainWindow.__init__, frame.MainWindow.attach
def watched_frame(self, **kwargs):
    frame_init(self, **kwargs)
    self._probe = Probe()
    self._probe.on_paint = lambda: self.removeEventFilter(self._probe)
    self.installEventFilter(self._probe)
def watched_attach(self, bridge):
    frame_attach(self, bridge)
    def ready():
        print("READY", flush=True)
        self.quit_requested.emit()  # the app's own clean quit
    bridge.services_ready.connect(ready)
frame.MainWindow.__init__ = watched_frame
frame.MainWindow.attach = watched_attach
from desktop.main import main
sys.exit(main([]))
"""
)


def timed(code: str) -> tuple[float, float]:
    """Milliseconds from spawn to the first paint, and to the services attached (0 for the bare window)."""
    env = dict(
        os.environ,
        MCP_DESK_HOME=str(fresh_home()),
        QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
    )
    start = time.perf_counter()
    painted = ready = 0.0
    with subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("PAINTED") and not painted:
                painted = time.perf_counter() - start
            elif line.startswith("READY"):
                ready = time.perf_counter() - start
        proc.wait(60)
    if not painted:
        raise RuntimeError("the window never painted")
    return painted * 1000, ready * 1000


def main(rounds: int = ROUNDS) -> float:
    timed(BARE)
    ours, base, usable = [], [], []
    for _ in range(rounds):
        base.append(timed(BARE)[0])
        painted, ready = timed(APP)
        ours.append(painted)
        usable.append(ready)
    ratio = report("cold start to window painted", ours, base, "ms", "<= 1.5")
    print(f"  the Servers page usable (services attached) after {statistics.median(usable):.0f} ms")
    return ratio


if __name__ == "__main__":
    main(quick_rounds(ROUNDS, 3))
