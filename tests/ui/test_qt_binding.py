"""The Qt binding itself: faults of a PySide6 release that would end the app."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_calling_a_qt_method_that_returns_nothing_keeps_none_alive() -> None:
    """PySide6 6.12.0 dropped a reference to None at each such call: the app died of it ("none_dealloc")."""
    holder = QObject()
    before = sys.getrefcount(None)
    for _ in range(2000):
        holder.setObjectName("x")
    assert sys.getrefcount(None) >= before - 100
