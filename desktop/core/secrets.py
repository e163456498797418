"""Secrets in the operating system's credential store, through `keyring`.

Config files hold only references, `${secret:NAME}`; the values live in the keyring under
one service name and are read when a server is launched. A backend that would not keep them
safe (keyring's `fail` and `null` backends, or any that writes plain files) is refused with
a sentence that says how to fix it: MCP Desk never falls back to plaintext.

Every call here talks to the keyring (D-Bus, the Keychain, Credential Manager) and may block;
the service side calls it from a worker thread.
"""

from __future__ import annotations

import json
import sys
from typing import Protocol

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from desktop.core.secret_refs import SecretsError, check_name
from desktop.core.secrets_control import BackendCheck

SERVICE = "mcp-desk"
CHUNK_CHARS = 1000
"""A Windows credential holds 2,560 bytes (1,280 UTF-16 characters); longer values are split."""
_INDEX = ".names"
"""The entry listing the names held, since keyrings cannot list one service's entries."""
_PARTS = "mcp-desk/split-into-parts:"
"""What the main entry holds when the value is in parts (no NUL: Windows cuts strings at one)."""
_FRIENDLY_NAMES = {
    "keyring.backends.SecretService.Keyring": "your desktop's keyring (Secret Service)",
    "keyring.backends.libsecret.Keyring": "your desktop's keyring (Secret Service)",
    "keyring.backends.kwallet.DBusKeyring": "KDE Wallet",
    "keyring.backends.macOS.Keyring": "the macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
}
_UNSAFE_BACKENDS = ("keyring.backends.fail.", "keyring.backends.null.", "keyrings.alt.")


class KeyringUnavailable(SecretsError):
    """The keyring cannot keep secrets safely, so MCP Desk will not store any."""


class SecretResolver(Protocol):
    def resolve(self, names: list[str]) -> dict[str, str]:
        """The values of `names` (blocking); a `SecretsError` names any that are missing."""
        ...


class SecretVault(SecretResolver, Protocol):
    """What the server side may do with the keyring besides reading: list names and store (blocking)."""

    def names(self) -> list[str]: ...

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


def check_backend(backend: KeyringBackend) -> BackendCheck:
    kind = type(backend)
    name = f"{kind.__module__}.{kind.__qualname__}"
    label = _FRIENDLY_NAMES.get(name, getattr(backend, "name", name))
    unsafe = name.startswith(_UNSAFE_BACKENDS) or backend.priority <= 0
    if not unsafe:
        return BackendCheck(label, True)
    plaintext = name.startswith("keyrings.alt.")
    problem = (
        f"The keyring “{label}” keeps passwords in a file, so MCP Desk will not store secrets in it."
        if plaintext
        else "No system keyring was found, so MCP Desk cannot store secrets safely."
    )
    return BackendCheck(label, False, problem, _fix_for_platform())


def _fix_for_platform() -> str:
    if sys.platform == "win32":
        return "Windows Credential Manager should always be there; restart Windows and try again."
    if sys.platform == "darwin":
        return "Unlock your login keychain in Keychain Access and try again."
    return (
        "Install and run a Secret Service such as GNOME Keyring (package “gnome-keyring”) or "
        "KWallet, log out and in again, and restart MCP Desk. If a PYTHON_KEYRING_BACKEND "
        "variable or a keyringrc.cfg file picks another keyring, remove it."
    )


class SecretStore:
    """Named secrets under one keyring service; values longer than `CHUNK_CHARS` are split."""

    def __init__(self, backend: KeyringBackend, service: str = SERVICE) -> None:
        self.service = service
        self._backend = backend
        self.check = check_backend(backend)

    def names(self) -> list[str]:
        """The names held, sorted."""
        self._require_usable()
        raw = self._read(_INDEX)
        try:
            names = json.loads(raw) if raw else []
        except ValueError:
            names = []
        return sorted(n for n in names if isinstance(n, str)) if isinstance(names, list) else []

    def get(self, name: str) -> str | None:
        self._require_usable()
        stored = self._read(name)
        count = _parts_in(stored)
        if not count:
            return stored
        parts = [self._read(_part(name, i)) for i in range(count)]
        if any(part is None for part in parts):
            raise SecretsError(
                f"Part of the secret “{name}” is missing from the keyring. Set it again on the Secrets page."
            )
        return "".join(part for part in parts if part is not None)

    def set(self, name: str, value: str) -> None:
        check_name(name)
        self._require_usable()
        if not value:
            raise SecretsError("A secret cannot be empty.")
        old_parts = self._part_count(name)
        chunks = [value[i : i + CHUNK_CHARS] for i in range(0, len(value), CHUNK_CHARS)]
        if len(chunks) == 1:
            self._write(name, value)
            chunks = []
        else:
            for i, chunk in enumerate(chunks):
                self._write(_part(name, i), chunk)
            self._write(name, f"{_PARTS}{len(chunks)}")
        self._drop_parts(name, len(chunks), old_parts)
        names = self.names()
        if name not in names:
            self._write(_INDEX, json.dumps([*names, name]))

    def delete(self, name: str) -> None:
        """Remove `name`; removing one that is not there does nothing."""
        self._require_usable()
        self._drop_parts(name, 0, self._part_count(name))
        self._remove(name)
        names = self.names()
        if name in names:
            names.remove(name)
            self._write(_INDEX, json.dumps(names))

    def resolve(self, names: list[str]) -> dict[str, str]:
        """The values of `names`; a missing one is a `SecretsError` that says where to set it."""
        values: dict[str, str] = {}
        missing: list[str] = []
        for name in names:
            value = self.get(name)
            if value is None:
                missing.append(name)
            else:
                values[name] = value
        if missing:
            listed = ", ".join(f"“{n}”" for n in missing)
            which = (
                f"The secret {listed} is not set"
                if len(missing) == 1
                else f"The secrets {listed} are not set"
            )
            them = "it" if len(missing) == 1 else "them"
            raise SecretsError(f"{which}. Add {them} on the Secrets page, then start the server again.")
        return values

    def _part_count(self, name: str) -> int:
        return _parts_in(self._read(name))

    def _drop_parts(self, name: str, first: int, end: int) -> None:
        for i in range(first, end):
            self._remove(_part(name, i))

    def _require_usable(self) -> None:
        if not self.check.usable:
            raise KeyringUnavailable(f"{self.check.problem} {self.check.fix}")

    def _read(self, key: str) -> str | None:
        try:
            return self._backend.get_password(self.service, key)
        except KeyringError as error:
            raise _unreachable(error) from error

    def _write(self, key: str, value: str) -> None:
        try:
            self._backend.set_password(self.service, key, value)
        except KeyringError as error:
            raise _unreachable(error) from error

    def _remove(self, key: str) -> None:
        try:
            self._backend.delete_password(self.service, key)
        except PasswordDeleteError:
            pass
        except KeyringError as error:
            raise _unreachable(error) from error


def _parts_in(stored: str | None) -> int:
    """How many parts an entry says its value is in (0: the entry is the value itself)."""
    if stored is None or not stored.startswith(_PARTS):
        return 0
    return int(stored.removeprefix(_PARTS))


def _part(name: str, index: int) -> str:
    return f"{name}#{index}"


def _unreachable(error: Exception) -> SecretsError:
    return SecretsError(
        "The system keyring did not answer. Unlock it (you may be asked for your login password) "
        f"and try again. ({error})"
    )
