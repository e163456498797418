"""The window's areas: what each is called, what it is for, and its place in the window."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.ui.widgets.page_skeleton import PageSkeleton

_NAMES = (
    ("servers", "Servers", "The MCP servers MCP Desk runs for you"),
    ("model", "Model", "Run a language model on your own computer"),
    ("chat", "Chat", "Chat with your model; it uses your servers' tools when you say yes"),
    ("log", "Log", "Every message between MCP Desk and your servers, as it happens"),
    ("audit", "Audit", "A tamper-evident record of every tool call and every approval"),
    ("secrets", "Secrets", "API keys and passwords your servers need, kept in your system's keychain"),
    ("permissions", "Permissions", "What runs without asking you, and each server's consent choices"),
    ("settings", "Settings", "How MCP Desk starts and behaves"),
)


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    tip: str
    widget: QWidget
    """The page's place in the window: its skeleton until the page is built, then the page."""


def areas() -> list[Area]:
    """Every area in sidebar order, each holding the skeleton of its page."""
    made = []
    for key, label, tip in _NAMES:
        label, tip = (QCoreApplication.translate("MainWindow", text) for text in (label, tip))
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(PageSkeleton(label, tip))
        made.append(Area(key, label, tip, holder))
    return made
