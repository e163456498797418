"""Whether a bundle can run on this computer: its platforms and the runtime it needs.

Node.js and uv bundles run on MCP Desk's own runtimes (`ServerConfig.runtime = "mcp-desk"`), so only
a note is said about them; a Python bundle runs on the computer's Python 3, which must be there and
in the bundle's version range.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from desktop.catalogue.mcpb_manifest import Manifest

PLATFORM_WORDS = {"darwin": "macOS", "win32": "Windows", "linux": "Linux"}
_PYTHON_VERSION = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
_COMPARATOR = re.compile(r"^(>=|<=|==|!=|>|<|=|\^|~=|~)?\s*v?(\d+(?:\.\d+){0,2})(?:\.\*)?$")


@dataclass(frozen=True)
class Python:
    """The computer's Python 3: what to run, and its version."""

    command: str
    version: tuple[int, ...]


@dataclass(frozen=True)
class Fit:
    blocked: str | None
    notes: tuple[str, ...]
    python: Python | None = None


def this_platform() -> str:
    return "win32" if sys.platform.startswith("win") else "darwin" if sys.platform == "darwin" else "linux"


def find_python() -> Python | None:
    """The computer's `python3` (`python` on Windows), asked for its version; None if there is none."""
    for name in ("python3", "python"):
        command = shutil.which(name)
        if command is None:
            continue
        try:
            done = subprocess.run(
                [command, "-c", _PYTHON_VERSION], capture_output=True, text=True, timeout=20, check=True
            )
        except (OSError, subprocess.SubprocessError):
            continue
        version = _version(done.stdout.strip())
        if version and version[0] == 3:
            return Python(command, version)
    return None


def fit(manifest: Manifest, python: Callable[[], Python | None] = find_python) -> Fit:
    """Whether `manifest`'s bundle can run here (`blocked` says why not), and what to know first."""
    here = this_platform()
    platforms = manifest.compatibility.platforms
    if platforms and here not in platforms:
        made_for = " and ".join(PLATFORM_WORDS[name] for name in platforms)
        return Fit(
            f"This bundle is made for {made_for} only, and this computer runs {PLATFORM_WORDS[here]}.", ()
        )
    wanted = manifest.compatibility.runtimes
    kind = manifest.server.type
    if kind == "node":
        need = f" (it asks for Node.js {wanted.node})" if wanted.node else ""
        return Fit(None, (f"It runs on the Node.js that MCP Desk provides{need}.",))
    if kind == "uv":
        return Fit(
            None,
            (
                "It runs on the Python that MCP Desk provides; the first start sets up what it needs, "
                "which takes a minute and needs the internet once.",
            ),
        )
    if kind == "python":
        return _python_fit(wanted.python, python())
    return Fit(None, ("It is a program built for this kind of computer.",))


def _python_fit(wanted: str | None, found: Python | None) -> Fit:
    if found is None:
        return Fit(
            "This bundle needs Python 3, which isn't on this computer. "
            "Install Python from python.org, then open the bundle again.",
            (),
        )
    shown = ".".join(map(str, found.version))
    if wanted and satisfies(found.version, wanted) is False:
        return Fit(
            f"This bundle needs Python {wanted}, and this computer has Python {shown}. "
            "Install a Python that fits from python.org, then open the bundle again.",
            (),
            found,
        )
    return Fit(None, (f"It runs on this computer's Python {shown}.",), found)


def satisfies(version: tuple[int, ...], wanted: str) -> bool | None:
    """Whether `version` is in a range such as ">=3.8,<4.0", ">=16.0.0 <17" or "^1.2"; None: unreadable."""
    for alternative in wanted.split("||"):
        terms = [term for term in re.split(r"[,\s]+", re.sub(r"([<>=!~^]+)\s+", r"\1", alternative)) if term]
        results = [_term(version, term) for term in terms]
        if None in results:
            return None
        if all(results):
            return True
    return False


def _term(version: tuple[int, ...], term: str) -> bool | None:
    match = _COMPARATOR.match(term)
    if match is None:
        return None
    op, bound = match.group(1) or "==", _version(match.group(2))
    mine = (*version, 0, 0, 0)[:3]
    if op in ("^", "~", "~="):
        places = len(match.group(2).split("."))
        keep = 1 if op == "^" and bound[0] != 0 else max(1, places - 1) if op == "~=" else min(2, places)
        return mine >= bound and mine[:keep] == bound[:keep]
    if op in ("==", "="):
        return mine[: len(match.group(2).split("."))] == bound[: len(match.group(2).split("."))]
    comparisons = {
        ">=": mine >= bound,
        "<=": mine <= bound,
        ">": mine > bound,
        "<": mine < bound,
        "!=": mine != bound,
    }
    return comparisons[op]


def _version(text: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", text)[:3]
    return tuple(int(part) for part in parts) + (0,) * (3 - len(parts)) if parts else ()
