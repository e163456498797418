"""What the Secrets page may ask of the secrets side; `SecretsService` implements it.

The page depends on this module only, so it never loads the keyring library itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BackendCheck:
    """Whether `backend` can hold secrets, said for a person."""

    backend: str
    usable: bool
    problem: str = ""
    fix: str = ""


@dataclass(frozen=True)
class SecretInfo:
    name: str
    is_set: bool
    """False for a name that servers refer to but the keyring does not hold."""
    used_by: tuple[str, ...]
    """Servers whose settings refer to it, sorted."""


class SecretsControl(Protocol):
    """Coroutines run on the service loop."""

    @property
    def check(self) -> BackendCheck: ...

    async def secrets(self) -> list[SecretInfo]: ...

    async def reveal(self, name: str) -> str: ...

    async def set(self, name: str, value: str) -> None: ...

    async def delete(self, name: str, breaking: bool = False) -> None: ...
