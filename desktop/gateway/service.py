"""`GatewayService`: MCP Desk's door for the user's other AI apps (implements `GatewayControl`).

Off by default. Turned on, it listens on 127.0.0.1 at the port chosen the first time (and kept,
since the apps' settings name it), with one `AppDoor` per known app behind the `Guard`. Tokens
live in the keyring (`AppTokens`); grants in the settings. When a granted server starts, stops
or changes its tools, that app's sessions hear `notifications/tools/list_changed`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence

import anyio
from starlette.types import ASGIApp

from desktop.core.config import GatewayApp, GatewaySettings
from desktop.core.events import Event, ServerState, ServerStatus, ServerStatusChanged, ServerToolsChanged
from desktop.core.rpc_log import RpcLog
from desktop.core.secret_refs import SecretsError
from desktop.core.settings import Settings
from desktop.gateway.app_names import app_label, check_app_id
from desktop.gateway.control import AppAccess, GatewayProblem, GatewayStatus
from desktop.gateway.door import AppDoor, ToolHost
from desktop.gateway.endpoint import Endpoint, bind
from desktop.gateway.guard import Guard
from desktop.gateway.tokens import AppTokens


class GatewayService:
    def __init__(self, settings: Settings, host: ToolHost, tokens: AppTokens, rpc_log: RpcLog) -> None:
        self._settings = settings
        self._host = host
        self._tokens = tokens
        self._rpc_log = rpc_log
        self._endpoint: Endpoint | None = None
        self._doors: dict[str, AppDoor] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._problem: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changes = asyncio.Lock()
        self._running: dict[str, bool] = {}
        """Whether each server ran at its last status we saw (one we never saw counts as a change)."""

    # -- reading -----------------------------------------------------------------

    def status(self) -> GatewayStatus:
        gateway = self._gateway()
        endpoint = self._endpoint
        return GatewayStatus(
            enabled=gateway.enabled,
            url=endpoint.url if endpoint is not None else None,
            apps=tuple(self._access(app) for app in sorted(gateway.apps)),
            problem=self._problem,
        )

    # -- changing ----------------------------------------------------------------

    async def start(self) -> None:
        """At MCP Desk's start: listen if the user turned the gateway on."""
        if self._gateway().enabled:
            await self.set_enabled(True)

    async def set_enabled(self, enabled: bool) -> GatewayStatus:
        async with self._changes:
            gateway = self._gateway()
            if enabled and self._endpoint is None:
                await self._open(gateway)
            elif not enabled:
                await self._shut()
                self._problem = None
            if gateway.enabled != enabled:
                await self._save(self._gateway().model_copy(update={"enabled": enabled}))
        return self.status()

    async def add_app(self, app: str) -> AppAccess:
        check_app_id(app)
        async with self._changes:
            with _keyring():
                await self._tokens.ensure(app)
            gateway = self._gateway()
            if app not in gateway.apps:
                await self._save(gateway.model_copy(update={"apps": {**gateway.apps, app: GatewayApp()}}))
            if self._endpoint is not None and app not in self._doors:
                await self._open_door(app)
        return self._access(app)

    async def grant(self, app: str, servers: Sequence[str]) -> AppAccess:
        gateway = self._gateway()
        if app not in gateway.apps:
            raise GatewayProblem(f"MCP Desk doesn't know an app called “{app}”. Connect it first.")
        unknown = [name for name in servers if name not in self._settings.config.servers]
        if unknown:
            raise GatewayProblem(
                f"There is no server called “{unknown[0]}”. Check its name on the Servers page."
            )
        apps = {**gateway.apps, app: GatewayApp(servers=list(dict.fromkeys(servers)))}
        await self._save(gateway.model_copy(update={"apps": apps}))
        door = self._doors.get(app)
        if door is not None:
            await door.tools_changed()
        return self._access(app)

    async def remove_app(self, app: str) -> None:
        async with self._changes:
            door = self._doors.pop(app, None)
            if door is not None:
                await door.close()
            with _keyring():
                await self._tokens.forget(app)
            gateway = self._gateway()
            if app in gateway.apps:
                apps = {name: grant for name, grant in gateway.apps.items() if name != app}
                await self._save(gateway.model_copy(update={"apps": apps}))

    async def close(self) -> None:
        """MCP Desk is quitting: every session closed, the port let go (the setting stays as it is)."""
        async with self._changes:
            await self._shut()

    def on_event(self, event: Event) -> None:
        """From the `EventBus` (any thread): a server's tools changed, or it started or stopped, so tell
        the apps it is granted to."""
        if self._loop is None or self._loop.is_closed() or not self._doors:
            return
        if isinstance(event, ServerToolsChanged):
            self._loop.call_soon_threadsafe(self._tools_changed, event.server, False)
        elif isinstance(event, ServerStatusChanged):
            self._loop.call_soon_threadsafe(self._status_changed, event.status)

    # -- inside ------------------------------------------------------------------

    async def _open(self, gateway: GatewaySettings) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            with _keyring():
                await self._tokens.load(sorted(gateway.apps))
            sock = bind(gateway.port)
        except GatewayProblem as problem:
            self._problem = problem.message
            return
        self._problem = None
        endpoint = Endpoint(Guard(sock.getsockname()[1], self._tokens.app_of, self._door_asgi), sock)
        if gateway.port != endpoint.port:
            await self._save(gateway.model_copy(update={"port": endpoint.port}))
        for app in sorted(gateway.apps):
            await self._open_door(app)
        try:
            await endpoint.start()
        except OSError:
            await self._shut()
            sock.close()
            self._problem = "MCP Desk could not start listening for your apps. Turn it off and on again."
            return
        self._endpoint = endpoint

    async def _shut(self) -> None:
        doors, self._doors = list(self._doors.values()), {}
        for door in doors:
            await door.close()
        endpoint, self._endpoint = self._endpoint, None
        if endpoint is not None:
            await endpoint.stop()

    async def _open_door(self, app: str) -> None:
        door = AppDoor(
            app, self._host, lambda: self._gateway().apps.get(app, GatewayApp()).servers, self._rpc_log
        )
        started = anyio.Event()

        async def run() -> None:
            async with anyio.create_task_group() as tasks:
                await tasks.start(door.run)
                started.set()

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        await started.wait()
        self._doors[app] = door

    def _door_asgi(self, app: str) -> ASGIApp | None:
        door = self._doors.get(app)
        return door.asgi if door is not None else None

    def _status_changed(self, status: ServerStatus) -> None:
        """A server's tools are shown only while it runs: a start or stop changes them too."""
        running = status.state is ServerState.RUNNING
        if self._running.get(status.name) != running:
            self._running[status.name] = running
            self._tools_changed(status.name)

    def _tools_changed(self, server: str, content_too: bool = True) -> None:
        for app, door in list(self._doors.items()):
            if server in self._gateway().apps.get(app, GatewayApp()).servers:
                task = asyncio.get_running_loop().create_task(door.tools_changed(content_too))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def _access(self, app: str) -> AppAccess:
        grant = self._gateway().apps.get(app, GatewayApp())
        door = self._doors.get(app)
        return AppAccess(app, app_label(app), tuple(grant.servers), door is not None and door.connected)

    def _gateway(self) -> GatewaySettings:
        return self._settings.app_settings().gateway

    async def _save(self, gateway: GatewaySettings) -> None:
        app_settings = self._settings.app_settings()
        await self._settings.save_app_settings(app_settings.model_copy(update={"gateway": gateway}))


@contextlib.contextmanager
def _keyring() -> Iterator[None]:
    """A keyring that can't be used, said as the gateway's problem."""
    try:
        yield
    except SecretsError as error:
        raise GatewayProblem(
            f"MCP Desk could not keep your apps' keys in the keyring. {error}", repr(error)
        ) from error
