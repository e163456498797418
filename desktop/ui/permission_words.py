"""The Permissions choices in plain words, each with the sentence its tooltip says.

Shared by the Permissions page and the consent question, so a choice reads the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QComboBox

from desktop.core.consent_rules import Expiry, ServerDefault, ToolSetting


@dataclass(frozen=True)
class Word:
    value: StrEnum
    text: str
    tip: str


def _tr(text: str) -> str:
    return QCoreApplication.translate("PermissionWords", text)


def default_words() -> list[Word]:
    return [
        Word(
            ServerDefault.ASK,
            _tr("Ask before each tool"),
            _tr(
                "MCP Desk asks you before any of this server's tools runs, except tools you chose "
                "“Always allow” for below"
            ),
        ),
        Word(
            ServerDefault.READ_ONLY,
            _tr("Allow read-only tools"),
            _tr(
                "Tools the server says only read run without asking; the others still ask. "
                "MCP Desk can't check the server's claim"
            ),
        ),
        Word(
            ServerDefault.ALL,
            _tr("Allow all tools"),
            _tr(
                "Every tool runs without asking, also ones the server adds later, except tools set to "
                "“Never”. A tool that changes after it first ran asks again. "
                "Only for servers you trust completely"
            ),
        ),
    ]


def setting_words(follows_server: bool) -> list[Word]:
    """`follows_server`: the server's choice above lets this tool run without asking."""
    first = _tr("Allowed by the server's choice") if follows_server else _tr("Ask")
    return [
        Word(
            ToolSetting.ASK, first, _tr("No choice of its own: this tool follows the server's choice above")
        ),
        Word(
            ToolSetting.ALLOW,
            _tr("Always allow"),
            _tr("This tool runs without asking. If the server changes it, MCP Desk asks you again"),
        ),
        Word(
            ToolSetting.NEVER,
            _tr("Never"),
            _tr(
                "Your model is not shown this tool, and a call to it is refused without asking. "
                "It stays blocked even if the server changes it"
            ),
        ),
    ]


def expiry_words() -> list[Word]:
    return [
        Word(
            Expiry.REVOKED,
            _tr("Until I revoke it"),
            _tr("Until you set it back to “Ask” on the Permissions page or revoke it there"),
        ),
        Word(Expiry.HOUR, _tr("For 1 hour"), _tr("For the next hour; then MCP Desk asks again")),
        Word(
            Expiry.QUIT,
            _tr("Until I quit"),
            _tr("Until you quit MCP Desk; it asks again the next time you start it"),
        ),
    ]


def fill_combo(combo: QComboBox, words: list[Word]) -> None:
    """The choices as items (the enum as each item's data), each with its tooltip."""
    combo.clear()
    for word in words:
        combo.addItem(word.text, word.value.value)
        combo.setItemData(combo.count() - 1, word.tip, Qt.ItemDataRole.ToolTipRole)


def choose(combo: QComboBox, value: StrEnum) -> None:
    """Show `value` without telling anyone: only the user's own choices are signalled."""
    combo.blockSignals(True)
    combo.setCurrentIndex(max(combo.findData(value.value), 0))
    combo.blockSignals(False)
    tip_current(combo)


def tip_current(combo: QComboBox) -> None:
    """The combo's tooltip says what its current choice means."""
    combo.setToolTip(str(combo.currentData(Qt.ItemDataRole.ToolTipRole) or ""))
