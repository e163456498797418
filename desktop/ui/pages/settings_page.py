"""Settings: whether MCP Desk starts at sign-in, how much log it keeps, where chat answers come
from, the settings' history and backup, and which version this is."""

from __future__ import annotations

from importlib import metadata

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config import AppSettings
from desktop.core.problem import Problem
from desktop.llm.chat.control import BackendSettings, ChatControl
from desktop.ui.bridge import Bridge
from desktop.ui.pages.settings_gateway import GatewaySection
from desktop.ui.pages.settings_keeping import KeepingSection
from desktop.ui.pages.settings_registries import RegistriesSection
from desktop.ui.pages.settings_runtimes import RuntimesSection
from desktop.ui.style import SPACING, heading, hint, pad, selectable
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.saved_note import SavedNote

DIST_NAME = "mcp-desk"
FIELD_WIDTH = 420
LOCAL = "local"
REMOTE = "openai"


def app_version() -> str | None:
    """The installed version; None in a source checkout that was never installed."""
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return None


CONTEXT_WIDTH = 180


class SettingsPage(QWidget):
    """Each change is saved at once through the service side, with a quiet “Saved” beside it;
    a refused change is undone.

    The chat model's fields belong together, so they are saved with their own button,
    which says so.
    """

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.login_box = QCheckBox(self.tr("Start MCP Desk when I sign in"), self)
        self.login_box.setToolTip(
            self.tr("MCP Desk starts in the background when you sign in, with the servers you chose")
        )
        self.login_box.setEnabled(False)
        self.login_saved = SavedNote(self)
        self.log_saved = SavedNote(self)
        version = app_version() or self.tr("development version")
        self.about_label = selectable(QLabel(self.tr("MCP Desk %1").replace("%1", version), self))
        self.about_label.setWordWrap(False)
        self.about_label.setAccessibleName(self.tr("About MCP Desk"))
        layout = self._scrolling_layout()
        title_row = QHBoxLayout()
        title_row.addWidget(heading(self.tr("Settings"), self))
        title_row.addStretch()
        title_row.addWidget(self.about_label)
        layout.addLayout(title_row)
        layout.addWidget(
            hint(
                self.tr(
                    "Changes on this page are saved as you make them, except the chat model: "
                    "you save it with “Save chat model”."
                ),
                self,
            )
        )
        login_row = QHBoxLayout()
        login_row.addWidget(self.login_box)
        login_row.addWidget(self.login_saved)
        login_row.addWidget(
            hint(
                self.tr("Servers marked “Start with MCP Desk” then start too, so their tools are ready."),
                self,
            ),
            1,
        )
        layout.addLayout(login_row)
        layout.addSpacing(SPACING)
        self.keeping_section = KeepingSection(bridge, self)
        layout.addWidget(self.keeping_section)
        layout.addSpacing(SPACING)
        self._add_log_section(layout)
        layout.addSpacing(SPACING)
        self._add_chat_model_section(layout)
        layout.addSpacing(SPACING)
        self.runtimes_section = RuntimesSection(bridge, self)
        layout.addWidget(self.runtimes_section)
        self.gateway_section = GatewaySection(bridge, self)
        layout.addWidget(self.gateway_section)
        layout.addSpacing(SPACING)
        self.registries_section = RegistriesSection(bridge, self)  # for the few with a registry of their own
        layout.addWidget(self.registries_section)
        layout.addStretch()
        bridge.services_ready.connect(self._on_bridge_services_ready)
        self.login_box.toggled.connect(lambda _on: self._save_shown(self.login_saved))
        self.keep_days_box.valueChanged.connect(lambda _days: self._save_shown(self.log_saved))
        self.max_mb_box.valueChanged.connect(lambda _mb: self._save_shown(self.log_saved))
        self.backend_group.idToggled.connect(self._on_backend_group_toggled)
        self.backend_save_button.clicked.connect(self._on_backend_save_button_clicked)
        self.forget_key_button.clicked.connect(self._on_forget_key_button_clicked)

    def _scrolling_layout(self) -> QVBoxLayout:
        """The page's column, inside a scroll area for small windows."""
        content = QWidget(self)
        scroller = QScrollArea(self)
        scroller.setWidget(content)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroller)
        layout = QVBoxLayout(content)
        pad(layout)
        return layout

    def _spin_box(self, field: str, suffix: str, tip: str) -> QSpinBox:
        """A number box for setting `field`, limited as the settings schema limits it."""
        bounds = AppSettings.model_fields[field].metadata
        box = QSpinBox(self)
        box.setRange(
            next(b.ge for b in bounds if hasattr(b, "ge")), next(b.le for b in bounds if hasattr(b, "le"))
        )
        box.setSuffix(suffix)
        box.setToolTip(tip)
        box.setAccessibleName(tip)
        box.setKeyboardTracking(False)
        box.setEnabled(False)
        return box

    def _add_log_section(self, layout: QVBoxLayout) -> None:
        """How long and how much JSON-RPC log is kept on disk."""
        self.keep_days_box = self._spin_box(
            "log_keep_days", self.tr(" days"), self.tr("Log files older than this are deleted")
        )
        self.max_mb_box = self._spin_box(
            "log_max_mb",
            self.tr(" MB"),
            self.tr("When the log files take more space than this, the oldest are deleted"),
        )
        layout.addWidget(heading(self.tr("Message log"), self, scale=1.0))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Keep log files for"), self))
        row.addWidget(self.keep_days_box)
        row.addWidget(QLabel(self.tr("and use at most"), self))
        row.addWidget(self.max_mb_box)
        row.addWidget(self.log_saved)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(
            hint(
                self.tr(
                    "Every message shown on the Log page is also saved on this computer. "
                    "When either limit is reached, the oldest files are deleted first."
                ),
                self,
            )
        )

    def _add_chat_model_section(self, layout: QVBoxLayout) -> None:
        """Whether chat answers come from the model loaded here or from a server elsewhere."""
        self._make_chat_model_fields()
        form = QFormLayout()
        choices = QVBoxLayout()
        choices.addWidget(self.local_radio)
        choices.addWidget(self.remote_radio)
        form.addRow(self.tr("Answers come from:"), choices)
        form.addRow(self.tr("Server address:"), self.url_edit)
        form.addRow(self.tr("Model name:"), self.model_edit)
        form.addRow(self.tr("Its context size:"), self.context_spin)
        form.addRow("", self.images_check)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.forget_key_button)
        key_row.addStretch()
        form.addRow(self.tr("API key:"), key_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backend_save_button)
        buttons.addWidget(self.backend_message, 1)
        buttons.addStretch()
        layout.addWidget(heading(self.tr("Chat model"), self, scale=1.0))
        layout.addLayout(form)
        layout.addWidget(
            hint(self.tr("The key is kept in your system's keychain, never in MCP Desk's files."), self)
        )
        layout.addLayout(buttons)
        self.local_radio.setChecked(True)
        self._enable_backend(False)

    def _make_chat_model_fields(self) -> None:
        self.local_radio = QRadioButton(self.tr("This computer (the model loaded on the Model page)"), self)
        self.remote_radio = QRadioButton(
            self.tr("Another computer: an OpenAI-compatible server (llama.cpp, vLLM, Ollama, LM Studio)"),
            self,
        )
        self.backend_group = QButtonGroup(self)
        self.backend_group.addButton(self.local_radio, 0)
        self.backend_group.addButton(self.remote_radio, 1)
        self.local_radio.setToolTip(self.tr("Chat with the model you load on the Model page"))
        self.remote_radio.setToolTip(self.tr("Chat with a model that another computer runs and shares"))
        self.url_edit = self._line_edit(
            self.tr("For example http://192.168.1.20:8080/v1"),
            self.tr("The address of the other computer's model server, usually ending in /v1"),
        )
        self.model_edit = self._line_edit(
            self.tr("As the server names it, for example qwen2.5:7b"),
            self.tr("The name of the model on that server"),
        )
        self.context_spin = QSpinBox(self)
        self.context_spin.setRange(256, 10_000_000)
        self.context_spin.setSingleStep(1024)
        self.context_spin.setSuffix(self.tr(" tokens"))
        self.context_spin.setMaximumWidth(CONTEXT_WIDTH)
        self.context_spin.setToolTip(
            self.tr("How much text the model can take in at once, as the server runs it")
        )
        self.images_check = QCheckBox(self.tr("This model can see pictures"), self)
        self.images_check.setToolTip(
            self.tr(
                "Tick this for a vision model: pictures that tools return are then shown to it. "
                "Otherwise it is only told that there is a picture it cannot see."
            )
        )
        self.key_edit = self._line_edit(
            self.tr("Leave empty to keep the key saved before"),
            self.tr("The key the other computer's server asks for, if it asks for one"),
        )
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setAccessibleName(self.tr("API key"))
        self.forget_key_button = QPushButton(self.tr("Forget saved key"), self)
        self.forget_key_button.setToolTip(self.tr("Delete the saved key from your keychain"))
        self.backend_save_button = QPushButton(self.tr("Save chat model"), self)
        self.backend_save_button.setToolTip(
            self.tr("Save where chat answers come from, with its address, model name and key")
        )
        self.backend_message = InlineMessage(self)

    def _line_edit(self, placeholder: str, tip: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(tip)
        edit.setClearButtonEnabled(True)
        edit.setMaximumWidth(FIELD_WIDTH)
        return edit

    def _enable_backend(self, ready: bool) -> None:
        remote = self.remote_radio.isChecked()
        self.local_radio.setEnabled(ready)
        self.remote_radio.setEnabled(ready)
        for widget in (
            self.url_edit,
            self.model_edit,
            self.context_spin,
            self.images_check,
            self.key_edit,
            self.forget_key_button,
        ):
            widget.setEnabled(ready and remote)
        self.backend_save_button.setEnabled(ready)

    def _chats(self) -> ChatControl:
        assert self._bridge.chats is not None, "services are not attached yet"
        return self._bridge.chats

    def _show_backend(self, settings: BackendSettings) -> None:
        (self.remote_radio if settings.kind == REMOTE else self.local_radio).setChecked(True)
        self.url_edit.setText(settings.base_url)
        self.model_edit.setText(settings.model)
        self.context_spin.setValue(settings.context)
        self.images_check.setChecked(settings.sees_images)

    def _on_backend_group_toggled(self, _id: int, _checked: bool) -> None:
        self.backend_message.clear()
        self._enable_backend(self._bridge.chats is not None)

    def _chosen_backend(self) -> BackendSettings:
        return BackendSettings(
            REMOTE if self.remote_radio.isChecked() else LOCAL,
            self.url_edit.text().strip(),
            self.model_edit.text().strip(),
            self.context_spin.value(),
            self.images_check.isChecked(),
        )

    def _on_backend_save_button_clicked(self) -> None:
        chosen = self._chosen_backend()
        if chosen.kind == REMOTE and not chosen.base_url.lower().startswith(("http://", "https://")):
            self.backend_message.show_problem(
                self.tr("Enter the server's address, starting with http:// or https://.")
            )
            return
        self._save_backend(chosen, self.key_edit.text() or None, self.tr("Chat model saved."))

    def _on_forget_key_button_clicked(self) -> None:
        self._save_backend(
            self._chats().backend_settings(), "", self.tr("The key is deleted from your keychain.")
        )

    def _save_backend(self, settings: BackendSettings, key: str | None, done: str) -> None:
        self.backend_message.clear()
        self._bridge.call(
            self._chats().save_backend_settings(settings, key),
            lambda _none: self._on_backend_saved(done),
            lambda problem: self.backend_message.show_problem(problem.message),
        )

    def _on_backend_saved(self, done: str) -> None:
        self.key_edit.clear()
        self.backend_message.show_info(done)

    def _settings(self) -> AppSettings:
        assert self._bridge.settings is not None, "services are not attached yet"
        return self._bridge.settings.app_settings()

    def _show(self, settings: AppSettings) -> None:
        boxes = (self.login_box, self.keep_days_box, self.max_mb_box)
        for box in boxes:
            box.blockSignals(True)
        self.login_box.setChecked(settings.start_at_login)
        self.keep_days_box.setValue(settings.log_keep_days)
        self.max_mb_box.setValue(settings.log_max_mb)
        for box in boxes:
            box.blockSignals(False)

    def _on_bridge_services_ready(self) -> None:
        self._show(self._settings())
        for box in (self.login_box, self.keep_days_box, self.max_mb_box):
            box.setEnabled(True)
        if self._bridge.chats is not None:
            self._show_backend(self._chats().backend_settings())
            self._enable_backend(True)
        self.keeping_section.show_ready()
        self.gateway_section.show_ready()

    def _save_shown(self, note: SavedNote) -> None:
        """Save everything the page shows, so quick changes in a row never undo each other;
        `note` says “Saved” once it is."""
        assert self._bridge.settings is not None
        note.clear()
        shown = {
            "start_at_login": self.login_box.isChecked(),
            "log_keep_days": self.keep_days_box.value(),
            "log_max_mb": self.max_mb_box.value(),
        }
        self._bridge.call(
            self._bridge.settings.change_app_settings(shown),
            lambda _none: note.show_saved(),
            self._on_save_failed,
        )

    def _on_save_failed(self, problem: Problem) -> None:
        self._show(self._settings())
        self._bridge.call_failed.emit(problem.message, problem.details)
