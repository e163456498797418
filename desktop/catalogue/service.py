"""`CatalogueService`: the catalogue of the user's registries, an install's plan, and the install.

The list comes from the copy kept of each registry (`registry_cache`), or, for the official
registry before it was ever read, from the list shipped with MCP Desk; `refresh` asks the
registries again. An install writes an ordinary server (it still waits for the user's approval
to run), its secrets into the keyring first, and remembers the entry and version it came from
(`ServerConfig.origin`), so `updates` can tell when the registry has a newer one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import anyio

from desktop.catalogue.bundle_download import download_bundle
from desktop.catalogue.control import (
    CatalogueListing,
    CatalogueProblem,
    FieldKind,
    Installed,
    InstallPlan,
    Progress,
    Update,
)
from desktop.catalogue.entries import ParsedList, Server, parse_items
from desktop.catalogue.install_plan import BundleRef, Finder, PlannedInstall, plan_server
from desktop.catalogue.install_recipe import build
from desktop.catalogue.install_sandbox import picked_sandbox
from desktop.catalogue.registry import RegistryClient, RegistryProblem, Validators
from desktop.catalogue.registry_cache import SHIPPED, RegistryCache, SavedList, read_list
from desktop.catalogue.secret_keeper import SecretKeeper
from desktop.core.config import OFFICIAL_REGISTRY, CatalogueOrigin, ServerConfig
from desktop.core.events import EventSink, SecretsChanged
from desktop.core.redact import Redactor
from desktop.core.secrets import SecretVault
from desktop.core.settings import Settings
from desktop.servers.launch import find_program
from desktop.servers.manager import ServerManager


@dataclass(frozen=True)
class _Known:
    server: Server
    registry: str
    verified: bool


class Bundles(Protocol):
    """The MCPB bundles' installer (`bundles.BundleInstaller`); each call blocks."""

    def plan(self, path: Path, taken_names: Collection[str]) -> InstallPlan: ...

    def install(
        self, plan: InstallPlan, values: dict[str, str], store_secret: StoreSecret
    ) -> ServerConfig: ...

    def remove(self, config: ServerConfig) -> None: ...


StoreSecret = Callable[[str, str], str]
"""Keeps a value in the keyring under about that name; returns its `${secret:NAME}` reference."""


@dataclass(frozen=True)
class _Shown:
    saved: SavedList
    shipped: bool
    """The list that came with MCP Desk, not one read from the registry."""


@dataclass(frozen=True)
class Keeping:
    """Where secrets go and who hears of them."""

    vault: SecretVault
    redactor: Redactor
    events: EventSink


class CatalogueService:
    def __init__(
        self,
        settings: Settings,
        manager: ServerManager,
        keeping: Keeping,
        folder: Path,
        *,
        client: RegistryClient | None = None,
        shipped: Path = SHIPPED,
        find: Finder = find_program,
        bundles: Bundles | None = None,
    ) -> None:
        self._settings = settings
        self._manager = manager
        self._keeping = keeping
        self._cache = RegistryCache(folder)
        self._client = client or RegistryClient()
        self._shipped = shipped
        self._find = find
        self._known: dict[str, _Known] = {}
        self._planned: dict[str, PlannedInstall] = {}
        self._bundles = bundles
        self._bundle_plans: dict[str, CatalogueOrigin | None] = {}
        """The bundles' plans by token, and the registry entry each came from (None: a file)."""
        self._downloads = folder / "downloads"

    async def listing(self) -> CatalogueListing:
        lists = await anyio.to_thread.run_sync(self._saved_lists)
        return self._listing(lists, live=False, problems=[])

    async def refresh(self) -> CatalogueListing:
        problems: list[str] = []
        for registry in self._registries():
            saved = await anyio.to_thread.run_sync(self._cache.load, registry)
            try:
                fetched = await self._client.fetch(registry, saved.validators if saved else Validators())
            except RegistryProblem as problem:
                problems.append(problem.message)
                continue
            items = fetched.items if fetched.items is not None else (saved.items if saved else ())
            fresh = SavedList(registry, items, fetched.validators, datetime.now(UTC))
            await anyio.to_thread.run_sync(self._cache.save, fresh)
        lists = await anyio.to_thread.run_sync(self._saved_lists)
        return self._listing(lists, live=len(problems) < len(self._registries()), problems=problems)

    async def plan_entry(self, name: str) -> InstallPlan:
        if not self._known:
            await self.listing()
        known = self._known.get(name)
        if known is None:
            raise CatalogueProblem(f"“{name}” is not in the catalogue. Search for it with its name or title.")
        taken = self._taken()
        ready = self._bundles is not None
        planned = plan_server(known.server, known.registry, known.verified, taken, self._find, bundles=ready)
        if planned.bundle is not None and planned.plan.blocked is None:
            return await self._plan_registry_bundle(planned, planned.bundle, taken)
        token = uuid.uuid4().hex
        self._planned[token] = PlannedInstall(replace(planned.plan, token=token), planned.recipe)
        return self._planned[token].plan

    async def plan_bundle(self, path: Path) -> InstallPlan:
        if self._bundles is None:
            raise CatalogueProblem(f"MCP Desk can't install bundle files such as “{path.name}” yet.")
        plan = await anyio.to_thread.run_sync(self._bundles.plan, path, self._taken())
        if plan.token:
            self._bundle_plans[plan.token] = None
        return plan

    async def install(
        self, plan: InstallPlan, values: dict[str, str], progress: Progress | None = None
    ) -> Installed:
        keeper = await self._keeper(plan)
        if plan.token in self._bundle_plans:
            _tell(progress, "Putting the bundle in place")
            config = await self._bundle_config(plan, values, keeper)
        else:
            config = await self._recipe_config(plan, values, keeper)
        origin, sandbox = _described(config.origin, plan), picked_sandbox(plan, values)
        config = config.model_copy(update={"origin": origin, "sandbox": sandbox})
        try:
            await self._manager.add(plan.suggested_name, config)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(keeper.take_back)
                if plan.token in self._bundle_plans and self._bundles is not None:
                    await anyio.to_thread.run_sync(self._bundles.remove, config)
            raise
        if keeper.kept:
            self._keeping.events.publish(SecretsChanged(tuple(keeper.kept)))
        self._planned.pop(plan.token, None)
        self._bundle_plans.pop(plan.token, None)
        return Installed(
            plan.suggested_name,
            f"Added “{plan.suggested_name}”. MCP Desk will ask you to approve it before it first starts.",
        )

    async def updates(self) -> list[Update]:
        """Servers installed from a registry whose entry there now has another version."""
        if not self._known:
            await self.listing()
        found = []
        for status in self._manager.statuses():
            origin = self._manager.config_of(status.name).origin
            known = self._known.get(origin.name) if origin else None
            if origin is None or known is None or known.registry != origin.registry:
                continue
            available = str(known.server.get("version"))
            if available != origin.version:
                message = (
                    f"A newer version of “{status.name}” is available: {available} "
                    f"(you have {origin.version}). Updating it asks for your approval again."
                )
                found.append(Update(status.name, origin.version, available, message))
        return found

    async def update(self, server: str) -> Installed:
        config = self._manager.config_of(server)
        known = await self._entry_of(server, config.origin)
        assert config.origin is not None
        if config.origin.package.startswith("bundle "):
            raise CatalogueProblem(
                f"“{server}” came as a bundle, which MCP Desk can't update in place yet. Install the new "
                "version from Browse servers, then remove this one."
            )
        taken = self._taken() - {server}
        planned = plan_server(known.server, known.registry, known.verified, taken, self._find)
        if planned.recipe is None:
            raise CatalogueProblem(planned.plan.blocked or f"“{server}” can't be updated here.")
        try:
            built = build(planned.recipe, config.origin.values, _no_new_secret)
        except CatalogueProblem as problem:
            raise CatalogueProblem(
                f"The new version of “{server}” asks for something the installed one didn't. Install it "
                "again from Browse servers to fill it in, then remove the old one.",
                details=problem.message,
            ) from problem
        launch = built.config.model_dump(include={"command", "args", "env", "url", "headers", "runtime"})
        updated = config.model_copy(
            update={**launch, "origin": _described(built.config.origin, planned.plan)}
        )
        await self._manager.update(server, updated)
        asks = " MCP Desk will ask you to approve it before it next runs." if not updated.is_trusted else ""
        version = updated.origin.version if updated.origin else ""
        return Installed(server, f"Updated “{server}” to version {version}.{asks}")

    async def _entry_of(self, server: str, origin: CatalogueOrigin | None) -> _Known:
        """The registry's entry `server` was installed from, as the registry lists it now."""
        if not self._known:
            await self.listing()
        known = self._known.get(origin.name) if origin else None
        if origin is None or known is None or known.registry != origin.registry:
            raise CatalogueProblem(
                f"MCP Desk can't find “{server}” in your registries any more, so it can't update it. "
                "Refresh the list in Browse servers, then try again."
            )
        return known

    async def _plan_registry_bundle(
        self, planned: PlannedInstall, bundle: BundleRef, taken: set[str]
    ) -> InstallPlan:
        assert self._bundles is not None and planned.origin is not None
        downloaded = await download_bundle(bundle.url, bundle.sha256, self._downloads)
        try:
            plan = await anyio.to_thread.run_sync(self._bundles.plan, downloaded, taken)
        finally:
            await anyio.Path(downloaded).unlink(missing_ok=True)
        if plan.token:
            self._bundle_plans[plan.token] = planned.origin
        ours = planned.plan
        source = f"{ours.source} ({bundle.url})"
        notes = (*ours.notes, *plan.notes)
        return replace(plan, publisher=ours.publisher, verified=ours.verified, source=source, notes=notes)

    async def _keeper(self, plan: InstallPlan) -> SecretKeeper:
        held = set(self._manager.secret_users())
        if any(item.kind is FieldKind.SECRET for item in plan.fields):  # no keyring needed without secrets
            held |= set(await anyio.to_thread.run_sync(self._keeping.vault.names))
        return SecretKeeper(self._keeping.vault, self._keeping.redactor, plan.suggested_name, held)

    async def _recipe_config(
        self, plan: InstallPlan, values: dict[str, str], keeper: SecretKeeper
    ) -> ServerConfig:
        planned = self._planned.get(plan.token)
        if planned is None:
            raise CatalogueProblem("This install is out of date. Open the server in the catalogue again.")
        if planned.recipe is None or plan.blocked:
            raise CatalogueProblem(
                plan.blocked or planned.plan.blocked or "This server can't be installed here."
            )
        built = build(planned.recipe, values, keeper.name_for)
        try:
            for secret, value in built.secrets.items():
                await anyio.to_thread.run_sync(keeper.keep, secret, value)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(keeper.take_back)
            raise
        return built.config

    async def _bundle_config(
        self, plan: InstallPlan, values: dict[str, str], keeper: SecretKeeper
    ) -> ServerConfig:
        assert self._bundles is not None
        try:
            config = await anyio.to_thread.run_sync(self._bundles.install, plan, values, keeper.keep)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(keeper.take_back)
            raise
        registry = self._bundle_plans[plan.token]
        if registry is None:
            return config
        package = config.origin.package if config.origin else ""
        return config.model_copy(update={"origin": registry.model_copy(update={"package": package})})

    def _taken(self) -> set[str]:
        return {status.name for status in self._manager.statuses()}

    def _registries(self) -> list[str]:
        return list(self._settings.app_settings().registry_urls)

    def _saved_lists(self) -> list[_Shown]:
        lists = []
        for registry in self._registries():
            saved, shipped = self._cache.load(registry), False
            if saved is None and registry == OFFICIAL_REGISTRY:
                saved, shipped = read_list(self._shipped), True
            if saved is not None:
                lists.append(_Shown(saved, shipped))
        return lists

    def _listing(self, lists: list[_Shown], live: bool, problems: list[str]) -> CatalogueListing:
        known: dict[str, _Known] = {}
        entries = []
        for saved in (shown.saved for shown in lists):
            verified = saved.registry == OFFICIAL_REGISTRY
            parsed: ParsedList = parse_items(saved.items, verified)
            for entry in parsed.entries:
                if entry.name not in known:
                    known[entry.name] = _Known(parsed.servers[entry.name], saved.registry, verified)
                    entries.append(entry)
        self._known = known
        source = _source(lists)
        problem = f"{' '.join(problems)} Showing {source[0].lower()}{source[1:]}." if problems else None
        shipped, updated = (lists[0].shipped, lists[0].saved.fetched_at) if lists else (False, None)
        return CatalogueListing(tuple(entries), source, live and not problems, problem, shipped, updated)


def _source(lists: list[_Shown]) -> str:
    if not lists:
        return "No list of servers yet (no connection to the registry)"
    first = lists[0].saved
    others = f", and {len(lists) - 1} other registries" if len(lists) > 1 else ""
    when = f"{first.fetched_at.day} {first.fetched_at:%B %Y}"
    if lists[0].shipped:
        return f"The list shipped with MCP Desk on {when} (no connection to the registry){others}"
    name = "The MCP Registry" if first.registry == OFFICIAL_REGISTRY else f"The registry at {first.registry}"
    return f"{name}, as read on {when}{others}"


def _no_new_secret(key: str) -> str:
    """An update has only the references kept at install: a secret value here is a new one."""
    raise CatalogueProblem(f"“{key}” is a new secret")


def _described(origin: CatalogueOrigin | None, plan: InstallPlan) -> CatalogueOrigin | None:
    """`origin` with who publishes it, what runs and where it came from, as the plan said them."""
    if origin is None:
        return None
    package = origin.package or plan.package
    return origin.model_copy(
        update={"title": plan.title, "publisher": plan.publisher, "package": package, "source": plan.source}
    )


def _tell(progress: Progress | None, what: str) -> None:
    if progress is not None:
        progress(what, None)
