"""What “Export everything” writes before sealing it (`sealed_file`), and what an import would change.

The bundle is JSON: the settings as saved (servers and the app's settings), the permissions
remembered for good (rules pinned to a tool, and each server's standing choices), and the values
of the secrets they use. It exists only in memory; on disk it is always sealed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from desktop.core.consent_rules import ConsentRule, ServerPolicy, policy_from_data, rule_from_data
from desktop.core.sealed_file import DAMAGED, NEWER, SealedFileProblem

KIND = "mcp-desk-everything"
VERSION = 1


@dataclass(frozen=True)
class Bundle:
    created: str
    """When it was exported (ISO 8601, UTC)."""
    config: dict[str, Any]
    rules: tuple[ConsentRule, ...]
    policies: dict[str, ServerPolicy]
    secrets: dict[str, str]

    def to_bytes(self) -> bytes:
        data = {
            "kind": KIND,
            "version": VERSION,
            "created": self.created,
            "config": self.config,
            "rules": [asdict(rule) for rule in self.rules],
            "policies": {server: asdict(policy) for server, policy in self.policies.items()},
            "secrets": self.secrets,
        }
        return json.dumps(data, ensure_ascii=False).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Bundle:
        """The bundle in `data`, every part checked; a `SealedFileProblem` when it can't be used."""
        try:
            raw = json.loads(data)
            if raw["kind"] != KIND:
                raise ValueError(f"kind {raw['kind']!r}")
            if raw["version"] != VERSION:
                raise SealedFileProblem(NEWER, f"bundle version {raw['version']}")
            return cls(
                str(raw["created"]),
                _checked(raw["config"], dict),
                tuple(rule_from_data(item) for item in _checked(raw["rules"], list)),
                {
                    str(server): policy_from_data(flags)
                    for server, flags in _checked(raw["policies"], dict).items()
                },
                {str(name): _checked(value, str) for name, value in _checked(raw["secrets"], dict).items()},
            )
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise SealedFileProblem(DAMAGED, f"{type(error).__name__}: {error}") from error


@dataclass(frozen=True)
class ImportPreview:
    """What importing the file at `path` adds and replaces; nothing is changed until it is applied."""

    path: Path
    created: str
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    settings: tuple[str, ...]
    permissions: int
    secrets: tuple[str, ...]

    def lines(self) -> list[str]:
        """The preview in plain sentences, for the window and the terminal."""
        listed = _listed
        return [
            line
            for line in (
                f"Servers to add: {listed(self.added)}. Each asks before it first runs here."
                if self.added
                else "",
                f"Servers to replace with the file's version: {listed(self.replaced)}."
                if self.replaced
                else "",
                f"Settings to change: {', '.join(self.settings)}." if self.settings else "",
                f"Permissions to remember: {self.permissions}." if self.permissions else "",
                f"Secrets to put in this computer's keyring: {listed(self.secrets)}." if self.secrets else "",
            )
            if line
        ] or ["Everything in this file is already on this computer."]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    servers: int
    permissions: int
    secrets: int


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(f"“{name}”" for name in names)


def _checked(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"{value!r:.40} is not {kind.__name__}")
    return value
