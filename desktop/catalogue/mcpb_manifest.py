"""An MCPB bundle's `manifest.json` (manifest versions 0.1 to 0.4), read and checked.

Field names follow the MCPB specification (`modelcontextprotocol/mcpb`, `MANIFEST.md` and
`src/schemas/0.*.ts`). Read the way the spec's loose schemas read it: fields MCP Desk does not use
(long_description, screenshots, localization, `_meta`, ...) are ignored; a `uv` server may leave out
`mcp_config`, as the spec's own `hello-world-uv` example does (the host runs it).
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from desktop.catalogue.control import CatalogueProblem

KNOWN_VERSIONS = ("0.1", "0.2", "0.3", "0.4")
ServerType = Literal["node", "python", "binary", "uv"]
Platform = Literal["darwin", "win32", "linux"]
OptionType = Literal["string", "number", "boolean", "directory", "file"]
Default = str | float | bool | list[str]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Author(_Part):
    name: str
    email: str | None = None
    url: str | None = None


class LaunchOverride(_Part):
    """`mcp_config.platform_overrides.<platform>`: any of command, args, env."""

    command: str | None = None
    args: list[str] | None = None
    env: dict[str, str] | None = None


class McpConfig(_Part):
    command: str
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    platform_overrides: dict[str, LaunchOverride] = Field(default_factory=dict)

    def for_platform(self, platform: str) -> McpConfig:
        """This launch with `platform`'s override applied (each field it gives replaces the base's)."""
        override = self.platform_overrides.get(platform)
        if override is None:
            return self
        return McpConfig(
            command=override.command or self.command,
            args=self.args if override.args is None else override.args,
            env={**self.env, **(override.env or {})},
        )


class Server(_Part):
    type: ServerType
    entry_point: str
    mcp_config: McpConfig | None = None


class Runtimes(_Part):
    python: str | None = None
    node: str | None = None


class Compatibility(_Part):
    """Other clients' version ranges (`claude_desktop`, ...) are ignored: they are not MCP Desk."""

    platforms: list[Platform] | None = None
    runtimes: Runtimes = Field(default_factory=Runtimes)


class Declared(_Part):
    """A tool or prompt the manifest says the server has."""

    name: str
    description: str = ""


class UserOption(_Part):
    type: OptionType
    title: str
    description: str = ""
    required: bool = False
    default: Default | None = None
    multiple: bool = False
    sensitive: bool = False
    min: float | None = None
    max: float | None = None


class Manifest(_Part):
    manifest_version: str
    name: str = Field(min_length=1)
    display_name: str | None = None
    version: str = Field(min_length=1)
    description: str
    author: Author
    icon: str | None = None
    server: Server
    tools: list[Declared] = Field(default_factory=list)
    prompts: list[Declared] = Field(default_factory=list)
    compatibility: Compatibility = Field(default_factory=Compatibility)
    user_config: dict[str, UserOption] = Field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.display_name or self.name


def read_manifest(text: bytes | str) -> Manifest:
    """The manifest in `text`, or a `CatalogueProblem` saying in a sentence what is wrong with it."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise CatalogueProblem(
            "This bundle's description (manifest.json) is damaged and can't be read. "
            "Ask its publisher for a new copy of the bundle.",
            details=str(error),
        ) from error
    if not isinstance(data, dict):
        raise CatalogueProblem(
            "This bundle's description (manifest.json) is not in the shape of a bundle's. "
            "Ask its publisher for a new copy of the bundle.",
            details=f"manifest.json holds a {type(data).__name__}, not an object",
        )
    version = data.get("manifest_version", data.get("dxt_version"))
    _check_version(version)
    try:
        return Manifest.model_validate({**data, "manifest_version": version})
    except ValidationError as error:
        raise _problem_of(error) from error


def _check_version(version: object) -> None:
    if version is None:
        raise CatalogueProblem(
            "This bundle's description (manifest.json) doesn't say which bundle format it uses, "
            "so MCP Desk can't read it safely. Ask its publisher for a new copy of the bundle.",
            details="neither manifest_version nor dxt_version is given",
        )
    if version not in KNOWN_VERSIONS:
        raise CatalogueProblem(
            f"This bundle uses a bundle format MCP Desk doesn't know (version {version}). "
            "Update MCP Desk, or ask the publisher for a bundle of format 0.4 or earlier.",
            details=f"manifest_version {version!r}; known: {', '.join(KNOWN_VERSIONS)}",
        )


def _problem_of(error: ValidationError) -> CatalogueProblem:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        sentence = f"This bundle's description (manifest.json) is missing “{where}”"
    else:
        sentence = f"This bundle's description (manifest.json) has a wrong value for “{where}”"
    return CatalogueProblem(
        f"{sentence}, so MCP Desk can't tell how to run it. Ask its publisher for a new copy of the bundle.",
        details=str(error),
    )
