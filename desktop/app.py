"""Composition root: builds every service, wires the UI, owns start-up and shutdown.

The window is painted before the `mcp` SDK is imported (that import alone takes over
a second): the service side is built on the service thread and attached to the
window when it is ready.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.autostart import Autostart
from desktop.core.config import AppSettings, ChatBackendConfig, ModelSettings
from desktop.core.config_store import ConfigStore, LoadResult
from desktop.core.events import AuditRecorded, EventBus, Notice
from desktop.core.paths import HOME_ENV, AppPaths
from desktop.core.redact import Redactor
from desktop.core.rpc_log_files import Retention
from desktop.core.service_loop import ServiceLoop
from desktop.servers.bundled import RUN_SERVER_FLAG, run_server
from desktop.servers.defaults import default_config, load_config
from desktop.servers.leftovers import Leftover, LeftoverRegistry

if TYPE_CHECKING:
    from desktop.core.audit import AuditTrail
    from desktop.core.consent import ConsentAsker, ConsentGate
    from desktop.core.rpc_log_service import RpcLogService
    from desktop.core.secrets_service import SecretsService
    from desktop.llm.chat_control import BackendSettings
    from desktop.llm.chat_service import ChatService
    from desktop.llm.library import ModelSource
    from desktop.llm.model_service import ModelService
    from desktop.servers.manager import ServerManager
    from desktop.ui.bridge import Controls

SHUTDOWN_TIMEOUT = 15.0
KEYRING_SERVICE_ENV = "MCP_DESK_KEYRING_SERVICE"
"""Another keyring service name than `mcp-desk` (tests use one of their own)."""


@dataclass
class Services:
    paths: AppPaths
    events: EventBus
    loaded: LoadResult
    manager: ServerManager
    rpc_log: RpcLogService
    audit: AuditTrail
    redactor: Redactor
    secrets: SecretsService
    models: ModelService
    consent: ConsentGate
    chats: ChatService
    leftovers_ended: list[Leftover] = field(default_factory=list)
    consent_problem: str | None = None

    def announce_startup_problems(self) -> None:
        """Tell the user about what was repaired on the way up."""
        if self.loaded.problem is not None:
            problem = self.loaded.problem
            self.events.publish(Notice("Settings were reset", problem.message, problem.details))
        if self.consent_problem is not None:
            self.events.publish(Notice("Tool permissions were reset", self.consent_problem))
        if self.audit.problem is not None:
            self.events.publish(Notice("A new audit trail was started", self.audit.problem))
        if self.leftovers_ended:
            names = ", ".join(sorted({leftover.server for leftover in self.leftovers_ended}))
            self.events.publish(
                Notice(
                    "Cleaned up after the last session",
                    "MCP Desk ended servers that were still running after it last closed "
                    f"unexpectedly: {names}.",
                )
            )

    def controls(self) -> Controls:
        """Everything the window may ask of these services."""
        from desktop.ui.bridge import Controls

        return Controls(
            self.manager,
            self.rpc_log,
            self.audit,
            self.secrets,
            self.models,
            self.consent,
            self.chats,
            self.diagnostic_report,
        )

    async def diagnostic_report(self) -> str:
        from desktop.diagnostics import diagnose

        return (await diagnose(self)).text()

    async def close(self) -> None:
        """Free the model, stop every server, then write out what the log and audit trail still hold."""
        try:
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


def model_locations(paths: AppPaths) -> list[tuple[ModelSource, Path]]:
    """Other apps' model folders; with MCP_DESK_HOME set, looked for inside it, as a home."""
    from desktop.llm.library import default_locations

    if os.environ.get(HOME_ENV):
        return default_locations(paths.config_dir.parent / "home", {})
    return default_locations(Path.home(), os.environ)


def build_services(paths: AppPaths, events: EventBus, asker: ConsentAsker) -> Services:
    """Everything but the UI. Imports the `mcp` SDK, so the GUI calls it off the Qt thread.

    `asker` is who the consent gate asks: the window's dialogs, or the terminal.
    """
    import keyring

    from desktop.core.audit import AuditTrail
    from desktop.core.consent import ConsentGate
    from desktop.core.consent_rules import ConsentRules
    from desktop.core.rpc_log_service import RpcLogService
    from desktop.core.secrets import SERVICE, SecretStore
    from desktop.core.secrets_service import SecretsService
    from desktop.llm.chat_service import ChatBackends, ChatService
    from desktop.llm.chat_store import ChatStore
    from desktop.llm.engine import ModelEngine
    from desktop.llm.gpu import GpuProbe
    from desktop.llm.local_backend import LocalBackend
    from desktop.llm.model_service import ModelService
    from desktop.servers.manager import Recording, ServerManager
    from desktop.servers.oauth import SystemBrowser
    from desktop.servers.server_requests import ServerRequests
    from desktop.servers.supervisor import Credentials

    paths.ensure()
    paths.files_dir.mkdir(parents=True, exist_ok=True)
    store = ConfigStore(paths.config_file, lambda: default_config(paths))
    loaded = load_config(store)
    leftovers = LeftoverRegistry(paths.run_dir)
    ended = leftovers.sweep()
    redactor = Redactor()
    rpc_log = RpcLogService(paths.logs_dir, redactor, events, lambda: retention(manager.app_settings()))
    audit = AuditTrail(paths.audit_file, redactor, on_record=lambda rec: events.publish(AuditRecorded(rec)))
    recording = Recording(rpc_log.log, audit, redactor)
    keyring_store = SecretStore(keyring.get_keyring(), os.environ.get(KEYRING_SERVICE_ENV, SERVICE))
    rules = ConsentRules(paths.consent_file)
    consent = ConsentGate(rules, asker, audit, events)
    requests = ServerRequests(asker, rules, audit)
    manager = ServerManager(
        store,
        loaded.config,
        events,
        leftovers,
        autostart_for(paths),
        launch_command(),
        recording,
        Credentials(keyring_store, SystemBrowser()),
        consent,
        requests=requests,
    )
    secrets = SecretsService(keyring_store, audit, events, redactor, manager.secret_users)
    settings = ManagerSettings(manager)
    models = ModelService(
        paths.models_dir,
        settings,
        events,
        vault=keyring_store,
        probe=GpuProbe(),
        engine=ModelEngine(),
        locations=model_locations(paths),
        calibration_file=paths.data_dir / "fit-calibration.json",
        hub_endpoint=os.environ.get("HF_ENDPOINT"),
    )
    backends = ChatBackends(LocalBackend(models), settings, keyring_store)
    chats = ChatService(ChatStore(paths.chats_file), manager, consent, events, backends)
    requests.attach_sampler(chats)
    # What exists now (Qt, the SDK, pydantic's schemas) lives as long as the app; keeping
    # it out of the collector's scans took ~10% off every tool call round trip.
    gc.freeze()
    return Services(
        paths,
        events,
        loaded,
        manager,
        rpc_log,
        audit,
        redactor,
        secrets,
        models,
        consent,
        chats,
        ended,
        rules.problem,
    )


class ManagerSettings:
    """The model and chat sides' settings live in config.json, which the server manager writes."""

    def __init__(self, manager: ServerManager) -> None:
        self._manager = manager

    def model_settings(self) -> ModelSettings:
        return self._manager.app_settings().models

    async def save_model_settings(self, settings: ModelSettings) -> None:
        current = self._manager.app_settings()
        await self._manager.save_app_settings(current.model_copy(update={"models": settings}))

    def backend_settings(self) -> BackendSettings:
        from desktop.llm.chat_control import BackendSettings

        chat = self._manager.app_settings().chat
        return BackendSettings(chat.kind, chat.base_url, chat.model, chat.context)

    async def save_backend_settings(self, settings: BackendSettings) -> None:
        chat = ChatBackendConfig.model_validate(vars(settings))
        current = self._manager.app_settings()
        await self._manager.save_app_settings(current.model_copy(update={"chat": chat}))


def retention(settings: AppSettings) -> Retention:
    return Retention(keep_days=settings.log_keep_days, max_bytes=settings.log_max_mb * 1024 * 1024)


def main(argv: list[str] | None = None) -> int:
    # In a frozen app, the quantizer's worker process starts as this executable; this runs it.
    multiprocessing.freeze_support()
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == [RUN_SERVER_FLAG]:
        return run_server(args[1:])
    if args == ["--smoke-test"]:
        from desktop.smoke_test import run_smoke_test

        return run_smoke_test()
    if args:
        from desktop.cli import main as cli_main

        return cli_main(args)
    return run_gui()


def run_gui() -> int:
    from desktop.ui.application import GuiApp

    paths = AppPaths.from_environment()
    events = EventBus()
    service_loop = ServiceLoop()
    gui = GuiApp(sys.argv[:1], placement_file=paths.config_dir / "window.ini")
    events.subscribe(gui.bridge.deliver)
    started: list[Services] = []

    async def bring_up() -> Controls:
        services = build_services(paths, events, gui.consent)
        started.append(services)
        services.announce_startup_problems()
        background = asyncio.get_running_loop()
        jobs = (
            services.manager.pulse(),
            services.rpc_log.run(),
            services.manager.start_all(),
            services.models.run(),
        )
        for job in jobs:
            started_tasks.append(background.create_task(job))
        return services.controls()

    async def shut_down() -> None:
        for task in started_tasks:
            task.cancel()
        if started:
            await started[0].close()

    def start_services() -> None:
        service_loop.start()
        gui.bridge.attach_when_ready(service_loop.submit(bring_up()), service_loop.submit)

    started_tasks: list[asyncio.Task[None]] = []
    code = gui.run(shut_down, after_shown=start_services)
    service_loop.stop()
    return code
