"""Starting MCP Desk when the user signs in.

Linux and other XDG desktops: a `.desktop` file in the autostart folder. macOS: a
LaunchAgent plist (loaded by launchd at the next sign-in). Windows: a value under
the current user's `Run` registry key.
"""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from desktop.core.atomic_file import replaced_atomically
from desktop.core.problem import Problem

APP_ID = "mcp-desk"
LAUNCH_AGENT_LABEL = "app.mcpdesk.MCPDesk"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "MCP Desk"


class AutostartError(Problem):
    """Turning start-at-sign-in on or off failed; the message is a sentence for the user."""


class RunKey(Protocol):
    """The `MCP Desk` value under the current user's `Run` key."""

    def get(self) -> str | None: ...

    def set(self, value: str) -> None: ...

    def delete(self) -> None: ...


class Autostart:
    def __init__(
        self,
        platform: str = sys.platform,
        home: Path | None = None,
        environ: Mapping[str, str] = os.environ,
        run_key: RunKey | None = None,
    ) -> None:
        self._platform = platform
        self._home = home if home is not None else Path.home()
        self._environ = environ
        self._run_key = run_key

    @property
    def location(self) -> Path | None:
        """The file that starts MCP Desk at sign-in (None on Windows, where it's a registry value)."""
        return None if self._platform == "win32" else self._file()

    def _file(self) -> Path:
        if self._platform == "darwin":
            return self._home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
        xdg = self._environ.get("XDG_CONFIG_HOME", "")
        config = Path(xdg) if xdg and Path(xdg).is_absolute() else self._home / ".config"
        return config / "autostart" / f"{APP_ID}.desktop"

    def is_enabled(self) -> bool:
        try:
            if self._platform == "win32":
                return self._registry().get() is not None
            path = self._file()
            if not path.is_file():
                return False
            if self._platform == "darwin":
                return _launch_agent_runs(path.read_bytes())
            return _desktop_entry_runs(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return False

    def enable(self, command: list[str]) -> None:
        """Start `command` (the program and its arguments) at each sign-in."""
        if not command:
            raise ValueError("the command to start at sign-in is empty")
        if self._platform == "win32":
            self._change(lambda: self._registry().set(subprocess.list2cmdline(command)), "turn on")
            return
        path = self._file()
        content = _launch_agent(command) if self._platform == "darwin" else _desktop_entry(command).encode()
        self._change(lambda: _write_file(path, content), "turn on")

    def disable(self) -> None:
        if self._platform == "win32":
            self._change(lambda: self._registry().delete(), "turn off")
            return
        path = self._file()
        self._change(lambda: path.unlink(missing_ok=True), "turn off")

    def _change(self, action: Callable[[], None], verb: str) -> None:
        try:
            action()
        except OSError as error:
            where = self.location or "the Windows registry"
            reason = error.strerror or str(error)
            raise AutostartError(
                f"MCP Desk could not {verb} starting at sign-in: it could not change {where} ({reason})."
            ) from error

    def _registry(self) -> RunKey:
        if self._run_key is None:
            self._run_key = _windows_run_key()
        return self._run_key


def _write_file(path: Path, content: bytes) -> None:
    with replaced_atomically(path, binary=True) as out:
        out.write(content)


# Characters that make an Exec argument need quoting, per the Desktop Entry spec.
_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


def exec_quote(argument: str) -> str:
    """One Exec argument, quoted per the Desktop Entry spec (before the file's own string escaping)."""
    argument = argument.replace("%", "%%")
    if argument and not _EXEC_RESERVED.intersection(argument):
        return argument
    escaped = "".join("\\" + char if char in '"`$\\' else char for char in argument)
    return f'"{escaped}"'


def _escape_value(value: str) -> str:
    """The Desktop Entry escaping of a string value."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _desktop_entry(command: list[str]) -> str:
    exec_line = _escape_value(" ".join(exec_quote(argument) for argument in command))
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.0\n"
        "Name=MCP Desk\n"
        "Comment=Start MCP Desk and its servers when you sign in\n"
        f"Exec={exec_line}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def _desktop_entry_runs(text: str) -> bool:
    values: dict[str, str] = {}
    in_main_group = False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            in_main_group = line == "[Desktop Entry]"
        elif in_main_group and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return (
        bool(values.get("Exec"))
        and values.get("Hidden", "false") != "true"
        and values.get("X-GNOME-Autostart-enabled", "true") != "false"
    )


def _launch_agent(command: list[str]) -> bytes:
    return plistlib.dumps(
        {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": command,
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )


def _launch_agent_runs(data: bytes) -> bool:
    try:
        agent = plistlib.loads(data)
    except Exception:  # plistlib raises several unrelated types for damaged files
        return False
    return isinstance(agent, dict) and agent.get("RunAtLoad") is True and agent.get("Disabled") is not True


def _windows_run_key() -> RunKey:
    if sys.platform == "win32":
        return _WindowsRunKey()
    raise AutostartError("Starting at sign-in through the Windows registry only works on Windows.")


if sys.platform == "win32":
    import winreg

    class _WindowsRunKey:
        def get(self) -> str | None:
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                    value, _ = winreg.QueryValueEx(key, RUN_VALUE)
            except FileNotFoundError:
                return None
            return value if isinstance(value, str) and value else None

        def set(self, value: str) -> None:
            with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, value)

        def delete(self) -> None:
            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                    winreg.DeleteValue(key, RUN_VALUE)
            except FileNotFoundError:
                pass
