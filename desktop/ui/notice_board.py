"""The notices the user has not read away yet, and which one the banner shows."""

from __future__ import annotations

from PySide6.QtCore import QObject

from desktop.core.events import Notice, Severity
from desktop.ui.idle_gate import IdleGate
from desktop.ui.widgets.notice_banner import NoticeBanner

RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
MAX_NOTICES = 20
"""The oldest go first beyond this: nobody reads twenty banners."""


def same_news(old: Notice, new: Notice) -> bool:
    """`new` replaces `old`: the same key, or (without keys) the same words."""
    if old.key or new.key:
        return old.key == new.key
    return (old.title, old.message) == (new.title, new.message)


class NoticeBoard(QObject):
    """Shows the most serious notice, the newest among equals, with a count of the others.

    A notice with a key replaces the one before with that key, and `withdraw(key)` takes it
    away once what it reported is resolved (a server that runs again). Nothing is kept
    between runs: after a restart only what is still true is posted again.

    The banner changes only when the user's hands are still (`IdleGate`), so the page under
    the pointer never moves while they type or click; a dismissal is theirs, and shows at once.
    """

    def __init__(self, banner: NoticeBanner, gate: IdleGate | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.banner = banner
        self.gate = gate if gate is not None else IdleGate(parent=self)
        self._notices: list[Notice] = []
        self._shown: Notice | None = None
        banner.dismissed.connect(self._on_banner_dismissed)

    def notices(self) -> list[Notice]:
        """Every notice not dismissed or withdrawn, oldest first."""
        return list(self._notices)

    def post(self, notice: Notice) -> None:
        kept = [old for old in self._notices if not same_news(old, notice)]
        self._notices = [*kept, notice][-MAX_NOTICES:]
        self.gate.when_idle(self._show_first)

    def withdraw(self, key: str) -> None:
        """Take away the notice about `key`: what it reported is over."""
        kept = [notice for notice in self._notices if notice.key != key]
        if len(kept) != len(self._notices):
            self._notices = kept
            self.gate.when_idle(self._show_first)

    def _on_banner_dismissed(self) -> None:
        self._notices = [notice for notice in self._notices if notice is not self._shown]
        self._show_first()

    def _show_first(self) -> None:
        newest_first = list(reversed(self._notices))
        if not newest_first:
            self._shown = None
            self.banner.hide()
            return
        self._shown = max(newest_first, key=lambda notice: RANK[notice.severity])
        self.banner.show_notice(self._shown, len(newest_first) - 1)
