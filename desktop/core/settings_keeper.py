"""Settings that can't be lost: their history, bringing back lost servers, export and import.

A restore, a bring-back and an import change the servers through the server side (`ServerRoster`,
which the `ServerManager` is), so running servers stop and restart as an edit would, and make one
new snapshot. An import puts the secrets in the keyring first, then the permissions, the
settings last; if the settings can't all be changed, the ones changed are put back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from desktop.core.atomic_file import replaced_atomically
from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_history import Snapshot, changes_between
from desktop.core.consent_rules import ConsentRule, ConsentRules, RuleScope, ServerPolicy
from desktop.core.events import EventSink, RulesChanged
from desktop.core.problem import Problem
from desktop.core.sealed_file import seal, unseal
from desktop.core.secret_refs import SecretsError
from desktop.core.secrets import KeyringUnavailable
from desktop.core.settings import SettingsProblem
from desktop.core.settings_bundle import Bundle, ExportResult, ImportPreview

if TYPE_CHECKING:
    from desktop.core.config_store import ConfigStore, LostServers
    from desktop.core.secrets_service import SecretsService
    from desktop.core.settings import Settings

MIN_PASSPHRASE = 8


class ServerRoster(Protocol):
    """Adding, changing and removing servers as the server side does it (stopping them first)."""

    async def add(self, name: str, config: ServerConfig) -> None: ...
    async def update(self, name: str, config: ServerConfig, new_name: str | None = None) -> None: ...
    async def remove(self, name: str) -> None: ...


class KeepingControl(Protocol):
    """What the window and the command line may ask (coroutines run on the service loop)."""

    def lost_servers(self) -> LostServers | None: ...
    async def history(self) -> list[Snapshot]: ...
    async def restore(self, number: int) -> None: ...
    async def bring_back(self) -> tuple[str, ...]: ...
    async def export_to(self, path: Path, passphrase: str) -> ExportResult: ...
    async def preview_import(self, path: Path, passphrase: str) -> ImportPreview: ...
    async def apply_import(self, preview: ImportPreview) -> None: ...


@dataclass(frozen=True)
class _Pending:
    preview: ImportPreview
    config: AppConfig
    bundle: Bundle


class SettingsKeeper:
    """Implements `KeepingControl`; `app_secrets` are the app's own secrets an export carries when set."""

    def __init__(
        self,
        settings: Settings,
        store: ConfigStore,
        roster: ServerRoster,
        rules: ConsentRules,
        secrets: SecretsService,
        events: EventSink,
        lost: LostServers | None = None,
        app_secrets: tuple[str, ...] = (),
    ) -> None:
        assert store.history is not None, "keeping settings needs their history"
        self._history = store.history
        self._settings, self._store, self._roster = settings, store, roster
        self._rules, self._secrets, self._events = rules, secrets, events
        self._lost = lost
        self._app_secrets = app_secrets
        self._pending: _Pending | None = None

    def lost_servers(self) -> LostServers | None:
        return self._lost

    async def history(self) -> list[Snapshot]:
        return await asyncio.to_thread(self._history.snapshots)

    async def restore(self, number: int) -> None:
        snapshot = await self._snapshot_config(number)
        await self._become(snapshot, f"Restored version {number}")

    async def bring_back(self) -> tuple[str, ...]:
        """Add back the servers removed outside MCP Desk, as the snapshot before had them."""
        if self._lost is None:
            return ()
        kept = (await self._snapshot_config(self._lost.snapshot)).servers
        current = self._settings.config
        back = {name: kept[name] for name in self._lost.names if name in kept and name not in current.servers}
        await self._become(
            current.model_copy(update={"servers": {**current.servers, **back}}),
            "Brought back servers removed outside MCP Desk",
        )
        self._lost = None
        return tuple(back)

    async def export_to(self, path: Path, passphrase: str) -> ExportResult:
        if len(passphrase) < MIN_PASSPHRASE:
            raise SettingsProblem(f"Use a passphrase of at least {MIN_PASSPHRASE} characters.")
        config = self._settings.config
        wanted = await self._secrets_to_carry()
        bundle = Bundle(
            datetime.now(UTC).isoformat(timespec="seconds"),
            json.loads(config.to_json()),
            tuple(rule for rule in self._rules.rules() if _lasting(rule)),
            {
                name: policy
                for name in config.servers
                if (policy := self._rules.policy(name)) != ServerPolicy()
            },
            {name: await self._secrets.reveal(name) for name in wanted},
        )
        try:
            await asyncio.to_thread(_write_sealed, path, bundle.to_bytes(), passphrase)
        except OSError as error:
            raise SettingsProblem(
                f"MCP Desk could not write “{path}”. Choose another folder, or check the disk is not full.",
                str(error),
            ) from error
        return ExportResult(path, len(config.servers), len(bundle.rules), len(bundle.secrets))

    async def _secrets_to_carry(self) -> list[str]:
        """The secrets set that the servers use, and the app's own; none where no keyring can hold any."""
        try:
            infos = await self._secrets.secrets()
        except KeyringUnavailable:
            return []
        return [i.name for i in infos if i.is_set and (i.used_by or i.name in self._app_secrets)]

    async def preview_import(self, path: Path, passphrase: str) -> ImportPreview:
        """What importing `path` would change; nothing changes until `apply_import`."""
        try:
            blob = await asyncio.to_thread(path.read_bytes)
        except OSError as error:
            raise SettingsProblem(
                f"MCP Desk could not read “{path}”. Check the file is there; nothing was changed.", str(error)
            ) from error
        bundle = Bundle.from_bytes(await asyncio.to_thread(unseal, blob, passphrase))
        current = self._settings.config
        try:
            incoming = self._store.parse(bundle.config)
        except ValueError as error:
            raise SettingsProblem(
                "The settings in this file can't be used by this version of MCP Desk; nothing was changed.",
                str(error),
            ) from error
        config = _as_here(incoming, current)
        changes = changes_between(json.loads(current.to_json()), json.loads(config.to_json()))
        preview = ImportPreview(
            path,
            bundle.created,
            changes.added,
            changes.changed,
            changes.settings,
            len(bundle.rules),
            tuple(sorted(bundle.secrets)),
        )
        self._pending = _Pending(preview, config, bundle)
        return preview

    async def apply_import(self, preview: ImportPreview) -> None:
        pending = self._pending
        if pending is None or pending.preview != preview:
            raise SettingsProblem("Open the file again before importing it: the preview is out of date.")
        for name, value in pending.bundle.secrets.items():
            await self._secrets.set(name, value)
        for rule in pending.bundle.rules:
            await asyncio.to_thread(self._rules.add, rule)
        for server, policy in pending.bundle.policies.items():
            await asyncio.to_thread(self._rules.set_policy, server, **asdict(policy))
        self._events.publish(RulesChanged())
        current = self._settings.config
        merged = current.model_copy(
            update={
                "servers": {**current.servers, **pending.config.servers},
                "settings": pending.config.settings,
            }
        )
        await self._become(merged, f"Imported “{preview.path.name}”")
        self._pending = None

    async def _snapshot_config(self, number: int) -> AppConfig:
        try:
            return self._store.parse(dict(await asyncio.to_thread(self._history.settings_of, number)))
        except LookupError as error:
            raise SettingsProblem(
                f"Version {number} of the settings is no longer kept. Choose one from the list."
            ) from error
        except ValueError as error:
            raise SettingsProblem(
                f"Version {number} of the settings can't be read by this MCP Desk. Choose another one.",
                str(error),
            ) from error

    async def _become(self, target: AppConfig, note: str) -> None:
        """Change the servers and settings to `target`'s, as one snapshot; on a failure, put them back."""
        before = self._settings.config.model_copy(deep=True)
        with self._store.one_snapshot(note):
            try:
                await self._change(before, target)
            except (Problem, SecretsError, OSError) as error:
                with contextlib.suppress(Problem, SecretsError, OSError):
                    await self._change(self._settings.config.model_copy(deep=True), before)
                raise SettingsProblem(
                    "MCP Desk could not change every setting, so it put back the ones it had changed. "
                    "Check that the disk is not full and try again.",
                    str(error),
                ) from error

    async def _change(self, current: AppConfig, target: AppConfig) -> None:
        settings = target.settings.model_copy(update={"start_at_login": current.settings.start_at_login})
        if settings != current.settings:
            self._settings.replace(self._settings.config.model_copy(update={"settings": settings}))
        for name in current.servers.keys() - target.servers.keys():
            await self._roster.remove(name)
        for name, server in target.servers.items():
            old = current.servers.get(name)
            if old is None:
                await self._roster.add(name, server)
            elif old != server:
                await self._roster.update(name, server)


def _as_here(incoming: AppConfig, current: AppConfig) -> AppConfig:
    """The file's settings as this computer takes them: its own “start when I sign in”, and a server
    approved to run only where this computer approved the same launch (a file can't approve one)."""
    servers = {}
    for name, server in incoming.servers.items():
        old = current.servers.get(name)
        servers[name] = server.model_copy(update={"trusted_launch": old.trusted_launch if old else None})
    settings = incoming.settings.model_copy(update={"start_at_login": current.settings.start_at_login})
    return incoming.model_copy(update={"servers": servers, "settings": settings})


def _lasting(rule: ConsentRule) -> bool:
    """A choice for good: not one chat's, not “until I quit”, not run out."""
    return rule.scope is RuleScope.ALWAYS and not rule.until_quit and not rule.expired(time.time())


def _write_sealed(path: Path, data: bytes, passphrase: str) -> None:
    sealed = seal(data, passphrase)
    with replaced_atomically(path, binary=True) as out:
        out.write(sealed)
