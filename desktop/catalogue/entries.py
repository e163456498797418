"""A registry's `server.json` as the catalogue shows it: who publishes it, where it runs, what it needs.

Field names are those of the registry's `docs/reference/server-json/server.schema.json`
(`packages[].registryType`, `environmentVariables`, `packageArguments`, `runtimeArguments`,
`remotes[].headers`, `variables`, `isSecret`, `format: "filepath"`, …). An entry that does not
have the shape is skipped and counted, never fatal.

Verified: the official registry lets a server be published under `io.github.<user>/…` only after
a GitHub sign-in as that user or an owner of that organisation, and under a reverse-DNS name
(`com.example/…`) only after proving the domain by a DNS record or a file on it (the registry's
`docs/modelcontextprotocol-io/authentication.mdx`). Its API has no per-entry flag beyond that, so
every entry read from the official registry (or shipped from it) is verified, and an entry from
any other registry is not: MCP Desk can't tell how that one checked its publishers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from desktop.catalogue.control import NODE, PYTHON, CatalogueEntry, Reach
from desktop.catalogue.registry import RawItem

DOCKER = "Docker"
DOTNET = ".NET"
API_KEY = "an API key"
FOLDER = "a folder"
PACKAGE_ORDER = ("npm", "pypi", "oci", "mcpb", "nuget")
"""The way to run a server MCP Desk prefers when it is published several ways."""
_RUNTIME_NEEDS = {"npm": NODE, "pypi": PYTHON, "oci": DOCKER, "nuget": DOTNET}
_FOLDER_WORDS = frozenset({"folder", "folders", "directory", "directories", "dir", "dirs"})

Server = dict[str, Any]
"""One `server.json`."""


@dataclass(frozen=True)
class ParsedList:
    entries: tuple[CatalogueEntry, ...]
    servers: dict[str, Server]
    """Each entry's `server.json` by name, for planning its install."""
    skipped: int
    """Entries that were not in the shape of a `server.json`."""


def parse_items(items: Iterable[RawItem], verified: bool) -> ParsedList:
    entries: dict[str, CatalogueEntry] = {}
    servers: dict[str, Server] = {}
    skipped = 0
    for item in items:
        server = item.get("server")
        try:
            if not isinstance(server, dict):
                raise ValueError("no server")
            entry = entry_of(server, verified)
        except (ValueError, TypeError, AttributeError):
            skipped += 1
            continue
        entries[entry.name] = entry
        servers[entry.name] = server
    return ParsedList(tuple(entries.values()), servers, skipped)


def entry_of(server: Server, verified: bool) -> CatalogueEntry:
    """The catalogue's entry for `server`; ValueError where it lacks what every entry has."""
    name, description, version = (_required_text(server, key) for key in ("name", "description", "version"))
    publisher, slash, short = name.partition("/")
    if not slash or not publisher or not short:
        raise ValueError(f"{name!r} is not namespace/name")
    title = _text(server.get("title")) or short
    package = preferred_package(server)
    return CatalogueEntry(
        name=name,
        title=title,
        description=description,
        version=version,
        publisher=publisher,
        verified=verified,
        reach=Reach.LOCAL if package is not None else Reach.REMOTE,
        needs=needs_of(server, package),
        icon_url=_icon(server),
        website=_text(server.get("websiteUrl")),
        repository=_text((server.get("repository") or {}).get("url")),
        search_text=" ".join((name, title, description, publisher)).lower(),
    )


def preferred_package(server: Server) -> dict[str, Any] | None:
    packages = packages_in_order(server)
    return packages[0] if packages else None


def packages_in_order(server: Server) -> list[dict[str, Any]]:
    """The server's packages, the way MCP Desk prefers to run it first."""
    packages = [p for p in server.get("packages") or [] if isinstance(p, dict)]
    return sorted(packages, key=lambda p: _rank(p.get("registryType")))


def needs_of(server: Server, package: dict[str, Any] | None) -> tuple[str, ...]:
    if package is not None:
        inputs = list(package_inputs(package))
        runtime = _RUNTIME_NEEDS.get(str(package.get("registryType")))
        needs = [runtime] if runtime else []
    else:
        remotes = [r for r in server.get("remotes") or [] if isinstance(r, dict)]
        inputs = list(remote_inputs(remotes[0])) if remotes else []
        needs = []
    if any(item.get("isSecret") for item in inputs):
        needs.append(API_KEY)
    if any(is_folder_like(item) for item in inputs):
        needs.append(FOLDER)
    return tuple(needs)


def package_inputs(package: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every input of a package, nested variables included."""
    for key in ("runtimeArguments", "packageArguments", "environmentVariables"):
        yield from _with_variables(package.get(key) or [])


def remote_inputs(remote: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from _with_variables(remote.get("headers") or [])
    yield from _variables(remote)


def is_folder_like(item: dict[str, Any]) -> bool:
    """An input that names a folder (the schema's only path format, `filepath`, says no more)."""
    text = " ".join(str(item.get(key) or "") for key in ("name", "valueHint", "description")).lower()
    return not _FOLDER_WORDS.isdisjoint(re.split(r"[^a-z]+", text))


def _with_variables(items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _variables(item)


def _variables(item: dict[str, Any]) -> Iterator[dict[str, Any]]:
    variables = item.get("variables")
    if isinstance(variables, dict):
        yield from (value for value in variables.values() if isinstance(value, dict))


def _rank(kind: object) -> int:
    return PACKAGE_ORDER.index(kind) if kind in PACKAGE_ORDER else len(PACKAGE_ORDER)


def _icon(server: Server) -> str | None:
    for icon in server.get("icons") or []:
        src = icon.get("src") if isinstance(icon, dict) else None
        if isinstance(src, str) and src.startswith("https://"):
            return src
    return None


def _required_text(server: Server, key: str) -> str:
    value = _text(server.get(key))
    if value is None:
        raise ValueError(f"no {key}")
    return value


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
