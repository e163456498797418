"""Where a tool card shows its tool's MCP App view, once the result is in: the view itself where
the web view part is installed, or the part offered (`web_part_offer`; the card shows the text
result either way). Links the user allowed open in their browser."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.problem import Problem
from desktop.llm.chat.app_host import AppViewHost, HostReply
from desktop.llm.chat.control import ToolCard
from desktop.servers.app_views import AppResource, NoAppView, app_resource
from desktop.servers.resources import ResourceRead
from desktop.ui.app_views import AppViews
from desktop.ui.lifetime import while_alive
from desktop.ui.style import hint
from desktop.ui.web_part import PartState
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.web_part_offer import WebPartOffer

if TYPE_CHECKING:
    from desktop.ui.widgets.app_view import AppView

VIEW_HEIGHT = 320
"""A view's height until it says what it needs."""
MAX_VIEW_HEIGHT = 900


class AppViewHolder(QWidget):
    """With `at_once` False (a card from before, when a chat is opened again), the view waits for
    the user's Show: each view costs a process of its own, and may ask to run tools again."""

    def __init__(
        self,
        card: ToolCard,
        views: AppViews,
        chat_id: str | None,
        parent: QWidget | None,
        *,
        at_once: bool = True,
    ) -> None:
        super().__init__(parent)
        self.card = card
        self._chat_id = chat_id
        self.view: AppView | None = None
        self.caption: QLabel | None = None
        self.host: AppViewHost | None = None
        self.message = InlineMessage(self)
        self.message.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message.text_label.setWordWrap(True)
        self._views = views
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 4, 0, 4)
        self.show_button = QPushButton(self.tr("Show the view"), self)
        self.show_button.clicked.connect(self._on_show_button_clicked)
        self.show_button.hide()
        self._layout.addWidget(self.message)
        self._layout.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.offer: WebPartOffer | None = None
        state = views.part_state()
        if state is not PartState.READY:
            self.offer = WebPartOffer(card, views, state, self)
            self._layout.addWidget(self.offer)
        elif at_once:
            self.open_view()
        else:
            self.message.show_info(
                self.tr("This result comes with the tool's own view, which may ask again to run its tools.")
            )
            self.show_button.show()

    def open_view(self) -> None:
        self.show_button.hide()
        self.host = self._views.host(self.card, self._chat_id)
        if self.host is not None:
            self.message.show_info(self.tr("Opening this tool's own view…"))
            self._views.read(
                self.card, while_alive(self, self._on_read_done), while_alive(self, self._on_problem)
            )

    def _on_show_button_clicked(self) -> None:
        self.open_view()

    def _on_read_done(self, read: ResourceRead) -> None:
        try:
            resource = app_resource(read)
        except NoAppView as problem:
            self._on_problem(problem)
            return
        self._show(resource)

    def _show(self, resource: AppResource) -> None:
        from desktop.ui.widgets.app_view import AppView  # WebEngine loads only when a view is shown

        self.message.clear()
        if resource.domains.dropped:
            self.message.show_info(refused_domains_words(resource.domains.dropped))
        server = self.card.tool.partition("__")[0]
        self.caption = hint(
            self.tr(
                "Below, inside the frame: the view “%1” sent. What it shows comes from that server, "
                "not from MCP Desk."
            ).replace("%1", server),
            self,
        )
        frame = QFrame(self)
        frame.setObjectName("appViewFrame")
        frame.setStyleSheet("QFrame#appViewFrame { border: 1px solid palette(mid); border-radius: 4px; }")
        inside = QVBoxLayout(frame)
        inside.setContentsMargins(2, 2, 2, 2)
        self.view = AppView(resource, frame)
        self.view.setAccessibleName(
            self.tr("The view of “%1”").replace("%1", self.card.title or self.card.tool)
        )
        self.view.setFixedHeight(VIEW_HEIGHT)
        self.view.message_posted.connect(self._on_view_message_posted)
        inside.addWidget(self.view)
        self._layout.addWidget(self.caption)
        self._layout.addWidget(frame)

    def _on_view_message_posted(self, message: dict[str, Any]) -> None:
        if self.host is not None:
            self._views.answer(
                self.host,
                message,
                while_alive(self, self._on_answer_done),
                while_alive(self, self._on_problem),
            )

    def _on_answer_done(self, reply: HostReply) -> None:
        if self.view is None:
            return
        for message in reply.messages:
            self.view.post(message)
        if reply.open_url is not None:
            QDesktopServices.openUrl(QUrl(reply.open_url))
        if reply.height is not None:
            self.view.setFixedHeight(max(80, min(reply.height, MAX_VIEW_HEIGHT)))

    def _on_problem(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)


def refused_domains_words(dropped: tuple[str, ...]) -> str:
    return QCoreApplication.translate(
        "AppViewHolder",
        "This view also asked to reach %1, which is not one named web site. MCP Desk lets a view reach only "
        "the sites it names one by one, so that was blocked; the view may work less well. Nothing to do.",
    ).replace("%1", ", ".join(f"“{address}”" for address in dropped))
