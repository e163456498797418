"""The window's areas: what each is called, what it is for, and its place in the window."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.ui.widgets.page_skeleton import PageSkeleton


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    tip: str
    widget: QWidget
    """The page's place in the window: its skeleton until the page is built, then the page."""


def _names() -> tuple[tuple[str, str, str], ...]:
    """Each area's key, label and what it is for, in sidebar order."""
    t = QCoreApplication.translate
    return (
        ("servers", t("MainWindow", "Servers"), t("MainWindow", "The MCP servers MCP Desk runs for you")),
        ("model", t("MainWindow", "Model"), t("MainWindow", "Run a language model on your own computer")),
        (
            "chat",
            t("MainWindow", "Chat"),
            t("MainWindow", "Chat with your model; it uses your servers' tools when you say yes"),
        ),
        (
            "apps",
            t("MainWindow", "Other AI apps"),
            t("MainWindow", "Let your other AI apps, like Claude Desktop or Cursor, use your servers"),
        ),
        (
            "log",
            t("MainWindow", "Log"),
            t("MainWindow", "Every message between MCP Desk and your servers, as it happens"),
        ),
        (
            "audit",
            t("MainWindow", "Audit"),
            t("MainWindow", "A tamper-evident record of every tool call and every approval"),
        ),
        (
            "secrets",
            t("MainWindow", "Secrets"),
            t("MainWindow", "API keys and passwords your servers need, kept in your system's keychain"),
        ),
        (
            "permissions",
            t("MainWindow", "Permissions"),
            t("MainWindow", "What runs without asking you, and each server's consent choices"),
        ),
        ("settings", t("MainWindow", "Settings"), t("MainWindow", "How MCP Desk starts and behaves")),
    )


def areas() -> list[Area]:
    """Every area in sidebar order, each holding the skeleton of its page."""
    made = []
    for key, label, tip in _names():
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(PageSkeleton(label, tip))
        made.append(Area(key, label, tip, holder))
    return made
