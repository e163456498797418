"""One chat's settings: its instructions to the model, how the model writes, and which tools it sees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from itertools import groupby
from operator import attrgetter

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.events import ToolInfo
from desktop.core.tool_label import tool_label
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.control import ChatSettings
from desktop.ui.style import SPACING, heading, hint
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.markdown_view import plain_tip

PROMPT_LINES = 5
MAX_TOKENS = 32_768
PANEL_WIDTH = 320


def choice_labels() -> dict[ToolChoice, str]:
    return {
        ToolChoice.AUTO: QCoreApplication.translate("ChatSettingsPanel", "Let the model decide"),
        ToolChoice.REQUIRED: QCoreApplication.translate("ChatSettingsPanel", "Always use a tool first"),
        ToolChoice.NONE: QCoreApplication.translate("ChatSettingsPanel", "Don't use tools"),
    }


def checked(item: QTreeWidgetItem) -> bool:
    return item.checkState(0) == Qt.CheckState.Checked


def children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [child for index in range(item.childCount()) if (child := item.child(index))]


def key(item: QTreeWidgetItem) -> str:
    """The server name or qualified tool name an item stands for."""
    return str(item.data(0, Qt.ItemDataRole.UserRole))


class ChatSettingsPanel(QWidget):
    """Shows the settings given to `show_settings`; Save hands back what the user chose.

    A chat that never narrowed its servers (`servers` None) keeps seeing servers started
    later, as long as every server shown stays ticked.

    Signals:
        save_requested(ChatSettings): the user pressed Save.
    """

    save_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(PANEL_WIDTH)
        self.setMaximumWidth(PANEL_WIDTH + 160)
        self._settings = ChatSettings()
        self._tools: list[ToolInfo] = []
        self._filling = False
        self.prompt_edit = QPlainTextEdit(self)
        self.prompt_edit.setAccessibleName(self.tr("Instructions for the model"))
        self.prompt_edit.setToolTip(self.tr("What the model reads before every message in this chat"))
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setFixedHeight(
            QFontMetrics(self.prompt_edit.font()).lineSpacing() * PROMPT_LINES + 14
        )
        self.temperature_box = self._number_box(
            2.0,
            0.05,
            self.tr(
                "Higher gives more surprising answers, lower more predictable ones; 0 gives the same "
                "answer every time. (Known as “temperature”.)"
            ),
        )
        self.top_p_box = self._number_box(
            1.0,
            0.01,
            self.tr(
                "Lower keeps the model to its likeliest words; 1 lets it choose from all of them. "
                "(Known as “top-p” sampling: only the likeliest words adding up to this share "
                "are considered.)"
            ),
        )
        self.max_tokens_box = QSpinBox(self)
        self.max_tokens_box.setRange(16, MAX_TOKENS)
        self.max_tokens_box.setSingleStep(128)
        self.max_tokens_box.setToolTip(
            self.tr(
                "The longest answer the model may write, in tokens (pieces of words; 100 tokens are "
                "about 75 English words)"
            )
        )
        self.choice_combo = QComboBox(self)
        for choice, label in choice_labels().items():
            self.choice_combo.addItem(label, choice)
        self.choice_combo.setAccessibleName(self.tr("Tool use"))
        self.choice_combo.setToolTip(
            self.tr("Whether the model may, must or must not use tools in this chat")
        )
        self.tools_tree = QTreeWidget(self)
        self.tools_tree.setHeaderHidden(True)
        self.tools_tree.setAccessibleName(self.tr("Tools the model may use"))
        self.tools_tree.setToolTip(
            self.tr("Tick the servers and tools this chat may use; untick those it may not")
        )
        self.tools_hint = hint(parent=self)
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setToolTip(self.tr("Use these settings from the next answer on"))
        self.message = InlineMessage(self)
        self._layout()
        self._connect()
        self.show_settings(ChatSettings())

    def _number_box(self, top: float, step: float, tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setRange(0.0, top)
        box.setSingleStep(step)
        box.setDecimals(2)
        box.setToolTip(tip)
        return box

    def _layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for text, box in (
            (self.tr("Creativity:"), self.temperature_box),
            (self.tr("Word choice variety:"), self.top_p_box),
            (self.tr("Longest answer:"), self.max_tokens_box),
        ):
            label = QLabel(text, self)
            label.setBuddy(box)
            label.setToolTip(box.toolTip())
            form.addRow(label, box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(heading(self.tr("Chat settings"), self, scale=1.0))
        layout.addWidget(QLabel(self.tr("Instructions for the model:"), self))
        layout.addWidget(self.prompt_edit)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(QLabel(self.tr("Tools the model may use:"), self))
        layout.addWidget(self.choice_combo)
        layout.addWidget(self.tools_tree, 1)
        layout.addWidget(self.tools_hint)
        layout.addLayout(buttons)

    def _connect(self) -> None:
        self.prompt_edit.textChanged.connect(self._on_field_changed)
        self.temperature_box.valueChanged.connect(self._on_field_changed)
        self.top_p_box.valueChanged.connect(self._on_field_changed)
        self.max_tokens_box.valueChanged.connect(self._on_field_changed)
        self.choice_combo.currentIndexChanged.connect(self._on_choice_combo_changed)
        self.tools_tree.itemChanged.connect(self._on_tools_tree_item_changed)
        self.save_button.clicked.connect(self._on_save_button_clicked)

    @property
    def settings(self) -> ChatSettings:
        """The settings as last shown or saved (not the unsaved changes on screen)."""
        return self._settings

    def show_settings(self, settings: ChatSettings) -> None:
        self._settings = settings
        self._filling = True
        self.prompt_edit.setPlainText(settings.system_prompt)
        self.temperature_box.setValue(settings.params.temperature)
        self.top_p_box.setValue(settings.params.top_p)
        self.max_tokens_box.setValue(settings.params.max_tokens)
        self.choice_combo.setCurrentIndex(self.choice_combo.findData(settings.tool_choice))
        self._filling = False
        self._fill_tools()
        self.message.clear()
        self.save_button.setEnabled(False)

    def show_tools(self, tools: Iterable[ToolInfo]) -> None:
        """The tools of the running servers the model may use (not those only their app view calls);
        unsaved ticks are kept."""
        chosen = self.chosen()
        self._tools = sorted((tool for tool in tools if tool.for_model), key=attrgetter("server", "name"))
        self._fill_tools(chosen)

    def _fill_tools(self, settings: ChatSettings | None = None) -> None:
        settings = settings or self._settings
        self._filling = True
        self.tools_tree.clear()
        for server, tools in groupby(self._tools, key=attrgetter("server")):
            top = QTreeWidgetItem([server])
            top.setData(0, Qt.ItemDataRole.UserRole, server)
            top.setCheckState(0, self._state(settings.servers is None or server in settings.servers))
            self.tools_tree.addTopLevelItem(top)
            for tool in tools:
                item = QTreeWidgetItem([tool_label(tool)])
                item.setData(0, Qt.ItemDataRole.UserRole, tool.qualified_name)
                item.setToolTip(0, plain_tip(f"{tool.description}\n\n({tool.name})".strip()))
                item.setCheckState(0, self._state(tool.qualified_name not in settings.hidden_tools))
                top.addChild(item)
            top.setExpanded(True)
        self._filling = False
        self._update_enabled()

    @staticmethod
    def _state(on: bool) -> Qt.CheckState:
        return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked

    def _servers(self) -> list[QTreeWidgetItem]:
        return [
            item
            for i in range(self.tools_tree.topLevelItemCount())
            if (item := self.tools_tree.topLevelItem(i))
        ]

    def chosen(self) -> ChatSettings:
        """The settings as the panel shows them now."""
        params = ChatParams(
            round(self.temperature_box.value(), 2),
            round(self.top_p_box.value(), 2),
            self.max_tokens_box.value(),
        )
        return replace(
            self._settings,
            system_prompt=self.prompt_edit.toPlainText(),
            params=params,
            tool_choice=ToolChoice(self.choice_combo.currentData()),
            servers=self._chosen_servers(),
            hidden_tools=self._hidden_tools(),
        )

    def _chosen_servers(self) -> tuple[str, ...] | None:
        """The ticked servers, and those chosen before that are not running now."""
        servers = self._servers()
        ticked = tuple(key(item) for item in servers if checked(item))
        before = self._settings.servers
        if before is None and len(ticked) == len(servers):
            return None
        shown = {key(item) for item in servers}
        return tuple(server for server in before or () if server not in shown) + ticked

    def _hidden_tools(self) -> tuple[str, ...]:
        """The unticked tools, and those hidden before that are not listed now."""
        tools = [tool for server in self._servers() for tool in children(server)]
        listed = {key(item) for item in tools}
        kept = tuple(name for name in self._settings.hidden_tools if name not in listed)
        return kept + tuple(key(item) for item in tools if not checked(item))

    def _update_enabled(self) -> None:
        offered = ToolChoice(self.choice_combo.currentData()) is not ToolChoice.NONE
        self.tools_tree.setEnabled(offered)
        for server in self._servers():
            for tool in children(server):
                tool.setDisabled(not checked(server))
        if not self._tools:
            self.tools_hint.setText(self.tr("No server is running, so there are no tools to offer."))
        elif not offered:
            self.tools_hint.setText(self.tr("The model answers without tools in this chat."))
        else:
            self.tools_hint.setText(
                self.tr("Untick what the model should not see. It still asks you before each call.")
            )

    def _on_field_changed(self, _value: object = None) -> None:
        if not self._filling:
            self.message.clear()
            self.save_button.setEnabled(True)

    def _on_choice_combo_changed(self, _index: int) -> None:
        self._update_enabled()
        self._on_field_changed()

    def _on_tools_tree_item_changed(self, _item: QTreeWidgetItem, _column: int) -> None:
        if not self._filling:
            self._filling = True
            self._update_enabled()
            self._filling = False
            self._on_field_changed()

    def _on_save_button_clicked(self) -> None:
        self.save_button.setEnabled(False)
        self.save_requested.emit(self.chosen())

    def show_saved(self, settings: ChatSettings) -> None:
        self._settings = settings
        self.message.show_info(self.tr("Saved. The next answer uses these settings."))

    def show_problem(self, sentence: str) -> None:
        self.save_button.setEnabled(True)
        self.message.show_problem(sentence)
