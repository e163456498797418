"""A form made from what a prompt or a resource template asks for, with the server's suggestions
as the user types (`completion/complete`)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QFormLayout, QLineEdit, QWidget

from desktop.core.problem import Problem
from desktop.servers.prompts import CompletionRef
from desktop.ui.bridge import Bridge
from desktop.ui.style import hint
from desktop.ui.widgets.markdown_view import plain


@dataclass(frozen=True)
class Blank:
    """One thing the form asks for."""

    name: str
    label: str
    description: str = ""
    required: bool = False


class ArgumentForm(QWidget):
    """One line per blank; each asks the server for suggestions as it is typed in."""

    def __init__(
        self,
        bridge: Bridge,
        server: str,
        ref: CompletionRef,
        blanks: tuple[Blank, ...],
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._server = server
        self._ref = ref
        self.blanks = blanks
        self.fields: dict[str, QLineEdit] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for blank in blanks:
            field = QLineEdit(self)
            field.setPlaceholderText(self.tr("Type here; suggestions appear as you type"))
            field.setToolTip(blank.description)
            field.setAccessibleName(blank.label)
            completer = QCompleter(QStringListModel(self), field)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            field.setCompleter(completer)
            field.textEdited.connect(lambda text, name=blank.name: self._suggest(name, text))
            said = blank.label[:1].upper() + blank.label[1:]
            label = self.tr("%1 (required)").replace("%1", said) if blank.required else said
            layout.addRow(label, field)
            if blank.description:  # the server's words on what to type, under the field
                layout.addRow("", plain(hint(blank.description, self)))
            self.fields[blank.name] = field

    def values(self) -> dict[str, str]:
        """What was typed, blanks left empty left out."""
        return {name: field.text() for name, field in self.fields.items() if field.text()}

    def missing(self) -> list[str]:
        """The labels of required blanks still empty."""
        return [b.label for b in self.blanks if b.required and not self.fields[b.name].text().strip()]

    def _suggest(self, name: str, text: str) -> None:
        control = self._bridge.control
        if control is None:
            return
        others = {key: value for key, value in self.values().items() if key != name}
        self._bridge.call(
            control.complete(self._server, self._ref, name, text, others or None),
            lambda values: self._show(name, values),
            self._ignore,
        )

    def _show(self, name: str, values: list[str]) -> None:
        field = self.fields[name]
        completer = field.completer()
        model = completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(values)
        if values and field.hasFocus():
            completer.complete()

    def _ignore(self, _problem: Problem) -> None:
        """A server that cannot suggest leaves the user typing."""
