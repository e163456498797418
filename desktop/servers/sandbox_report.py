"""What the sandbox blocked a server doing, each as a short item, read from what the server printed.

Inside the sandbox a hidden file is simply not there and a read-only one can't be changed, so
the server sees ordinary errors (`[Errno 2] No such file or directory: '/home/me/.ssh/id_rsa'`,
`EROFS: read-only file system, open '…'`, `Connection refused`). Those about a path outside
what the sandbox shows, or about the network while it is off, become an item of the list on the
server's page under “The sandbox blocked:” (“reading ~/.ssh/id_rsa (outside what it may see)”);
bubblewrap's own complaints say the sandbox could not start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from desktop.core.config import ServerConfig
from desktop.core.paths import AppPaths
from desktop.servers.sandbox import SandboxPlan, not_sandboxed_here, plan_for

MAX_SENTENCES = 6
_PYTHON = re.compile(r"\[Errno (?P<code>\d+)\][^'\"]*['\"](?P<path>/[^'\"]+)['\"]")
_NODE = re.compile(r"\b(?P<code>ENOENT|EACCES|EPERM|EROFS)\b[^'\"]*['\"](?P<path>/[^'\"]+)['\"]")
_NETWORK = re.compile(
    r"Errno (101|111|-2|-3)\]|ECONNREFUSED|ENETUNREACH|EAI_AGAIN|Network is unreachable|"
    r"Connection refused|Temporary failure in name resolution|getaddrinfo",
)
_READ_ONLY = {"30", "EROFS"}
_HIDDEN = {"1", "2", "13", "ENOENT", "EACCES", "EPERM"}


@dataclass(frozen=True)
class SandboxReport:
    """What a server's sandbox blocked, as items (“using the network (turned off for it)”);
    `failed_to_start` when bubblewrap itself said no."""

    sentences: tuple[str, ...]
    failed_to_start: bool = False


def plan_of(name: str, config: ServerConfig, environ: Mapping[str, str] = os.environ) -> SandboxPlan | None:
    """The sandbox `name` runs in here, or None when it runs without one."""
    if config.sandbox is None or config.is_remote or not_sandboxed_here():
        return None
    return plan_for(name, config, AppPaths.from_environment(environ))


def blocked(lines: Iterable[str], plan: SandboxPlan) -> SandboxReport:
    """What in `lines` (a server's output) the sandbox of `plan` stopped, once each."""
    found: dict[str, None] = {}
    failed = False
    for line in lines:
        if line.startswith("bwrap: "):
            failed = True
            found[f"The sandbox could not start: {line.removeprefix('bwrap: ')}"] = None
        elif (sentence := _sentence(line, plan)) is not None:
            found[sentence] = None
    sentences = list(found)
    if len(sentences) > MAX_SENTENCES:
        more = len(sentences) - MAX_SENTENCES + 1
        sentences = [*sentences[: MAX_SENTENCES - 1], f"…and {more} more (its Output tab shows them all)"]
    return SandboxReport(tuple(sentences), failed)


def _sentence(line: str, plan: SandboxPlan) -> str | None:
    match = _PYTHON.search(line) or _NODE.search(line)
    if match is not None:
        code, path = match["code"], Path(match["path"])
        where = _shown(path, plan.home)
        if code in _READ_ONLY and not _inside(path, plan, writable=True):
            return f"changing {where} (it may only look there)"
        if code in _HIDDEN and not _inside(path, plan, writable=False):
            return f"reading {where} (outside what it may see)"
        return None
    if not plan.network and _NETWORK.search(line):
        return "using the network (turned off for this server)"
    return None


def _inside(path: Path, plan: SandboxPlan, writable: bool) -> bool:
    """Whether the sandbox shows `path` (and lets it be changed, with `writable`)."""
    for reach in plan.reaches:
        if path.is_relative_to(reach.path) and (reach.writable or not writable):
            return True
    system = ("/usr", "/bin", "/sbin", "/lib", "/etc", "/opt", "/proc", "/dev", "/sys", "/nix")
    return not writable and path.parts[:2] != ("/", "tmp") and str(path).startswith(system)


def _shown(path: Path, home: Path) -> str:
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) and path != home else str(path)
