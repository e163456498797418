"""What `mcp-desk doctor` and Help › Copy diagnostic report say about this computer and the app's setup."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any

from desktop.servers.control import ServerProblem
from desktop.servers.launch import resolve

if TYPE_CHECKING:
    from desktop.services import Services


@dataclass(frozen=True)
class ServerCheck:
    server: str
    ok: bool
    note: str
    """The program that would run, "remote server", or what stops it from starting."""


@dataclass(frozen=True)
class Diagnosis:
    facts: dict[str, str]
    """Versions, places, the keyring, the GPU and the model runtime, in reading order."""
    servers: tuple[ServerCheck, ...]
    healthy: bool

    def as_data(self) -> dict[str, Any]:
        return {**self.facts, "servers": [vars(check) for check in self.servers]}

    def text(self) -> str:
        lines = [f"{key.replace('_', ' ')}: {value}" for key, value in self.facts.items()]
        for check in self.servers:
            lines.append(f"server {check.server}: {'ok' if check.ok else 'PROBLEM'} — {check.note}")
        return "\n".join(lines)


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def check_servers(services: Services) -> tuple[ServerCheck, ...]:
    checks = []
    for status in services.manager.statuses():
        config = services.manager.config_of(status.name)
        ok, note = True, "remote server" if config.url else ""
        if config.command:
            try:
                note = resolve(config).program
            except ServerProblem as problem:
                ok, note = False, problem.message
        checks.append(ServerCheck(status.name, ok, services.redactor.mask(note)))
    return tuple(checks)


async def diagnose(services: Services) -> Diagnosis:
    """Every value that could hold a secret goes through the app's redactor."""
    keyring = services.secrets.check
    memory = await services.models.measure()
    gpus = [f"{g.name}, {g.free_bytes / 1e9:.1f} of {g.total_bytes / 1e9:.1f} GB free" for g in memory.gpus]
    problem = services.loaded.problem
    facts: dict[str, str | None] = {
        "mcp_desk": version_of("mcp-desk"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "mcp_sdk": version_of("mcp"),
        "config_file": str(services.paths.config_file),
        "data_dir": str(services.paths.data_dir),
        "settings_problem": problem.message if problem else None,
        "keyring": keyring.backend,
        "keyring_problem": f"{keyring.problem} {keyring.fix}" if not keyring.usable else None,
        "gpu": "; ".join(gpus) or memory.problem,
        "model_runtime": services.models.offload().message,
    }
    mask = services.redactor.mask
    shown = {key: mask(value) for key, value in facts.items() if value is not None}
    servers = check_servers(services)
    healthy = all(check.ok for check in servers) and problem is None and keyring.usable
    return Diagnosis(shown, servers, healthy)
