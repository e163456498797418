"""A change to another app's settings file as a unified diff, for those who want to see every line."""

from __future__ import annotations

import difflib

from desktop.gateway.control import ConfigChange


def change_diff(change: ConfigChange) -> str:
    """The lines removed (`-`) and added (`+`), with three lines around each; "" when nothing changes."""
    lines = difflib.unified_diff(
        change.before.splitlines(keepends=True),
        change.after.splitlines(keepends=True),
        fromfile=f"{change.path} (now)",
        tofile=f"{change.path} (after)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
