"""Composition root: builds every service of the app, with or without a window.

The GUI (`desktop.app`), the command line (`desktop.cli`) and the smoke test all build
the same `Services` here; nothing else constructs a service. This module imports neither
Qt nor the UI, so the command line runs without a display.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.autostart import Autostart
from desktop.core.config import AppSettings
from desktop.core.config_history import ConfigHistory
from desktop.core.config_store import ConfigStore, LoadResult
from desktop.core.events import AuditRecorded, EventBus, Notice, Severity
from desktop.core.paths import HOME_ENV, AppPaths
from desktop.core.redact import Redactor
from desktop.core.rpc_log_files import Retention
from desktop.core.settings import Settings
from desktop.servers.defaults import default_config, load_config
from desktop.servers.icons import IconStore
from desktop.servers.leftovers import Leftover, LeftoverRegistry

if TYPE_CHECKING:
    from desktop.catalogue.service import CatalogueService
    from desktop.core.audit import AuditTrail
    from desktop.core.consent import ConsentAsker, ConsentGate
    from desktop.core.rpc_log_service import RpcLogService
    from desktop.core.secrets_service import SecretsService
    from desktop.gateway.app_configs import AppConfigs
    from desktop.gateway.service import GatewayService
    from desktop.llm.chat.service import ChatService
    from desktop.llm.models.library import ModelSource
    from desktop.llm.models.service import ModelService
    from desktop.servers.import_formats import ImportSource
    from desktop.servers.manager import ServerManager
    from desktop.servers.runtime_install import WheelSource
    from desktop.servers.runtime_service import RuntimeService
    from desktop.servers.web_part_install import WebPartService

KEYRING_SERVICE_ENV = "MCP_DESK_KEYRING_SERVICE"
"""Another keyring service name than `mcp-desk` (tests use one of their own)."""
RUNTIME_WHEELS_ENV = "MCP_DESK_RUNTIME_WHEELS"
"""A folder of Node.js and uv wheels to install MCP Desk's own runtimes from before downloading any."""
PYPI_INDEX_ENV = "MCP_DESK_PYPI_INDEX"
"""Another PyPI (a mirror with PyPI's JSON API) to download MCP Desk's own runtimes from."""
APPS_HOME_ENV = "MCP_DESK_APPS_HOME"
"""Another home folder to find the user's other AI apps' settings in (tests name a folder of theirs)."""


@dataclass
class Services:
    paths: AppPaths
    events: EventBus
    loaded: LoadResult
    settings: Settings
    manager: ServerManager
    rpc_log: RpcLogService
    audit: AuditTrail
    redactor: Redactor
    secrets: SecretsService
    models: ModelService
    consent: ConsentGate
    chats: ChatService
    catalogue: CatalogueService
    leftovers_ended: list[Leftover] = field(default_factory=list)
    consent_problem: str | None = None
    runtimes: RuntimeService = field(kw_only=True)
    icons: IconStore | None = None
    gateway: GatewayService = field(kw_only=True)
    apps: AppConfigs = field(kw_only=True)
    web_part: WebPartService | None = None

    def announce_startup_problems(self) -> None:
        """Tell the user about what was repaired on the way up."""
        if self.loaded.problem is not None:
            problem = self.loaded.problem
            self.events.publish(
                Notice("Settings were reset", problem.message, problem.details, Severity.WARNING)
            )
        if self.consent_problem is not None:
            self.events.publish(
                Notice("Tool permissions were reset", self.consent_problem, "", Severity.WARNING)
            )
        if self.audit.problem is not None:
            self.events.publish(
                Notice("A new audit trail was started", self.audit.problem, "", Severity.WARNING)
            )
        if self.loaded.lost is not None:
            self.events.publish(
                Notice(
                    "Servers went missing from your settings",
                    f"{self.loaded.lost.sentence()} "
                    "To bring them back, open Settings and press “Bring them back”.",
                    severity=Severity.WARNING,
                )
            )
        if self.leftovers_ended:
            names = ", ".join(sorted({leftover.server for leftover in self.leftovers_ended}))
            self.events.publish(
                Notice(
                    "Cleaned up after the last session",
                    "MCP Desk ended servers that were still running after it last closed "
                    f"unexpectedly: {names}.",
                )
            )

    async def close(self) -> None:
        """Free the model, stop every server, then write out what the log and audit trail still hold."""
        try:
            await self.gateway.close()
            self.chats.close()
            await asyncio.to_thread(self.models.close)
            await self.manager.shutdown()
        finally:
            self.rpc_log.close()
            await asyncio.to_thread(self.audit.close)


def launch_command() -> list[str]:
    """How the OS should start MCP Desk again (for "start when I sign in")."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "desktop"]


def autostart_for(paths: AppPaths) -> Autostart:
    """With MCP_DESK_HOME set, even the sign-in entry stays inside that folder."""
    if os.environ.get(HOME_ENV):
        root = paths.config_dir.parent
        return Autostart(home=root, environ={"XDG_CONFIG_HOME": str(root / "xdg-config")})
    return Autostart()


def model_locations() -> list[tuple[ModelSource, Path]]:
    """Other apps' model folders, in the user's home even where MCP_DESK_HOME moves MCP Desk's own files.

    MCP_DESK_MODEL_SEARCH_HOME names another home to look in instead (tests name a folder of theirs).
    """
    from desktop.llm.models.locations import SEARCH_HOME_ENV, default_locations

    elsewhere = os.environ.get(SEARCH_HOME_ENV)
    if elsewhere:
        return default_locations(Path(elsewhere), {})
    return default_locations(Path.home(), os.environ)


def wheel_source() -> WheelSource:
    """Where MCP Desk's own Node.js and uv come from: PyPI, or a mirror or a folder the environment names."""
    from desktop.servers.runtime_install import WheelSource
    from desktop.servers.runtime_wheels import PYPI

    wheels = os.environ.get(RUNTIME_WHEELS_ENV)
    return WheelSource(os.environ.get(PYPI_INDEX_ENV, PYPI), Path(wheels) if wheels else None)


def other_apps_files(source: ImportSource) -> list[Path]:
    """Where the user's other AI apps keep their servers, in the home APPS_HOME_ENV names, if any."""
    from desktop.servers.import_formats import default_paths

    elsewhere = os.environ.get(APPS_HOME_ENV)
    if elsewhere:
        return default_paths(source, home=Path(elsewhere), environ={})
    return default_paths(source)


def retention(settings: AppSettings) -> Retention:
    return Retention(keep_days=settings.log_keep_days, max_bytes=settings.log_max_mb * 1024 * 1024)


def build_services(paths: AppPaths, events: EventBus, asker: ConsentAsker) -> Services:
    """Everything but the UI. Imports the `mcp` SDK, so the GUI calls it off the Qt thread.

    `asker` is who the consent gate asks: the window's dialogs, or the terminal.
    """
    import keyring

    from desktop.catalogue.bundle_files import BundleFolders
    from desktop.catalogue.bundles import BundleInstaller
    from desktop.catalogue.service import CatalogueService, Keeping
    from desktop.core.audit import AuditTrail
    from desktop.core.audit_keys import KeyringVault
    from desktop.core.consent import ConsentGate
    from desktop.core.consent_rules import ConsentRules
    from desktop.core.rpc_log_service import RpcLogService
    from desktop.core.secrets import SERVICE, SecretStore
    from desktop.core.secrets_service import SecretsService
    from desktop.core.settings_keeper import SettingsKeeper
    from desktop.gateway.app_configs import AppConfigs
    from desktop.gateway.app_names import LABELS as APP_LABELS
    from desktop.gateway.config_backups import ConfigBackups
    from desktop.gateway.service import GatewayService
    from desktop.gateway.tokens import AppTokens
    from desktop.llm.backends.local import LocalBackend
    from desktop.llm.chat.service import ENDPOINT_KEY_SECRET, ChatBackends, ChatService
    from desktop.llm.chat.store import ChatStore
    from desktop.llm.models.control import HF_TOKEN_SECRET
    from desktop.llm.models.engine import ModelEngine
    from desktop.llm.models.gpu_probe import GpuProbe
    from desktop.llm.models.prefix_cache import PrefixCache
    from desktop.llm.models.service import ModelService
    from desktop.servers.last_failures import LastFailures
    from desktop.servers.manager import Recording, ServerManager
    from desktop.servers.oauth import SystemBrowser
    from desktop.servers.restart_policy import RestartPolicy
    from desktop.servers.revisions import Revisions
    from desktop.servers.runtime_service import RuntimeService
    from desktop.servers.runtimes import ManagedRuntimes
    from desktop.servers.server_requests import ServerRequests
    from desktop.servers.supervisor import Credentials
    from desktop.servers.web_part_install import WebPartService

    paths.ensure()
    paths.files_dir.mkdir(parents=True, exist_ok=True)
    history = ConfigHistory(paths.config_dir / "history")
    store = ConfigStore(paths.config_file, lambda: default_config(paths), history)
    loaded = load_config(store)
    settings = Settings(store, loaded.config, autostart_for(paths), launch_command())
    leftovers = LeftoverRegistry(paths.run_dir)
    ended = leftovers.sweep()
    redactor = Redactor()
    rpc_log = RpcLogService(paths.logs_dir, redactor, events, lambda: retention(settings.app_settings()))
    keyring_backend, keyring_service = keyring.get_keyring(), os.environ.get(KEYRING_SERVICE_ENV, SERVICE)
    audit = AuditTrail(
        paths.audit_file,
        redactor,
        on_record=lambda rec: events.publish(AuditRecorded(rec)),
        keys=KeyringVault(keyring_backend, keyring_service),
    )
    recording = Recording(rpc_log.log, audit, redactor)
    keyring_store = SecretStore(keyring_backend, keyring_service)
    rules = ConsentRules(paths.consent_file, {label: app for app, label in APP_LABELS.items()})
    consent = ConsentGate(rules, asker, audit, events)
    requests = ServerRequests(asker, rules, audit)
    bundle_folders = BundleFolders(paths.bundles_dir)
    bundle_folders.sweep(older_than_s=0)  # bundles opened in the last session and never installed
    runtimes = RuntimeService(ManagedRuntimes.of(paths), wheel_source())
    manager = ServerManager(
        settings,
        events,
        leftovers,
        recording,
        Credentials(keyring_store, SystemBrowser(), settings.app_settings().client_metadata_url),
        consent,
        RestartPolicy(health_every=settings.app_settings().health_check_seconds),
        requests=requests,
        failures=LastFailures(paths.data_dir / "remote-failures.json"),
        revisions=Revisions(paths.data_dir / "protocol-revisions.json"),
        on_removed=bundle_folders.remove,
        runtimes=runtimes,
    )
    secrets = SecretsService(keyring_store, audit, events, redactor, manager.secret_users)
    own_secrets = (ENDPOINT_KEY_SECRET, HF_TOKEN_SECRET)
    settings.attach_keeper(
        SettingsKeeper(settings, store, manager, rules, secrets, events, loaded.lost, own_secrets)
    )
    models = ModelService(
        paths.models_dir,
        settings,
        events,
        vault=keyring_store,
        probe=GpuProbe(),
        engine=ModelEngine(prefix_cache=PrefixCache(paths.cache_dir / "prompt-prefixes")),
        locations=model_locations(),
        calibration_file=paths.data_dir / "fit-calibration.json",
        hub_endpoint=os.environ.get("HF_ENDPOINT"),
    )
    backends = ChatBackends(LocalBackend(models), settings, keyring_store, models)
    chats = ChatService(ChatStore(paths.chats_file), manager, consent, events, backends, reader=manager)
    requests.attach_sampler(chats)
    catalogue = CatalogueService(
        settings,
        manager,
        Keeping(keyring_store, redactor, events),
        paths.data_dir / "catalogue",
        bundles=BundleInstaller(bundle_folders),
    )
    events.subscribe(chats.on_event)  # a model just loaded reads a new chat's tools in the background
    gateway = GatewayService(settings, manager, AppTokens(keyring_store, redactor), rpc_log.log)
    events.subscribe(gateway.on_event)  # a granted server's tools changed: tell the apps
    backups = ConfigBackups(paths.data_dir / "app-settings-backups")
    apps = AppConfigs(manager, gateway, backups, launch_command(), other_apps_files)
    # What exists now (Qt, the SDK, pydantic's schemas) lives as long as the app; keeping
    # it out of the collector's scans took ~10% off every tool call round trip.
    gc.freeze()
    return Services(
        paths,
        events,
        loaded,
        settings,
        manager,
        rpc_log,
        audit,
        redactor,
        secrets,
        models,
        consent,
        chats,
        catalogue,
        ended,
        rules.problem,
        runtimes=runtimes,
        icons=IconStore(paths.cache_dir / "icons"),
        gateway=gateway,
        apps=apps,
        web_part=WebPartService(paths.data_dir, wheel_source()),
    )
