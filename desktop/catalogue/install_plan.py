"""A registry entry's `server.json` → what installing it would do, and the form the user fills in.

npm runs as `npx -y <package>@<version>` and PyPI as `uvx <package>==<version>`, both with MCP
Desk's own Node.js and uv (`runtime="mcp-desk"`); an OCI image as `docker run -i --rm` (or
Podman) with its variables passed by name; a Streamable HTTP remote as an address with headers.
Versions are always the exact ones published, never "latest". Each input the publisher left open
(`runtimeArguments`, `packageArguments`, `environmentVariables`, headers, `{variables}`) becomes
a field; an input with a fixed `value` is the publisher's and is not asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop.catalogue.control import InstallPlan
from desktop.catalogue.entries import Server, entry_of, packages_in_order
from desktop.catalogue.install_form import FormBuilder
from desktop.catalogue.install_recipe import ArgGroup, Recipe, literal
from desktop.catalogue.install_sandbox import in_sandbox
from desktop.core.config import OFFICIAL_REGISTRY, CatalogueOrigin, suggest_server_name
from desktop.servers.runtimes import NODE, UV

LOCAL_ABILITIES = (
    "It runs on this computer with your permissions: unless you put it in a sandbox, it can read and "
    "change your files and reach the internet."
)
DOCKER_ABILITIES = (
    "It runs on this computer inside a container: it sees the folders and settings you give it, "
    "and can reach the internet."
)
REMOTE_ABILITIES = (
    "It runs on the publisher's service, not on this computer: it sees what you send it, "
    "and nothing else of this computer."
)
Finder = Callable[[str], str | None]


@dataclass(frozen=True)
class PlannedInstall:
    plan: InstallPlan
    recipe: Recipe | None
    """None when the plan is blocked or the entry is a bundle."""
    bundle: BundleRef | None = None
    origin: CatalogueOrigin | None = None


@dataclass(frozen=True)
class BundleRef:
    """An MCPB package to download, check and hand to the bundles' installer."""

    url: str
    sha256: str


@dataclass(frozen=True)
class _Way:
    """One way to run the entry, before its plan is written."""

    package: str
    recipe: Recipe | None
    abilities: str
    notes: tuple[str, ...] = ()
    blocked: str | None = None
    bundle: BundleRef | None = None
    sandboxed: bool = False
    """A program of its own on this computer (npm, PyPI): it starts in a sandbox."""


def plan_server(
    server: Server, registry: str, verified: bool, taken: set[str], find: Finder, *, bundles: bool = False
) -> PlannedInstall:
    """The best way to install `server` here: the first of its ways that isn't blocked."""
    entry = entry_of(server, verified)
    origin = CatalogueOrigin(registry=registry, name=entry.name, version=entry.version)
    ways = [_package_way(p, origin, find, bundles) for p in packages_in_order(server)]
    ways += [_remote_way(r, origin) for r in server.get("remotes") or [] if isinstance(r, dict)]
    if not ways:
        ways = [_Way(entry.name, None, REMOTE_ABILITIES, blocked=_NO_WAY)]
    way = next((w for w in ways if w.blocked is None), ways[0])
    plan = InstallPlan(
        suggested_name=suggest_server_name(entry.name.partition("/")[2], taken),
        title=entry.title,
        publisher=entry.publisher,
        verified=verified,
        package=way.package,
        source=f"{entry.name} {entry.version} from {registry_words(registry)}",
        abilities=way.abilities,
        fields=way.recipe.fields if way.recipe else (),
        notes=way.notes,
        blocked=way.blocked,
    )
    if way.sandboxed and way.blocked is None:
        plan = in_sandbox(plan)
    return PlannedInstall(plan, way.recipe, way.bundle, origin)


def registry_words(registry: str) -> str:
    """“the MCP Registry” (the one the Browse list names), or “the registry at <address>”."""
    return "the MCP Registry" if registry == OFFICIAL_REGISTRY else f"the registry at {registry}"


def _package_way(package: dict[str, Any], origin: CatalogueOrigin, find: Finder, bundles: bool) -> _Way:
    kind, identifier = str(package.get("registryType")), str(package.get("identifier") or "")
    version = str(package.get("version") or "")
    transport = (package.get("transport") or {}).get("type", "stdio")
    if transport != "stdio":
        return _Way(identifier, None, LOCAL_ABILITIES, blocked=_LOCAL_WEB)
    if kind == "npm":
        return _runtime_way(
            "npx", ["-y"], f"{identifier}@{version}", f"npm {identifier}@{version}", package, origin
        )
    if kind == "pypi":
        return _runtime_way(
            "uvx", [], f"{identifier}=={version}", f"PyPI {identifier}=={version}", package, origin
        )
    if kind == "oci":
        return _docker_way(package, identifier, version, origin, find)
    if kind == "mcpb":
        return _bundle_way(identifier, str(package.get("fileSha256") or ""), bundles)
    return _Way(identifier, None, LOCAL_ABILITIES, blocked=_UNSUPPORTED.get(kind, _UNKNOWN).format(kind=kind))


def _runtime_way(
    command: str, lead: list[str], spec: str, shown: str, package: dict[str, Any], origin: CatalogueOrigin
) -> _Way:
    if spec.endswith(("@", "==")):
        return _Way(shown, None, LOCAL_ABILITIES, blocked=_NO_VERSION)
    form = FormBuilder()
    args = form.arguments(package.get("runtimeArguments"))
    args += (ArgGroup(tuple(literal(a) for a in [*lead, spec])),)
    args += form.arguments(package.get("packageArguments"))
    env = form.key_values(package.get("environmentVariables"))
    recipe = Recipe(form.fields(), command, args, env, runtime=True, origin=origin)
    runtime = f"{NODE.title} {NODE.version}" if command == "npx" else f"Python (with {UV.title} {UV.version})"
    note = (
        f"MCP Desk sets up {runtime} for it, downloading it the first time a server needs it; "
        f"the first start also downloads {shown.split(' ', 1)[1]}."
    )
    return _Way(shown, recipe, LOCAL_ABILITIES, (note,), sandboxed=True)


def _docker_way(
    package: dict[str, Any], identifier: str, version: str, origin: CatalogueOrigin, find: Finder
) -> _Way:
    image = (
        identifier if ":" in identifier.rsplit("/", 1)[-1] or "@" in identifier else f"{identifier}:{version}"
    )
    shown = f"Docker image {image}"
    if image.endswith(":"):
        return _Way(shown, None, DOCKER_ABILITIES, blocked=_NO_VERSION)
    engine = next((name for name in ("docker", "podman") if find(name)), None)
    if engine is None:
        return _Way(shown, None, DOCKER_ABILITIES, blocked=_NO_DOCKER)
    form = FormBuilder()
    env = form.key_values(package.get("environmentVariables"))
    args: tuple[ArgGroup, ...] = (ArgGroup(tuple(literal(a) for a in ("run", "-i", "--rm"))),)
    args += form.arguments(package.get("runtimeArguments"))
    args += (ArgGroup((), env_flags=True), ArgGroup((literal(image),)))
    args += form.arguments(package.get("packageArguments"))
    return _Way(shown, Recipe(form.fields(), engine, args, env, origin=origin), DOCKER_ABILITIES)


def _bundle_way(url: str, sha256: str, bundles: bool) -> _Way:
    shown = f"bundle {url.rsplit('/', 1)[-1]}"
    if not bundles:
        return _Way(shown, None, LOCAL_ABILITIES, blocked=_NO_BUNDLES)
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        return _Way(shown, None, LOCAL_ABILITIES, blocked=_NO_CHECKSUM)
    note = f"MCP Desk downloads {shown.removeprefix('bundle ')} and checks it is the file the registry lists."
    return _Way(shown, None, LOCAL_ABILITIES, (note,), bundle=BundleRef(url, sha256.lower()))


def _remote_way(remote: dict[str, Any], origin: CatalogueOrigin) -> _Way:
    url = str(remote.get("url") or "")
    if remote.get("type") != "streamable-http":
        return _Way(url, None, REMOTE_ABILITIES, blocked=_SSE)
    form = FormBuilder()
    url_template = form.with_variables(url, remote.get("variables"), optional=False)
    headers = form.key_values(remote.get("headers"))
    return _Way(
        url, Recipe(form.fields(), url=url_template, headers=headers, origin=origin), REMOTE_ABILITIES
    )


_NO_WAY = "Its publisher didn't say how to run it, so MCP Desk can't install it."
_NO_VERSION = "Its publisher did not say which version to run, so MCP Desk won't install it."
_NO_DOCKER = (
    "It runs in Docker or Podman, and neither is installed on this computer. Install Docker Desktop first."
)
_LOCAL_WEB = "It runs as a local web service, which MCP Desk can't start yet."
_NO_BUNDLES = "It comes as an MCP Bundle, which MCP Desk can't install from the catalogue yet."
_NO_CHECKSUM = "The registry lists no checksum for this bundle, so MCP Desk won't download it."
_SSE = "It uses an older kind of connection (SSE) that MCP Desk doesn't support."
_UNKNOWN = "It is published as a {kind} package, which MCP Desk can't install."
_UNSUPPORTED = {"nuget": "It needs .NET, which MCP Desk can't provide yet."}
