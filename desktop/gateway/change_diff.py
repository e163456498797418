"""A change to another app's settings file as a unified diff, for those who want to see every line."""

from __future__ import annotations

import difflib

from desktop.gateway.control import ConfigChange


def change_diff(change: ConfigChange, with_path: bool = True) -> str:
    """The lines removed (`-`) and added (`+`), with three lines around each; "" when nothing changes.

    Without `with_path`, the two header lines naming the file are left out (where it is said already).
    """
    lines = list(
        difflib.unified_diff(
            change.before.splitlines(keepends=True),
            change.after.splitlines(keepends=True),
            fromfile=f"{change.path} (now)",
            tofile=f"{change.path} (after)",
        )
    )
    shown = lines if with_path else lines[2:]
    return "".join(line if line.endswith("\n") else line + "\n" for line in shown)
