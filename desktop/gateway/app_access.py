"""The gateway's bookkeeping without its endpoint: each app's token, its grants, the on/off switch.

Kept in the settings (`GatewaySettings`) and the keyring (`token_secret`), where the endpoint
reads them. `GatewayService`, built beside this one, owns the endpoint and takes this one's
place in `services.py` when both are in; until then nothing listens, and `status` says so.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import anyio

from desktop.core.config import GatewayApp, GatewaySettings
from desktop.core.secrets import SecretStore
from desktop.core.settings import Settings
from desktop.gateway.control import AppAccess, GatewayStatus, token_secret
from desktop.servers.import_formats import ImportSource

NOT_LISTENING = "Other apps can't reach MCP Desk yet: this copy of MCP Desk does not include that part."


class AppAccessBook:
    def __init__(self, settings: Settings, vault: SecretStore) -> None:
        self._settings = settings
        self._vault = vault

    def status(self) -> GatewayStatus:
        gateway = self._settings.app_settings().gateway
        apps = tuple(_access(app, granted.servers) for app, granted in gateway.apps.items())
        return GatewayStatus(gateway.enabled, None, apps, NOT_LISTENING if gateway.enabled else None)

    async def set_enabled(self, enabled: bool) -> GatewayStatus:
        await self._save(self._gateway().model_copy(update={"enabled": enabled}))
        return self.status()

    async def add_app(self, app: str) -> AppAccess:
        if await anyio.to_thread.run_sync(self._vault.get, token_secret(app)) is None:
            token = secrets.token_urlsafe(32)
            await anyio.to_thread.run_sync(self._vault.set, token_secret(app), token)
        gateway = self._gateway()
        if app not in gateway.apps:
            await self._save(gateway.model_copy(update={"apps": {**gateway.apps, app: GatewayApp()}}))
        return _access(app, self._gateway().apps[app].servers)

    async def grant(self, app: str, servers: Sequence[str]) -> AppAccess:
        gateway = self._gateway()
        apps = {**gateway.apps, app: GatewayApp(servers=list(dict.fromkeys(servers)))}
        await self._save(gateway.model_copy(update={"apps": apps}))
        return _access(app, apps[app].servers)

    async def remove_app(self, app: str) -> None:
        await anyio.to_thread.run_sync(self._vault.delete, token_secret(app))
        gateway = self._gateway()
        await self._save(gateway.model_copy(update={"apps": _without(gateway.apps, app)}))

    def _gateway(self) -> GatewaySettings:
        return self._settings.app_settings().gateway

    async def _save(self, gateway: GatewaySettings) -> None:
        settings = self._settings.app_settings()
        await self._settings.save_app_settings(settings.model_copy(update={"gateway": gateway}))


def _without(apps: dict[str, GatewayApp], app: str) -> dict[str, GatewayApp]:
    return {name: granted for name, granted in apps.items() if name != app}


def _access(app: str, servers: Sequence[str]) -> AppAccess:
    try:
        label = ImportSource(app).label
    except ValueError:
        label = app
    return AppAccess(app, label, tuple(servers))
