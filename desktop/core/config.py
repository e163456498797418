"""The settings file's schema.

`mcpServers` has the shape of Claude Desktop's config (`command`/`args`/`env` for
stdio, `url`/`headers` for Streamable HTTP) so a user's existing entries paste in as
they are; MCP Desk's own fields sit beside them with defaults.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shlex
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from desktop.core.sandbox_policy import Sandbox
from desktop.core.secret_refs import references, substitute

SCHEMA_VERSION = 2
SERVER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
CALLBACK_HOST = "127.0.0.1"
CALLBACK_PATH = "/callback"
"""Where the browser comes back after signing in: MCP Desk listens there (`sign_in_listener`)."""
CLIENT_METADATA_URL = "https://mcp-desk.github.io/mcp-desk/oauth/client-metadata.json"
"""Where `docs/oauth/client-metadata.json` is published: MCP Desk's client ID where servers take one."""
_PRIVATE_PORTS = (49152, 65535)
OFFICIAL_REGISTRY = "https://registry.modelcontextprotocol.io"
"""The official MCP Registry: where "Browse servers" looks unless the user adds others."""
_LOOPBACK_URL = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")


def redirect_uri(port: int) -> str:
    """The sign-in redirect address on this computer for `port`."""
    return f"http://{CALLBACK_HOST}:{port}{CALLBACK_PATH}"


def new_redirect_port() -> int:
    """A port for a sign-in redirect that stays with its server: one from the private range."""
    return secrets.SystemRandom().randint(*_PRIVATE_PORTS)


class SignInClient(BaseModel):
    """A client the server's provider registered for the user, where apps can't register themselves."""

    model_config = ConfigDict(extra="ignore")

    client_id: str = Field(min_length=1, max_length=2000)
    client_secret: str | None = None
    """A `${secret:NAME}` reference once saved; the value itself lives only in the keyring."""
    redirect_port: int = Field(default_factory=new_redirect_port, ge=1024, le=65535)
    """Chosen once, kept: the provider accepts only the redirect address it was given."""

    @property
    def redirect_uri(self) -> str:
        return redirect_uri(self.redirect_port)

    def secret_texts(self) -> list[str]:
        return [self.client_secret] if self.client_secret else []

    def with_secrets(self, values: dict[str, str]) -> SignInClient:
        """A copy with the secret's reference replaced by its value in `values`."""
        if not self.client_secret:
            return self
        return self.model_copy(update={"client_secret": substitute(self.client_secret, values)})


class CatalogueOrigin(BaseModel):
    """Where a server installed from a registry or a bundle came from: for the approval question,
    and to say when a newer version is out."""

    model_config = ConfigDict(extra="ignore")

    registry: str
    """The registry's address; empty for a bundle file the user opened."""
    name: str
    """The registry's name for it, e.g. `io.github.owner/weather` (a bundle file's: its manifest's)."""
    version: str
    title: str = ""
    """What a person calls it, e.g. “Weather” (the entry's title, or the bundle's display name)."""
    publisher: str = ""
    """Who publishes it: the registry's namespace, or the bundle's author."""
    package: str = ""
    """What runs, with its exact version: "npm @scope/pkg@1.2.3", "bundle weather 1.0.0"."""
    source: str = ""
    """Where it came from, in words: the registry entry, or the bundle file's path."""
    values: dict[str, str] = Field(default_factory=dict)
    """What the user gave its install form (a secret as its `${secret:…}`), kept for an update."""


class ServerConfig(BaseModel):
    """One MCP server: how to reach it and how MCP Desk looks after it."""

    model_config = ConfigDict(extra="ignore")

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    sign_in: SignInClient | None = None
    """For a remote server whose provider gave the user a client ID; None: MCP Desk registers itself."""
    sandbox: Sandbox | None = None
    """What a local server may reach; None: it runs unsandboxed, with the user's own permissions."""
    runtime: Literal["mcp-desk"] | None = None
    """"mcp-desk": `npx`, `node`, `uvx`, `uv` are MCP Desk's own copies; None: the computer's."""
    origin: CatalogueOrigin | None = None
    """The registry entry it was installed from (not part of the launch: the command says the version)."""

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
        if self.sign_in is not None and not self.url:
            raise ValueError("a client ID for signing in is only for a server with a URL")
        if self.sandbox is not None and self.url:
            raise ValueError("a sandbox is only for a program on this computer, not for a URL")
        if self.runtime is not None and self.url:
            raise ValueError("MCP Desk's own runtimes are only for a program on this computer, not for a URL")
        return self

    @property
    def is_remote(self) -> bool:
        return self.url is not None

    def launch_hash(self) -> str:
        """What the user confirms: command, arguments, env names, folder, URL, header names, sandbox."""
        material: dict[str, Any] = {
            "command": self.command,
            "args": self.args,
            "env": sorted(self.env),
            "cwd": self.cwd,
            "url": self.url,
            "headers": sorted(self.headers),
        }
        if self.sandbox is not None:  # absent, not null: an unsandboxed server keeps its old approval
            material["sandbox"] = self.sandbox.model_dump(mode="json")
        if self.runtime is not None:  # the same: absent unless set
            material["runtime"] = self.runtime
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    @property
    def is_trusted(self) -> bool:
        return self.trusted_launch == self.launch_hash()

    def secret_names(self) -> list[str]:
        """The secrets its env values, headers, arguments and client secret refer to, as `${secret:NAME}`."""
        sign_in = self.sign_in.secret_texts() if self.sign_in else []
        texts = [*self.env.values(), *self.headers.values(), *self.args, *sign_in]
        return list(dict.fromkeys(name for text in texts for name in references(text)))

    def with_secrets(self, values: dict[str, str]) -> ServerConfig:
        """A copy with the references replaced by `values`: for one launch, never to be saved."""
        return self.model_copy(
            update={
                "env": {name: substitute(text, values) for name, text in self.env.items()},
                "headers": {name: substitute(text, values) for name, text in self.headers.items()},
                "args": [substitute(text, values) for text in self.args],
                "sign_in": self.sign_in and self.sign_in.with_secrets(values),
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
    sees_images: bool = False
    """The endpoint's model takes images (a vision model): a tool's images are sent to it."""


class GatewayApp(BaseModel):
    """One of the user's other AI apps, as the gateway knows it (its token is in the keyring)."""

    model_config = ConfigDict(extra="ignore")

    servers: list[str] = Field(default_factory=list)
    """The servers it may use; none until the user chooses."""


class GatewaySettings(BaseModel):
    """MCP Desk's endpoint for the user's other AI apps (`desktop/gateway`)."""

    model_config = ConfigDict(extra="ignore")

    enabled: bool = False
    port: int | None = Field(default=None, ge=1024, le=65535)
    """Chosen once, when first turned on, and kept (the apps' settings name it)."""
    apps: dict[str, GatewayApp] = Field(default_factory=dict)


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
    client_metadata_url: str | None = Field(default=CLIENT_METADATA_URL, pattern=r"^https://[^/?#]+/[^?#]+$")
    """MCP Desk's client ID where a sign-in server takes client metadata documents; None: never."""
    models: ModelSettings = Field(default_factory=ModelSettings)
    chat: ChatBackendConfig = Field(default_factory=ChatBackendConfig)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    registry_urls: list[str] = Field(default_factory=lambda: [OFFICIAL_REGISTRY])
    """The MCP registries "Browse servers" lists, the first one first (a company's own, a sub-registry)."""

    @field_validator("registry_urls")
    @classmethod
    def _registries_are_safe(cls, urls: list[str]) -> list[str]:
        return [check_registry_url(url) for url in urls]


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


def check_registry_url(url: str) -> str:
    """A registry is read over HTTPS (plain HTTP only on this computer, for testing one)."""
    url = url.strip().rstrip("/")
    if not (re.match(r"^https://[^/?#\s]+(/[^?#\s]*)?$", url) or _LOOPBACK_URL.match(url)):
        raise ValueError(f"“{url}” can't be used as a registry: its address must start with https://.")
    return url


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
