"""A long tool call that ends while the window is hidden is told from the tray; a quick one is not,
nor one that ends while the window is in view."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.core.events import Severity
from desktop.llm.chat.control import CallProgress, CallStatus, ChatMessage, ChatMessageChanged, Role, ToolCard
from desktop.ui.bridge import Bridge
from desktop.ui.finished_calls import FinishedCalls

RUNNING = ToolCard("c1", "backup__copy_photos", {}, CallStatus.RUNNING, title="Copy photos")
LONG = replace(RUNNING, progress=CallProgress(1, None, "Step 1"))
DONE = replace(RUNNING, status=CallStatus.DONE, result="Copied 120 photos.\nAll albums are on the drive.")


class Told:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str, Severity]] = []

    def __call__(self, title: str, message: str, severity: Severity) -> None:
        self.messages.append((title, message, severity))


@pytest.fixture
def watched(qtbot: QtBot) -> tuple[Bridge, QWidget, Told]:
    bridge, window, told = Bridge(), QWidget(), Told()
    qtbot.addWidget(window)
    FinishedCalls(bridge, window, told, window)
    return bridge, window, told


def _pass(qtbot: QtBot, bridge: Bridge, *cards: ToolCard) -> None:
    for card in cards:
        with qtbot.waitSignal(bridge.chat_message_changed):
            bridge.deliver(
                ChatMessageChanged(ChatMessage(1, "chat", Role.ASSISTANT, "", time.time(), (card,)))
            )


def test_a_long_call_that_ends_while_hidden_is_told(qtbot: QtBot, watched) -> None:  # type: ignore[no-untyped-def]
    bridge, _window, told = watched
    _pass(qtbot, bridge, RUNNING, LONG, DONE)
    assert told.messages == [("Copy photos · backup: Done", "Copied 120 photos.", Severity.INFO)]


def test_a_slow_call_that_was_stopped_is_told_as_a_warning(qtbot: QtBot, watched) -> None:  # type: ignore[no-untyped-def]
    bridge, _window, told = watched
    stopped = replace(
        RUNNING, status=CallStatus.STOPPED, result="You stopped this call before the tool finished."
    )
    _pass(qtbot, bridge, replace(RUNNING, status=CallStatus.SLOW, waited_s=60), stopped)
    assert [(title, severity) for title, _, severity in told.messages] == [
        ("Copy photos · backup: Stopped", Severity.WARNING)
    ]


def test_a_quick_call_or_one_in_view_is_not_told(qtbot: QtBot, watched) -> None:  # type: ignore[no-untyped-def]
    bridge, window, told = watched
    _pass(qtbot, bridge, RUNNING, DONE)
    window.show()
    qtbot.waitExposed(window)
    _pass(qtbot, bridge, LONG, DONE)
    assert told.messages == []
