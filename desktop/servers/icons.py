"""The icons servers offer for themselves and their tools, fetched safely and kept in the cache.

An icon comes only from an `https:` address or a `data:` URL: never `file:`, `http:`, or a
local or private address (nor a name that leads to one, looked up just before the fetch), so a
server can't make MCP Desk read this computer's files or probe its network. An icon is at most
`MAX_ICON_BYTES`, and is PNG, JPEG, GIF or WebP, told from its bytes, not from what the server or
the web server says. SVG is refused: it can carry scripts and references to other files, and a
safe subset would need a sanitizer of its own. Fetched icons are kept in the cache folder by the
SHA-256 of their address; an address refused or unreachable once is not tried again while MCP
Desk runs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import ipaddress
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import httpx2

from desktop.core.atomic_file import replaced_atomically
from desktop.core.events import IconRef
from desktop.core.problem import Problem
from desktop.servers.icon_control import Icon

MAX_ICON_BYTES = 256 * 1024
TIMEOUT_S = 5.0
MAX_REDIRECTS = 3
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


class IconRefused(Problem):
    """An icon MCP Desk will not show, and why."""


def image_type(data: bytes) -> str | None:
    """What kind of image `data` is, from its first bytes; None for anything else (SVG included)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


def checked(data: bytes, src: str) -> Icon:
    if len(data) > MAX_ICON_BYTES:
        raise IconRefused(f"The icon is larger than {MAX_ICON_BYTES // 1024} KB.", src[:200])
    kind = image_type(data)
    if kind is None:
        raise IconRefused("The icon is not a PNG, JPEG, GIF or WebP picture.", src[:200])
    return Icon(kind, data)


def from_data_url(src: str) -> Icon:
    """`data:image/png;base64,...` (or percent-encoded) as an icon."""
    head, comma, body = src.partition(",")
    if not comma:
        raise IconRefused("The icon's data address is damaged.", src[:200])
    if len(body) > MAX_ICON_BYTES * 2:
        raise IconRefused(f"The icon is larger than {MAX_ICON_BYTES // 1024} KB.", src[:200])
    try:
        data = base64.b64decode(body, validate=True) if head.endswith(";base64") else unquote_to_bytes(body)
    except (binascii.Error, ValueError) as exc:
        raise IconRefused("The icon's data address is damaged.", str(exc)) from exc
    return checked(data, src)


def fetchable(url: str, loopback_http: bool = False) -> None:
    """Raises IconRefused unless `url` is an https address of a host that is not this computer or its
    network. `loopback_http` lets tests use plain http on 127.0.0.1, and nothing else."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if loopback_http and parts.scheme == "http" and host == "127.0.0.1":
        return
    if parts.scheme != "https":
        raise IconRefused("Icons are shown only from https addresses.", url[:200])
    if not host or host == "localhost" or host.endswith((".localhost", ".local")):
        raise IconRefused("Icons are not read from this computer or its network.", url[:200])
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address.is_global:
        raise IconRefused("Icons are not read from this computer or its network.", url[:200])


ClientFactory = Callable[[], httpx2.AsyncClient]


class IconStore:
    """`IconControl`: icons from a data URL at once, from the cache, or fetched once over https."""

    def __init__(
        self, folder: Path, client: ClientFactory | None = None, *, loopback_http: bool = False
    ) -> None:
        self._folder = folder
        self._client = client or (lambda: httpx2.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False))
        self._loopback_http = loopback_http
        self._refused: dict[str, IconRefused] = {}

    async def first(self, refs: tuple[IconRef, ...]) -> Icon | None:
        """The first of `refs` that can be shown, or None."""
        for ref in refs:
            try:
                return await self.icon(ref.src)
            except IconRefused:
                continue
        return None

    async def icon(self, src: str) -> Icon:
        """Raises IconRefused, saying why, for an icon that can't or won't be shown."""
        if src.startswith("data:"):
            return from_data_url(src)
        if src in self._refused:
            raise self._refused[src]
        cached = self._folder / hashlib.sha256(src.encode()).hexdigest()
        try:
            return checked(cached.read_bytes(), src)
        except (OSError, IconRefused):
            pass
        try:
            icon = checked(await self._fetch(src), src)
        except IconRefused as refused:
            self._refused[src] = refused
            raise
        with contextlib.suppress(OSError), replaced_atomically(cached, binary=True) as out:
            out.write(icon.data)  # a cache that can't be written only means fetching again next time
        return icon

    async def _fetch(self, url: str) -> bytes:
        async with self._client() as client:
            for _ in range(MAX_REDIRECTS + 1):
                fetchable(url, self._loopback_http)
                if not self._loopback_http:
                    await _public(url)
                try:
                    async with client.stream("GET", url) as reply:
                        if reply.is_redirect and "location" in reply.headers:
                            url = urljoin(url, reply.headers["location"])
                            continue
                        if reply.status_code != 200:
                            raise IconRefused("The icon could not be fetched.", f"HTTP {reply.status_code}")
                        return await _capped(reply)
                except httpx2.HTTPError as exc:
                    raise IconRefused(
                        "The icon could not be fetched.", f"{type(exc).__name__}: {exc}"
                    ) from exc
        raise IconRefused("The icon's address sent MCP Desk elsewhere too many times.", url[:200])


async def _public(url: str) -> None:
    """Raises IconRefused where the address's name leads to this computer or its network."""
    host = urlsplit(url).hostname or ""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise IconRefused("The icon could not be fetched.", f"{host}: {exc}") from exc
    if any(not ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global for info in found):
        raise IconRefused("Icons are not read from this computer or its network.", url[:200])


async def _capped(reply: httpx2.Response) -> bytes:
    data = bytearray()
    async for chunk in reply.aiter_bytes():
        data += chunk
        if len(data) > MAX_ICON_BYTES:
            raise IconRefused(f"The icon is larger than {MAX_ICON_BYTES // 1024} KB.", str(reply.url)[:200])
    return bytes(data)
