"""The window's side of consent: the service loop's questions, asked one dialog at a time.

`ConsentQueue` implements `ConsentAsker`. Its coroutines run on the service loop: each hands
its question to the Qt thread through a queued signal and waits for a
`concurrent.futures.Future` that the answer resolves. Cancelling the waiting task (the chat's
Stop) takes the question back and closes its dialog; nothing is resolved twice. A tool call's
dialog may answer `AnswerStopped` ("Stop this answer"): `ask` raises it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from desktop.core.audit_records import ConsentHow
from desktop.core.consent import (
    AnswerStopped,
    Choice,
    ConsentRequest,
    Decision,
    ElicitationAnswer,
    ElicitationRequest,
    SamplingRequest,
    SamplingReview,
)
from desktop.core.tool_label import tool_label

if TYPE_CHECKING:
    from desktop.ui.dialogs.question_dialog import QuestionDialog

T = TypeVar("T")
Request = ConsentRequest | ElicitationRequest | SamplingRequest


@dataclass(eq=False)
class Question(Generic[T]):
    """One question on its way to the user; `refusal` is the answer when nobody can give one."""

    request: Request
    refusal: T
    answer: str | None = None
    """The model's answer, when the question is whether it may go back to a server."""
    future: concurrent.futures.Future[T] = field(default_factory=concurrent.futures.Future)

    def resolve(self, answer: T | AnswerStopped) -> None:
        with contextlib.suppress(concurrent.futures.InvalidStateError):  # taken back meanwhile
            if isinstance(answer, AnswerStopped):
                self.future.set_exception(answer)
            else:
                self.future.set_result(answer)

    def summary(self) -> str:
        """One line for a notification while the window is hidden."""
        from desktop.ui.dialogs.question_dialog import shortened

        request = self.request
        server = shortened(request.server if not isinstance(request, ConsentRequest) else request.tool.server)
        if isinstance(request, ConsentRequest):
            tool = shortened(tool_label(request.tool))
            if request.context.app:
                return (
                    QCoreApplication.translate("ConsentQueue", "%1 wants to run “%2” from “%3”.")
                    .replace("%1", shortened(request.context.app))
                    .replace("%2", tool)
                    .replace("%3", server)
                )
            return (
                QCoreApplication.translate("ConsentQueue", "“%1” wants to use the tool “%2”.")
                .replace("%1", server)
                .replace("%2", tool)
            )
        if isinstance(request, ElicitationRequest):
            return QCoreApplication.translate("ConsentQueue", "“%1” is asking you something.").replace(
                "%1", server
            )
        if self.answer is None:
            return QCoreApplication.translate(
                "ConsentQueue", "“%1” wants your model to write something."
            ).replace("%1", server)
        return QCoreApplication.translate(
            "ConsentQueue", "Your model's answer to “%1” is ready for you to check."
        ).replace("%1", server)

    def dialog(self, parent: QWidget | None, *, explain: bool = False) -> QuestionDialog:
        """Built when first shown: the dialogs' imports would delay the window's first paint.

        With `explain`, a tool call's dialog says what such questions are for.
        """
        from desktop.ui.dialogs.consent_dialog import ConsentDialog
        from desktop.ui.dialogs.elicitation_dialog import ElicitationDialog
        from desktop.ui.dialogs.sampling_dialog import SamplingDialog

        request = self.request
        if isinstance(request, ConsentRequest):
            return ConsentDialog(request, parent, explain=explain)
        if isinstance(request, ElicitationRequest):
            return ElicitationDialog(request, parent)
        return SamplingDialog(request, self.answer, parent)


class ConsentQueue(QObject):
    """Asks the user about tool calls, servers' questions and sampling, one non-modal dialog at a time.

    Several questions queue; the dialog shown says how many wait, and the next one appears when it
    is answered. After `close_all` (the app is quitting) every question is refused at once.
    While `explain_next` is set, the next tool call's dialog says what these questions are for.

    Signals:
        question_arrived(str): a question joined the queue (one line, e.g. for a tray notification).
        pending_changed(int): how many questions wait for an answer, the one shown included.
        explained(): a tool call's dialog said what these questions are for (`explain_next` is now off).
    """

    question_arrived = Signal(str)
    pending_changed = Signal(int)
    explained = Signal()

    _asked = Signal(object)
    _withdrawn = Signal(object)

    def __init__(self, window: QWidget | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._waiting: list[Question[Any]] = []
        self.dialog: QuestionDialog | None = None
        """The dialog on screen, if any."""
        self._closed = False
        self.explain_next = False
        self._asked.connect(self._on_self_asked, Qt.ConnectionType.QueuedConnection)
        self._withdrawn.connect(self._on_self_withdrawn, Qt.ConnectionType.QueuedConnection)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close_all)

    # -- ConsentAsker (coroutines on the service loop) ------------------------------

    async def ask(self, request: ConsentRequest) -> Decision:
        refusal = Decision(Choice.DENY, request.arguments, ConsentHow.STOPPED)
        return await self._put(Question(request, refusal))

    async def elicit(self, request: ElicitationRequest) -> ElicitationAnswer:
        return await self._put(Question(request, ElicitationAnswer("decline")))

    async def review_sampling(self, request: SamplingRequest, answer: str | None) -> SamplingReview:
        return await self._put(Question(request, SamplingReview(False), answer))

    async def _put(self, question: Question[T]) -> T:
        if self._closed:
            return question.refusal
        try:
            self._asked.emit(question)
        except RuntimeError:  # the window is gone: nobody is left to answer
            return question.refusal
        try:
            return await asyncio.wrap_future(question.future)
        except asyncio.CancelledError:
            self._withdraw(question)
            raise

    def _withdraw(self, question: Question[Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the window is gone already
            self._withdrawn.emit(question)

    # -- the Qt thread -----------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._waiting)

    def close_all(self) -> None:
        """Refuse every waiting question and any later one (the app is quitting)."""
        self._closed = True
        waiting, self._waiting = self._waiting, []
        for question in waiting:
            question.resolve(question.refusal)
        self._drop_dialog()
        if waiting:
            self.pending_changed.emit(0)

    def bring_to_front(self) -> None:
        """Raise the question on screen (e.g. when the user clicks the notification)."""
        if self.dialog is not None:
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()

    def _on_self_asked(self, question: Question[Any]) -> None:
        if self._closed:
            question.resolve(question.refusal)
            return
        if question.future.done():  # taken back before it arrived
            return
        self._waiting.append(question)
        self.pending_changed.emit(len(self._waiting))
        self.question_arrived.emit(question.summary())
        self._show_next()

    def _on_self_withdrawn(self, question: Question[Any]) -> None:
        if question not in self._waiting:
            return
        shown = self._waiting[0] is question
        self._waiting.remove(question)
        if shown:
            self._drop_dialog()
        self.pending_changed.emit(len(self._waiting))
        self._show_next()

    def _on_dialog_answered(self, question: Question[Any], answer: object) -> None:
        if not self._waiting or self._waiting[0] is not question:
            return
        question.resolve(answer)
        self._waiting.pop(0)
        self._drop_dialog()
        self.pending_changed.emit(len(self._waiting))
        self._show_next()

    def _show_next(self) -> None:
        if self.dialog is None and self._waiting:
            question = self._waiting[0]
            explain = self.explain_next and isinstance(question.request, ConsentRequest)
            dialog = question.dialog(self._window, explain=explain)
            if explain:
                self.explain_next = False
                self.explained.emit()
            dialog.answered.connect(lambda answer: self._on_dialog_answered(question, answer))
            self.dialog = dialog
            dialog.set_waiting(len(self._waiting))
            self.bring_to_front()
        elif self.dialog is not None:
            self.dialog.set_waiting(len(self._waiting))

    def _drop_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.withdraw()
            dialog.deleteLater()
