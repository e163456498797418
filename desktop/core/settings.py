"""The app's settings file as one service: the server list, the app's own settings, and
"start MCP Desk when I sign in"; their history, export and import through `keeping()`.

`Settings` implements `SettingsControl` for the UI and is handed to the server manager, the
model service and the chat side, which each read and change their own part here. Every
change is written at once (atomically, the previous version kept; see `ConfigStore`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from desktop.core.config import AppConfig, AppSettings, ChatBackendConfig, ModelSettings, ServerConfig
from desktop.core.problem import Problem

if TYPE_CHECKING:
    from desktop.core.autostart import Autostart
    from desktop.core.config_store import ConfigStore
    from desktop.core.settings_keeper import KeepingControl


class SettingsProblem(Problem):
    """The settings could not be saved."""


class SettingsControl(Protocol):
    """What the window may ask of the settings (coroutines run on the service loop)."""

    def app_settings(self) -> AppSettings: ...
    async def save_app_settings(self, settings: AppSettings) -> None: ...
    async def change_app_settings(self, changes: Mapping[str, Any]) -> AppSettings: ...
    def keeping(self) -> KeepingControl: ...


class Settings:
    """Implements `SettingsControl`; `model_settings` and `chat_backend` serve the model and chat sides."""

    def __init__(
        self, store: ConfigStore, config: AppConfig, autostart: Autostart, launch_command: list[str]
    ) -> None:
        self._store = store
        self._config = config
        self._autostart = autostart
        self._launch_command = launch_command
        self._keeper: KeepingControl | None = None

    def attach_keeper(self, keeper: KeepingControl) -> None:
        """The keeper needs the server side, which is built after the settings."""
        self._keeper = keeper

    def keeping(self) -> KeepingControl:
        if self._keeper is None:
            raise SettingsProblem("MCP Desk is still starting. Try again in a moment.")
        return self._keeper

    @property
    def config(self) -> AppConfig:
        return self._config

    def app_settings(self) -> AppSettings:
        return self._config.settings

    async def save_app_settings(self, settings: AppSettings) -> None:
        """Save `settings`, switching "start when I sign in" first when it changed.

        Raises `AutostartError` when the switch failed; nothing is saved then.
        """
        if settings.start_at_login != self._autostart.is_enabled():
            if settings.start_at_login:
                self._autostart.enable(self._launch_command)
            else:
                self._autostart.disable()
        self.replace(self._config.model_copy(update={"settings": settings}))

    async def change_app_settings(self, changes: Mapping[str, Any]) -> AppSettings:
        """Save only the settings named in `changes`, on top of what is saved when this runs.

        A whole `AppSettings` read on the window's thread and saved later brings back what another
        part (the gateway, a model, a second quick change) saved in between; this never does.
        """
        settings = self._config.settings.model_copy(update=dict(changes))
        await self.save_app_settings(settings)
        return settings

    def model_settings(self) -> ModelSettings:
        return self._config.settings.models

    async def save_model_settings(self, settings: ModelSettings) -> None:
        self._save_part(models=settings)

    def chat_backend(self) -> ChatBackendConfig:
        return self._config.settings.chat

    async def save_chat_backend(self, backend: ChatBackendConfig) -> None:
        self._save_part(chat=backend)

    def put_server(self, name: str, server: ServerConfig, *, save: bool = True) -> None:
        self._config.servers[name] = server
        if save:
            self.save()

    def drop_server(self, name: str) -> None:
        self._config.servers.pop(name, None)

    def replace(self, config: AppConfig) -> None:
        """Take `config` as the whole settings and save it."""
        self._config = config
        self.save()

    def save(self) -> None:
        try:
            self._store.save(self._config)
        except OSError as exc:
            raise SettingsProblem(
                "MCP Desk could not save its settings. Check that the disk is not full.", str(exc)
            ) from exc

    def _save_part(self, **part: object) -> None:
        settings = self._config.settings.model_copy(update=part)
        self.replace(self._config.model_copy(update={"settings": settings}))
