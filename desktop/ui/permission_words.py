"""The Permissions choices in plain words, each with the sentence its tooltip says.

Shared by the Permissions page and the consent question, so a choice reads the same in both:
how long an allow lasts, a blocked tool, a tool on hold because it changed, and times of day in
the user's own short format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QLocale, Qt
from PySide6.QtWidgets import QComboBox

from desktop.core.consent_rules import ConsentRule, Expiry, RuleScope, ServerDefault, ToolSetting
from desktop.core.suspicious import reveal

MAX_CHAT_TITLE = 40


@dataclass(frozen=True)
class Word:
    value: StrEnum
    text: str
    tip: str


def default_words() -> list[Word]:
    return [
        Word(
            ServerDefault.ASK,
            QCoreApplication.translate("PermissionWords", "Ask before each tool"),
            QCoreApplication.translate(
                "PermissionWords",
                "MCP Desk asks you before any of this server's tools runs, except tools you chose "
                "“Always allow” for below",
            ),
        ),
        Word(
            ServerDefault.READ_ONLY,
            QCoreApplication.translate("PermissionWords", "Allow read-only tools"),
            QCoreApplication.translate(
                "PermissionWords",
                "Tools the server says only read run without asking; the others still ask. "
                "MCP Desk can't check the server's claim",
            ),
        ),
        Word(
            ServerDefault.ALL,
            QCoreApplication.translate("PermissionWords", "Allow all tools"),
            QCoreApplication.translate(
                "PermissionWords",
                "Every tool runs without asking, also ones the server adds later, except tools set to "
                "“Never”. A tool that changes after it first ran asks again. "
                "Only for servers you trust completely",
            ),
        ),
    ]


def setting_words(follows_server: bool) -> list[Word]:
    """`follows_server`: the server's choice above lets this tool run without asking."""
    first = (
        QCoreApplication.translate("PermissionWords", "Allowed by the server's choice")
        if follows_server
        else QCoreApplication.translate("PermissionWords", "Ask")
    )
    follows = QCoreApplication.translate(
        "PermissionWords", "No choice of its own: this tool follows the server's choice above"
    )
    return [
        Word(ToolSetting.ASK, first, follows),
        Word(
            ToolSetting.ALLOW,
            QCoreApplication.translate("PermissionWords", "Always allow"),
            QCoreApplication.translate(
                "PermissionWords",
                "This tool runs without asking. If the server changes it, MCP Desk asks you again",
            ),
        ),
        Word(
            ToolSetting.NEVER,
            QCoreApplication.translate("PermissionWords", "Never"),
            QCoreApplication.translate(
                "PermissionWords",
                "Your model is not shown this tool, and a call to it is refused without asking. "
                "It stays blocked even if the server changes it",
            ),
        ),
    ]


def expiry_words() -> list[Word]:
    return [
        Word(
            Expiry.REVOKED,
            QCoreApplication.translate("PermissionWords", "Until I take it back"),
            QCoreApplication.translate(
                "PermissionWords",
                "Until you take it back on the Permissions page (or set the tool back to “Ask” there)",
            ),
        ),
        Word(
            Expiry.HOUR,
            QCoreApplication.translate("PermissionWords", "For 1 hour"),
            QCoreApplication.translate("PermissionWords", "For the next hour; then MCP Desk asks again"),
        ),
        Word(
            Expiry.QUIT,
            QCoreApplication.translate("PermissionWords", "Until I quit"),
            QCoreApplication.translate(
                "PermissionWords", "Until you quit MCP Desk; it asks again the next time you start it"
            ),
        ),
    ]


def when_text(seconds: float) -> str:
    """A moment in the user's short format: the time alone when it is today (“08:10”)."""
    moment = QDateTime.fromSecsSinceEpoch(int(seconds))
    locale = QLocale()
    if moment.date() == QDate.currentDate():
        return locale.toString(moment.time(), QLocale.FormatType.ShortFormat)
    return locale.toString(moment, QLocale.FormatType.ShortFormat)


def chat_text(title: str) -> str:
    """The chat a permission holds in, its title shortened and its hidden characters written out."""
    shown = " ".join(reveal(title).split()) or QCoreApplication.translate("PermissionWords", "untitled")
    if len(shown) > MAX_CHAT_TITLE:
        shown = shown[: MAX_CHAT_TITLE - 1] + "…"
    return QCoreApplication.translate("PermissionWords", "the chat “%1”").replace("%1", shown)


def rule_text(rule: ConsentRule) -> str:
    """What a remembered permission does, and for how long: “Allowed until 08:10”, “Blocked”; one
    answered to another app's question says which app it holds for."""
    text = _rule_text(rule)
    if rule.app is None:
        return text
    return (
        QCoreApplication.translate("PermissionWords", "For %2 only: %1")
        .replace("%1", text)
        .replace("%2", rule.app)
    )


def _rule_text(rule: ConsentRule) -> str:
    if rule.never:
        return QCoreApplication.translate("PermissionWords", "Blocked")
    if rule.scope is RuleScope.CHAT:
        return QCoreApplication.translate("PermissionWords", "Allowed in %1").replace(
            "%1", chat_text(rule.chat_title)
        )
    if rule.until_quit:
        return QCoreApplication.translate("PermissionWords", "Allowed until you quit")
    if rule.expires is not None:
        return QCoreApplication.translate("PermissionWords", "Allowed until %1").replace(
            "%1", when_text(rule.expires)
        )
    return QCoreApplication.translate("PermissionWords", "Allowed until you take it back")


def chats_text(titles: Sequence[str]) -> str:
    """Where a tool that asks is allowed anyway, one chat at a time; "" when nowhere."""
    if not titles:
        return ""
    if len(titles) == 1:
        where = chat_text(titles[0])
    else:
        where = QCoreApplication.translate("PermissionWords", "%1 chats").replace("%1", str(len(titles)))
    return QCoreApplication.translate("PermissionWords", "Allowed in %1; asks elsewhere").replace("%1", where)


def apps_text(apps: Sequence[str]) -> str:
    """Which other AI apps may use a tool without asking, by their own Always allow; "" when none."""
    if not apps:
        return ""
    return QCoreApplication.translate("PermissionWords", "Always allowed for %1").replace(
        "%1", ", ".join(apps)
    )


def on_hold_text() -> str:
    """A permission whose tool changed since it was given: one wording wherever it shows."""
    return QCoreApplication.translate("PermissionWords", "On hold: the tool changed")


def on_hold_tip() -> str:
    return QCoreApplication.translate(
        "PermissionWords",
        "The server changed this tool after you allowed it. MCP Desk asks you again before it runs, "
        "and shows what changed",
    )


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


def view_only_text(label: str) -> str:
    """A tool only its own app view may call (`ToolInfo.for_model` False), as lists name it."""
    return QCoreApplication.translate("PermissionWords", "%1 (used by its view only)").replace("%1", label)


def view_only_tip() -> str:
    return QCoreApplication.translate(
        "PermissionWords", "Only this server's own view in a chat may ask to run it, never the model."
    )
