"""A server started once for one command: approved first (by --yes, or already), else a sentence."""

from __future__ import annotations

from desktop.core.events import ServerState
from desktop.servers.control import ServerProblem
from desktop.servers.manager import ServerManager


async def start_once(manager: ServerManager, name: str, yes: bool) -> None:
    """Start `name` for this command only; with `yes`, approve its command first if it needs it."""
    if not manager.config_of(name).is_trusted:
        if not yes:
            raise ServerProblem(f"“{name}” is not approved yet. Run: mcp-desk servers check {name}")
        await manager.trust(name, manager.trust_request(name).launch_hash)
    status = await manager.start(name, once=True)
    if status.state is not ServerState.RUNNING:
        raise ServerProblem(status.reason, status.details)
