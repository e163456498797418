"""MCP Apps (`io.modelcontextprotocol/ui`): a tool's `ui://` view, and the fence it runs inside.

A view is HTML a server hands out. MCP Desk shows it in a sandboxed web view that loads it from its
own URL scheme (never a file), puts `content_security_policy` first in the document, and lets a
request out only where `may_load` says: to a domain the resource declared. Nothing here loosens
that: a declared domain that is not a plain origin (`https://host[:port]`, `*.` allowed) is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from desktop.core.problem import Problem
from desktop.servers.resources import ResourceRead
from desktop.servers.web_part_folder import VIEW_SCHEME

EXTENSION_ID = "io.modelcontextprotocol/ui"
APP_MIME = "text/html;profile=mcp-app"
_ORIGIN = re.compile(r"^(https|wss|http|ws)://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$")
_DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.IGNORECASE)
"""Kept first, so the page is not read in quirks mode; nothing the server wrote can run before it."""
_LOCAL_SCHEMES = ("data", "blob")
"""Addresses that never leave the page; the CSP still decides what they may be used for."""


class NoAppView(Problem):
    """The server sent no HTML for a tool's view."""


@dataclass(frozen=True)
class AppDomains:
    """Where a view may connect and load from, as its resource declared (`_meta.ui.csp`)."""

    connect: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    frames: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    """Declared, but not a plain origin: never allowed."""

    @property
    def all(self) -> tuple[str, ...]:
        return self.connect + self.resources + self.frames


@dataclass(frozen=True)
class AppResource:
    """A view as the server sent it: its HTML and the domains it declared."""

    server: str
    uri: str
    html: str
    domains: AppDomains


def is_view(uri: str) -> bool:
    """A `ui://` address: a tool's view, for its card, not content for a model to read."""
    return uri.startswith("ui://")


def app_view_of(meta: dict[str, Any] | None) -> str | None:
    """A tool's `ui://` view (`_meta.ui.resourceUri`, or the older `_meta["ui/resourceUri"]`)."""
    meta = meta or {}
    ui = meta.get("ui")
    uri = ui.get("resourceUri") if isinstance(ui, dict) else meta.get("ui/resourceUri")
    return uri if isinstance(uri, str) and is_view(uri) else None


def visibility_of(meta: dict[str, Any] | None) -> tuple[str, ...]:
    ui = (meta or {}).get("ui")
    seen = ui.get("visibility") if isinstance(ui, dict) else None
    return tuple(v for v in seen if isinstance(v, str)) if isinstance(seen, list) else ()


def app_resource(read: ResourceRead) -> AppResource:
    """The view's HTML and declared domains from a `resources/read` of its `ui://` address."""
    for content, wire in zip(read.contents, read.wire or (None,) * len(read.contents), strict=False):
        if content.text is not None and content.mime_type.startswith("text/html"):
            ui = ((wire or {}).get("_meta") or {}).get("ui") or {}
            return AppResource(
                read.server,
                read.uri,
                content.text,
                declared_domains(ui.get("csp") or {}),
            )
    raise NoAppView(
        f"“{read.server}” did not send a view for this tool, so its result is shown as text.",
        f"{read.uri}: no text/html content among {[c.mime_type for c in read.contents]}",
    )


def declared_domains(csp: dict[str, Any]) -> AppDomains:
    kept: dict[str, tuple[str, ...]] = {}
    dropped: list[str] = []
    for key, name in (
        ("connectDomains", "connect"),
        ("resourceDomains", "resources"),
        ("frameDomains", "frames"),
    ):
        found = csp.get(key)
        values: list[Any] = found if isinstance(found, list) else []
        kept[name] = tuple(v for v in values if isinstance(v, str) and _ORIGIN.match(v))
        dropped += [str(v) for v in values if not (isinstance(v, str) and _ORIGIN.match(v))]
    return AppDomains(kept["connect"], kept["resources"], kept["frames"], tuple(dropped))


def content_security_policy(domains: AppDomains) -> str:
    """The view's CSP: its own inline code, and the network only where it declared a domain."""
    loads = " ".join(domains.resources)
    directives = {
        "default-src": "'none'",
        "script-src": f"'self' 'unsafe-inline' {loads}",
        "style-src": f"'self' 'unsafe-inline' {loads}",
        "img-src": f"'self' data: blob: {loads}",
        "font-src": f"'self' data: {loads}",
        "media-src": f"'self' data: blob: {loads}",
        "connect-src": " ".join(domains.connect) or "'none'",
        "frame-src": " ".join(domains.frames) or "'none'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


def with_policy(html: str, policy: str) -> str:
    """The document with its CSP as the very first thing in it, before anything the server wrote."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    doctype = _DOCTYPE.match(html)
    if doctype is None:
        return meta + html
    return html[: doctype.end()] + meta + html[doctype.end() :]


def may_load(url: str, domains: AppDomains) -> bool:
    """Whether a request from the view may go out: its own scheme, or an origin it declared."""
    parts = urlsplit(url)
    if parts.scheme in (VIEW_SCHEME, *_LOCAL_SCHEMES):
        return True
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        return False
    return any(_matches(parts.scheme, parts.hostname, parts.port, allowed) for allowed in domains.all)


def _matches(scheme: str, host: str, port: int | None, allowed: str) -> bool:
    want = urlsplit(allowed.replace("*.", "wildcard.", 1))
    if want.scheme != scheme or want.port != port or not want.hostname:
        return False
    if allowed.split("://", 1)[1].startswith("*."):
        suffix = want.hostname.removeprefix("wildcard")
        return host.endswith(suffix) and host != suffix.lstrip(".")
    return host == want.hostname
