"""Masking secret values wherever text leaves the process or lands on disk.

Redaction is by value: every secret MCP Desk resolves (keyring values handed to a
server, `Authorization` headers, `Mcp-Session-Id`s) is registered here once, and every
log line, audit record and export passes through `mask` before it is stored or shown.
"""

from __future__ import annotations

import json
import re
import threading

MASK = "••••••"
MIN_SECRET_CHARS = 4
"""Shorter values would mask ordinary words and numbers; no real secret is this short."""

_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|AUTH|CREDENTIAL|COOKIE|SESSION", re.IGNORECASE)


def looks_secret(name: str) -> bool:
    """Whether an environment variable or header called `name` probably holds a secret."""
    return bool(_SECRET_NAME.search(name))


class Redactor:
    """The set of secret values this process knows; safe to use from any thread."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        value = value.strip()
        if len(value) < MIN_SECRET_CHARS or value in self._values:
            return
        with self._lock:
            self._values.add(value)
            # The JSON-escaped spelling too: that is how the value appears inside a message.
            forms = self._values | {json.dumps(v)[1:-1] for v in self._values}
            alternatives = sorted(forms, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in alternatives))

    def mask(self, text: str) -> str:
        pattern = self._pattern
        if pattern is None:
            return text
        return pattern.sub(MASK, text)

    def __len__(self) -> int:
        return len(self._values)
