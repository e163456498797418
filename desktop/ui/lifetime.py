"""Callbacks that outlive their widget: a service answer may arrive after its dialog closed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject


def while_alive(owner: QObject, callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """`callback`, turned into a no-op once `owner` has been deleted."""

    def guarded(value: Any) -> None:
        if shiboken6.isValid(owner):
            callback(value)

    return guarded
