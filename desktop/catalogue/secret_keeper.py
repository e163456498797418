"""An install's secrets into the keyring, under names no other secret has, and out again if it fails.

Everything here blocks (the keyring): the service calls it from a worker thread.
"""

from __future__ import annotations

import re

from desktop.core.redact import Redactor
from desktop.core.secret_refs import reference
from desktop.core.secrets import SecretVault


class SecretKeeper:
    def __init__(self, vault: SecretVault, redactor: Redactor, server: str, taken: set[str]) -> None:
        self._vault = vault
        self._redactor = redactor
        self._server = server
        self._taken = taken
        self._reserved: set[str] = set()
        self.kept: list[str] = []

    def name_for(self, key: str) -> str:
        """A free name for this server's secret `key`, e.g. `weather.API_KEY`, held for `keep`."""
        name = self._free(f"{self._server}.{key}")
        self._reserved.add(name)
        return name

    def keep(self, name: str, value: str) -> str:
        """Store `value` as `name` (or a free name near it); returns the settings' reference to it."""
        if name not in self._reserved:
            name = self._free(name)
        self._reserved.discard(name)
        self._redactor.add(value)
        self._vault.set(name, value)
        self.kept.append(name)
        return reference(name)

    def take_back(self) -> None:
        for name in self.kept:
            self._vault.delete(name)
        self.kept.clear()

    def _free(self, wanted: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", wanted)[:60].strip("-.") or "secret"
        name, n = base, 2
        while name in self._taken:
            name, n = f"{base}-{n}", n + 1
        self._taken.add(name)
        return name
