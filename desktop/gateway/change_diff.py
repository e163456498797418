"""A change to another app's settings file as a unified diff, for those who want to see every line.

Keys, tokens and passwords in it are masked (“ghp_••••”): the diff is shown, the file keeps them.
"""

from __future__ import annotations

import difflib
import re

from desktop.core.redact import looks_secret
from desktop.core.secret_refs import REFERENCE
from desktop.gateway.control import ConfigChange
from desktop.servers.token_finder import looks_like_token

SHOWN_MASK = "••••"
_STRING = r'"((?:[^"\\]|\\.)*)"'
_STRINGS = re.compile(_STRING + r"(?:(\s*:\s*)" + _STRING + ")?")
"""A string, or a name and its string value: read left to right, so a closing quote never opens one."""
_KEPT = re.compile(r"^(?:(?:Bearer|Basic|Token)\s+)?(?:[A-Za-z]{2,6}[_-])?", re.IGNORECASE)
_FLAG = re.compile(r"^(--?[A-Za-z0-9-]*(?:key|token|secret|password)[A-Za-z0-9-]*=)(.+)$", re.IGNORECASE)


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
    return "".join(mask_secrets(line if line.endswith("\n") else line + "\n") for line in shown)


def mask_secrets(text: str) -> str:
    """`text` with the values of secret-looking names (`"GITHUB_TOKEN": …`) and token-like strings masked."""
    return _STRINGS.sub(_masked_strings, text)


def _masked_strings(found: re.Match[str]) -> str:
    name, colon, value = found.groups()
    if value is None:
        return f'"{_masked(name)}"'
    secret = looks_secret(name) and bool(value) and not REFERENCE.search(value)
    return f'"{name}"{colon}"{_mask(value) if secret else _masked(value)}"'


def _masked(value: str) -> str:
    """A lone string: masked where it looks like a token, or is a `--api-key=…` argument."""
    flag = _FLAG.match(value)
    if flag and not REFERENCE.search(value):
        return flag.group(1) + SHOWN_MASK
    return _mask(value) if looks_like_token(value) else value


def _mask(value: str) -> str:
    """What is left of a secret: its kind (“ghp_”, “Bearer sk-”), then the mask."""
    kept = _KEPT.match(value)
    return (kept.group(0) if kept else "") + SHOWN_MASK
