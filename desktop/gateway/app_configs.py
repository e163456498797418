"""MCP Desk's entry in the user's other AI apps' settings: found, previewed, written, undone.

`AppConfigs` implements `AppConfigControl`. A change is shown before it is written; writing
checks the file is still what was shown, keeps a backup (`config_backups`) and replaces the
file in one step. Moving an app's servers imports them through the server manager's own
import (found keys and tokens to the keyring), grants them to that app in the gateway, and
only then takes them out of the app's file. A file MCP Desk can't change safely is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from desktop.core.config import ServerConfig
from desktop.core.events import ServerStatus
from desktop.gateway.app_files import (
    ENTRY_NAME,
    AppFile,
    is_own_entry,
    own_entry,
    read_app_file,
    settings_file,
)
from desktop.gateway.config_backups import ConfigBackups, digest
from desktop.gateway.config_edit import EditRefused, JsonDocument
from desktop.gateway.control import ConfigChange, FoundApp, GatewayControl, GatewayProblem
from desktop.servers.import_formats import ImportSource, default_paths, translate_entry
from desktop.servers.importers import ImportPlan


class ImportingServers(Protocol):
    """What moving servers needs of the server manager: its own import, and the servers it has."""

    def statuses(self) -> list[ServerStatus]: ...
    def config_of(self, name: str) -> ServerConfig: ...
    async def preview_import(self, source: ImportSource, path: Path | None) -> ImportPlan: ...
    async def apply_import(self, plan: ImportPlan, move_secrets: bool = True) -> list[str]: ...


class AppConfigs:
    def __init__(
        self,
        servers: ImportingServers,
        gateway: GatewayControl,
        backups: ConfigBackups,
        launch: Sequence[str],
        where: Callable[[ImportSource], list[Path]] = default_paths,
    ) -> None:
        """`launch` starts MCP Desk (the entry adds `connect --app ID`); `where` lists an app's files."""
        self._servers = servers
        self._gateway = gateway
        self._backups = backups
        self._launch = tuple(launch)
        self._where = where

    def found(self) -> list[FoundApp]:
        """The apps on this computer (their settings file or folder is), in the order MCP Desk knows them."""
        found = []
        for source in ImportSource:
            path = self._path(source)
            if path is not None:
                found.append(self._found(source, path))
        return found

    def _found(self, source: ImportSource, path: Path) -> FoundApp:
        try:
            servers = read_app_file(source, path).servers()
        except EditRefused as refused:
            return FoundApp(source.value, source.label, path, (), False, *_left_alone(source, path, refused))
        own = [name for name, raw in servers.items() if is_own_entry(name, raw)]
        others = tuple(name for name in servers if name not in own)
        in_desk = self._in_desk(source, {name: servers[name] for name in others})
        return FoundApp(source.value, source.label, path, others, connected=bool(own), in_desk=in_desk)

    def _in_desk(self, source: ImportSource, servers: dict[str, object]) -> tuple[str, ...]:
        """Those of `servers` that MCP Desk has already: it would launch them the same way."""
        desk = {_launch(self._servers.config_of(status.name)) for status in self._servers.statuses()}
        return tuple(
            name
            for name, raw in servers.items()
            if (config := translate_entry(source, raw, {}).config) is not None and _launch(config) in desk
        )

    async def preview_connect(self, app: str, move_servers: bool = False) -> ConfigChange:
        source, file = self._read(app)
        servers = file.servers()
        own = [name for name, raw in servers.items() if is_own_entry(name, raw)]
        moved: tuple[str, ...] = ()
        stays: tuple[str, ...] = ()
        secrets = 0
        if move_servers:
            plan = await self._servers.preview_import(source, file.path)
            usable = {entry.original_name: entry for entry in plan.entries if entry.config is not None}
            there = self._in_desk(source, servers)
            moved = tuple(name for name in servers if name in usable and name not in (*own, *there))
            stays = tuple(name for name in servers if name not in usable and name not in own)
            secrets = sum(len(usable[name].found_secrets) for name in moved)
        entry = own_entry(source, self._launch, app)
        already = own == [ENTRY_NAME] and servers[ENTRY_NAME] == entry
        after = self._edit(
            file,
            lambda doc: (
                doc.without_entries(file.section, [*own, *moved]).with_entry(file.section, ENTRY_NAME, entry)
                if moved or not already
                else doc
            ),
        )
        summary = _connect_summary(
            source.label, already, moved, stays, secrets, self._gateway.status().enabled
        )
        return ConfigChange(app, source.label, file.path, file.document.text, after, summary, moved)

    async def preview_disconnect(self, app: str) -> ConfigChange:
        source, file = self._read(app)
        own = [name for name, raw in file.servers().items() if is_own_entry(name, raw)]
        after = self._edit(file, lambda doc: doc.without_entries(file.section, own))
        label = source.label
        summary = (
            f"Removes MCP Desk from {label}'s servers. {label} keeps its other servers."
            if own
            else f"MCP Desk is not among {label}'s servers, so there is nothing to change."
        )
        return ConfigChange(app, label, file.path, file.document.text, after, summary)

    async def apply(self, change: ConfigChange) -> tuple[str, ...]:
        source, file = self._read(change.app)
        if file.document.text != change.before:
            raise GatewayProblem(
                f"{source.label}'s settings changed since MCP Desk showed you this change. "
                "Look at the change again, then apply it."
            )
        granted = await self._import(source, file.path, change.moved) if change.moved else []
        if _connects(file, change.after):
            await self._gateway.add_app(change.app)
            if granted:
                await self._grant(change.app, granted)
        if change.after != change.before:
            self._backups.write(change.app, file.path, file.raw, file.encode(change.after))
        return tuple(granted)

    async def undo(self, app: str) -> None:
        label = _source(app).label
        last = self._backups.last(app)
        if last is None:
            raise GatewayProblem(f"MCP Desk has not changed {label}'s settings, so there is nothing to undo.")
        try:
            unchanged = digest(last.path.read_bytes()) == last.written
        except OSError:
            unchanged = False
        if not unchanged:
            kept = f" What the file held before is kept at {last.backup}." if last.backup else ""
            raise GatewayProblem(
                f"{label}'s settings changed after MCP Desk changed them, so Undo would lose those "
                f"changes.{kept}"
            )
        self._backups.restore(app, last)

    def _path(self, source: ImportSource) -> Path | None:
        return settings_file(source, self._where(source))

    def _read(self, app: str) -> tuple[ImportSource, AppFile]:
        source = _source(app)
        path = self._path(source)
        if path is None:
            raise GatewayProblem(
                f"{source.label}'s settings were not found on this computer. "
                f"Open {source.label} once (or add a server there), then try again."
            )
        try:
            return source, read_app_file(source, path)
        except EditRefused as refused:
            raise GatewayProblem(*_left_alone(source, path, refused)) from None

    @staticmethod
    def _edit(file: AppFile, change: Callable[[JsonDocument], JsonDocument]) -> str:
        try:
            return change(file.document).text
        except EditRefused as refused:
            raise GatewayProblem(*_left_alone(file.source, file.path, refused)) from None

    async def _import(self, source: ImportSource, path: Path, moved: Sequence[str]) -> list[str]:
        """Import the servers named `moved`; their names in MCP Desk (which may differ)."""
        plan = await self._servers.preview_import(source, path)
        chosen = tuple(entry for entry in plan.entries if entry.original_name in moved and entry.config)
        wanted = ImportPlan(plan.source, plan.path, chosen)
        added = await self._servers.apply_import(wanted, True)
        renamed = dict(zip([entry.original_name for entry in wanted.to_import], added, strict=True))
        return [renamed.get(entry.original_name, entry.name) for entry in chosen]

    async def _grant(self, app: str, names: Sequence[str]) -> None:
        current = next((access.servers for access in self._gateway.status().apps if access.app == app), ())
        await self._gateway.grant(app, [*current, *(name for name in names if name not in current)])


def _source(app: str) -> ImportSource:
    try:
        return ImportSource(app)
    except ValueError:
        known = ", ".join(source.value for source in ImportSource)
        raise GatewayProblem(f"MCP Desk doesn't know an app called “{app}”. It knows: {known}.") from None


def _connects(file: AppFile, text: str) -> bool:
    servers = JsonDocument.parse(text, file.document.jsonc).section(file.section)
    return any(is_own_entry(name, raw) for name, raw in servers.items())


def _launch(config: ServerConfig) -> tuple[str | None, tuple[str, ...], str | None]:
    return config.command, tuple(config.args), config.url


def _left_alone(source: ImportSource, path: Path, refused: EditRefused) -> tuple[str, str]:
    """Why MCP Desk won't change the file, in a sentence; and where it is and what is wrong, to fix it."""
    damaged = isinstance(refused.__cause__, json.JSONDecodeError | RecursionError)
    what = "is damaged" if damaged else str(refused)
    return (
        f"{source.label}'s settings file {what}, so MCP Desk won't change it.",
        f"{path} {refused}. Fix it in a text editor or in {source.label}, then try again.",
    )


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _connect_summary(
    label: str, already: bool, moved: Sequence[str], stays: Sequence[str], secrets: int, sharing: bool
) -> str:
    if already and not moved:
        return f"MCP Desk is already among {label}'s servers, so there is nothing to change."
    parts = [
        f"MCP Desk is already among {label}'s servers."
        if already
        else f"Adds MCP Desk to {label}'s servers, so {label} can use the servers you choose here."
    ]
    if moved:
        it, they = ("it", "It") if len(moved) == 1 else ("them", "They")
        parts.append(
            f"Moves {_names(moved)} from {label} into MCP Desk: {label} will stop running {it} itself. "
            f"{they}'ll work again in {label} once {'' if sharing else 'sharing is on and '}"
            f"you've approved {it} in MCP Desk, after you restart {label}."
        )
    if secrets:
        parts.append("The keys and tokens in their settings go to your system's keychain.")
    if stays:
        verb = "stays" if len(stays) == 1 else "stay"
        parts.append(
            f"{_names(stays)} {verb} in {label}: MCP Desk can't run {'it' if len(stays) == 1 else 'them'}."
        )
    parts.append(f"{label}'s other settings are not touched.")
    return "\n".join(parts)
