"""The settings file's schema.

`mcpServers` has the shape of Claude Desktop's config (`command`/`args`/`env` for
stdio, `url`/`headers` for Streamable HTTP) so a user's existing entries paste in as
they are; MCP Desk's own fields sit beside them with defaults.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from desktop.core.secret_refs import references, substitute

SCHEMA_VERSION = 2
SERVER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")


class ServerConfig(BaseModel):
    """One MCP server: how to reach it and how MCP Desk looks after it."""

    model_config = ConfigDict(extra="ignore")

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    enabled: bool = True
    start_with_app: bool = True
    init_timeout: float = Field(default=30.0, gt=0, le=600)
    request_timeout: float = Field(default=60.0, gt=0, le=3600)
    trusted_launch: str | None = None
    """`launch_hash()` of the launch the user last confirmed; anything else asks again."""

    @model_validator(mode="after")
    def _one_way_to_reach_it(self) -> ServerConfig:
        if bool(self.command) == bool(self.url):
            raise ValueError("a server needs either a command to run or a URL to connect to")
        if self.url and not re.match(r"^https?://", self.url):
            raise ValueError("the URL must start with http:// or https://")
        return self

    @property
    def is_remote(self) -> bool:
        return self.url is not None

    def launch_hash(self) -> str:
        """What the user confirms: command, arguments, env names, folder, URL and header names."""
        material = {
            "command": self.command,
            "args": self.args,
            "env": sorted(self.env),
            "cwd": self.cwd,
            "url": self.url,
            "headers": sorted(self.headers),
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    @property
    def is_trusted(self) -> bool:
        return self.trusted_launch == self.launch_hash()

    def secret_names(self) -> list[str]:
        """The secrets its environment values, headers and arguments refer to, as `${secret:NAME}`."""
        texts = [*self.env.values(), *self.headers.values(), *self.args]
        return list(dict.fromkeys(name for text in texts for name in references(text)))

    def with_secrets(self, values: dict[str, str]) -> ServerConfig:
        """A copy with the references replaced by `values`: for one launch, never to be saved."""
        return self.model_copy(
            update={
                "env": {name: substitute(text, values) for name, text in self.env.items()},
                "headers": {name: substitute(text, values) for name, text in self.headers.items()},
                "args": [substitute(text, values) for text in self.args],
            }
        )

    def display_command(self) -> str:
        if self.url:
            return self.url
        return shlex.join([self.command or "", *self.args])

    def claude_entry(self) -> dict[str, Any]:
        """The Claude Desktop shape of this server, for the JSON view and exports."""
        if self.url:
            entry: dict[str, Any] = {"url": self.url}
            if self.headers:
                entry["headers"] = dict(self.headers)
            return entry
        entry = {"command": self.command, "args": list(self.args)}
        if self.env:
            entry["env"] = dict(self.env)
        return entry


class ModelSettings(BaseModel):
    """The Model page's choices, remembered between runs."""

    model_config = ConfigDict(extra="ignore")

    added_files: list[str] = Field(default_factory=list)
    """Model files the user added from elsewhere ("Add file…"), never copied."""
    context: int = Field(default=4096, ge=256, le=1_048_576)
    kv_type: Literal["f16", "q8_0", "q4_0"] = "f16"
    flash_attention: bool = False
    last_model: str | None = None


class ChatBackendConfig(BaseModel):
    """Where chat answers come from; the endpoint's key lives in the keyring."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["local", "openai"] = "local"
    base_url: str = ""
    model: str = ""
    context: int = Field(default=8192, ge=256, le=10_000_000)


class AppSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start_at_login: bool = False
    tray_hint_shown: bool = False
    """The one-time notice that closing the window keeps MCP Desk in the tray."""
    welcome_done: bool = False
    """The welcome flow was finished or skipped; Help shows it again."""
    consent_explained: bool = False
    """The first question about a tool call came with a word on what such questions are for."""
    log_keep_days: int = Field(default=7, ge=1, le=365)
    """How long the JSON-RPC log files are kept."""
    log_max_mb: int = Field(default=256, ge=8, le=100_000)
    """The most disk space the JSON-RPC log files may take; the oldest go first."""
    health_check_seconds: float = Field(default=30.0, ge=0.5, le=3600)
    """How often a running server is asked whether it is still there."""
    models: ModelSettings = Field(default_factory=ModelSettings)
    chat: ChatBackendConfig = Field(default_factory=ChatBackendConfig)


class AppConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    schema_version: int = SCHEMA_VERSION
    servers: dict[str, ServerConfig] = Field(default_factory=dict, alias="mcpServers")
    settings: AppSettings = Field(default_factory=AppSettings)

    @field_validator("servers")
    @classmethod
    def _names_are_usable(cls, servers: dict[str, ServerConfig]) -> dict[str, ServerConfig]:
        for name in servers:
            check_server_name(name)
        return servers

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2, exclude_none=True)


def check_server_name(name: str) -> str:
    """Names become tool prefixes (`<server>__<tool>`), so they stay short and plain."""
    if not SERVER_NAME_PATTERN.match(name) or "__" in name:
        raise ValueError(
            f"“{name}” can't be used as a server name: use up to 48 letters, digits, '-', '_' or '.', "
            "starting with a letter or digit, and no double underscore."
        )
    return name


def suggest_server_name(raw: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A usable, unused name close to `raw` (for imports and clashes)."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-_.") or "server"
    base = re.sub(r"_{2,}", "_", base)[:40]
    name, n = base, 2
    while name in taken:
        name = f"{base}-{n}"
        n += 1
    return name
