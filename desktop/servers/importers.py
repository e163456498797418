"""Bringing servers over from other AI apps (Claude Desktop, Cursor, VS Code, LM Studio, Jan, …).

`read_plan` previews what an import would do without changing anything; `apply_plan`
returns the new config. Imported servers are never trusted: the user confirms each
command before its first start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from desktop.core.config import AppConfig, ServerConfig, check_server_name, suggest_server_name
from desktop.servers.import_formats import (
    ImportSource,
    default_paths,
    read_source,
    strip_jsonc,
    translate_entry,
)
from desktop.servers.token_finder import FoundSecret, find_tokens, with_references

__all__ = [
    "ImportEntry",
    "ImportPlan",
    "ImportSource",
    "apply_plan",
    "default_paths",
    "find_installed",
    "read_plan",
    "strip_jsonc",
]

ImportAction = Literal["add", "rename", "skip"]


@dataclass(frozen=True)
class ImportEntry:
    original_name: str
    name: str
    """The name it gets in MCP Desk (the original name when skipped as unusable)."""
    config: ServerConfig | None
    action: ImportAction
    notes: tuple[str, ...] = ()
    secrets_needed: tuple[str, ...] = ()
    """Secret ids the imported server refers to as `${secret:ID}`."""
    found_secrets: tuple[FoundSecret, ...] = ()
    """Keys and tokens written into its settings, which the import can move into the keyring."""


@dataclass(frozen=True)
class ImportPlan:
    source: ImportSource
    path: Path
    entries: tuple[ImportEntry, ...]
    problem: str | None = None
    """Why nothing can be imported from this file, in words for the user."""

    @property
    def to_import(self) -> tuple[ImportEntry, ...]:
        return tuple(entry for entry in self.entries if entry.action != "skip")


def read_plan(
    source: ImportSource, path: Path, existing: AppConfig, secret_names: frozenset[str] = frozenset()
) -> ImportPlan:
    """What importing `path` would do; found keys and tokens get names not in `secret_names`."""
    document = read_source(source, path)
    if document.problem is not None:
        return ImportPlan(source, path, (), document.problem)
    taken = set(existing.servers)
    secrets_taken = set(secret_names)
    entries = tuple(
        _plan_entry(source, str(name), raw, document.inputs, existing, taken, secrets_taken)
        for name, raw in document.servers.items()
    )
    return ImportPlan(source, path, entries)


def _plan_entry(
    source: ImportSource,
    original: str,
    raw: object,
    inputs: Mapping[str, str],
    existing: AppConfig,
    taken: set[str],
    secrets_taken: set[str],
) -> ImportEntry:
    """Decides one entry's fate; adds the names it claims to `taken` and `secrets_taken`."""
    result = translate_entry(source, raw, inputs)
    if result.config is None:
        return ImportEntry(original, original, None, "skip", result.notes)
    notes = list(result.notes)
    name = _usable_name(original, notes)
    current = existing.servers.get(name)
    if current is not None and current.launch_hash() == result.config.launch_hash():
        return ImportEntry(original, name, result.config, "skip", ("It is already in MCP Desk.",))
    if name in taken:
        renamed = suggest_server_name(name, taken)
        notes.append(f"Another server is already named “{name}”, so this one is added as “{renamed}”.")
        name = renamed
    taken.add(name)
    action: ImportAction = "add" if name == original else "rename"
    found = tuple(find_tokens(name, result.config, secrets_taken))
    return ImportEntry(original, name, result.config, action, tuple(notes), result.secrets_needed, found)


def _usable_name(original: str, notes: list[str]) -> str:
    try:
        return check_server_name(original)
    except ValueError:
        name = suggest_server_name(original)
        notes.append(f"“{original}” can't be a server name in MCP Desk, so it is added as “{name}”.")
        return name


def apply_plan(plan: ImportPlan, config: AppConfig, move_secrets: bool) -> tuple[AppConfig, list[str]]:
    """A copy of `config` with the plan's servers added, and the names they were added under.

    With `move_secrets`, found keys and tokens are replaced by references (the caller stores them).
    """
    updated = config.model_copy(deep=True)
    added: list[str] = []
    for entry in plan.to_import:
        if entry.config is None:
            continue
        name = entry.name
        if name in updated.servers:
            name = suggest_server_name(name, set(updated.servers))
        server = with_references(entry.config, list(entry.found_secrets)) if move_secrets else entry.config
        updated.servers[name] = server.model_copy(update={"trusted_launch": None}, deep=True)
        added.append(name)
    return updated, added


def find_installed(
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> list[tuple[ImportSource, Path]]:
    """The default settings files of other apps that exist on this computer."""
    return [
        (source, path)
        for source in ImportSource
        for path in default_paths(source, platform=platform, home=home, environ=environ)
        if path.is_file()
    ]
