"""Reading an MCP registry's list of servers (`GET /v0.1/servers`), conditionally and in pages.

The API is the one in the registry's `docs/reference/api/openapi.yaml`: `servers: [{server:
<server.json>, _meta: {"io.modelcontextprotocol.registry/official": {status, isLatest, …}}}]` and
`metadata.nextCursor`. Only the latest version of each server is asked for (`version=latest`), and
of those only the active ones are kept. The first page carries the ETag and Last-Modified of the
copy kept from last time: a 304 means that copy is still the list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2

from desktop.catalogue.control import CatalogueProblem

OFFICIAL_META = "io.modelcontextprotocol.registry/official"
PAGE_SIZE = 100
MAX_PAGES = 60
"""6,000 servers at most: enough for the official registry many times over, not an endless loop."""
TIMEOUT_S = 15.0
TOTAL_TIMEOUT_S = 120.0
"""A registry that keeps trickling bytes is given up on after this long, whatever each read took."""

RawItem = dict[str, Any]
"""One `ServerResponse` as the registry sent it: `{"server": {...}, "_meta": {...}}`."""


class RegistryProblem(CatalogueProblem):
    """The registry could not be read; the message says so in a sentence."""


@dataclass(frozen=True)
class Validators:
    """What the registry said identifies its list last time (sent back to ask "has it changed?")."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    items: tuple[RawItem, ...] | None
    """The active, latest servers; None when the registry said nothing changed (304)."""
    validators: Validators


@dataclass(frozen=True)
class Limits:
    timeout_s: float = TIMEOUT_S
    total_s: float = TOTAL_TIMEOUT_S
    max_pages: int = MAX_PAGES
    page_size: int = PAGE_SIZE


class RegistryClient:
    def __init__(self, limits: Limits = Limits(), transport: httpx2.AsyncBaseTransport | None = None) -> None:
        self._limits = limits
        self._transport = transport

    async def fetch(self, registry: str, known: Validators = Validators()) -> Fetched:
        """The registry's servers, or None for them if `known` still describes its list."""
        try:
            with anyio.fail_after(self._limits.total_s):
                return await self._pages(registry, known)
        except TimeoutError as error:
            raise _unreachable(registry, "did not answer in time", error) from None
        except httpx2.TimeoutException as error:
            raise _unreachable(registry, "did not answer in time", error) from None
        except httpx2.HTTPError as error:
            raise _unreachable(registry, "could not be reached", error) from None

    async def _pages(self, registry: str, known: Validators) -> Fetched:
        timeout = httpx2.Timeout(self._limits.timeout_s)
        items: list[RawItem] = []
        cursor: str | None = None
        validators = known
        async with httpx2.AsyncClient(timeout=timeout, transport=self._transport) as client:
            for page in range(self._limits.max_pages):
                params = {"version": "latest", "limit": str(self._limits.page_size)}
                if cursor:
                    params["cursor"] = cursor
                headers = _conditional(known) if page == 0 else {}
                response = await client.get(f"{registry}/v0.1/servers", params=params, headers=headers)
                if page == 0 and response.status_code == 304:
                    return Fetched(None, known)
                if page == 0:
                    validators = Validators(
                        response.headers.get("etag"), response.headers.get("last-modified")
                    )
                servers, cursor = _read_page(registry, response)
                items.extend(item for item in servers if is_current(item))
                if not cursor:
                    break
        return Fetched(tuple(items), validators)


def is_current(item: RawItem) -> bool:
    """Active and the latest version (a registry that says nothing about either is taken at its word)."""
    meta = item.get("_meta")
    official = meta.get(OFFICIAL_META) if isinstance(meta, dict) else None
    if not isinstance(official, dict):
        return True
    return official.get("status", "active") == "active" and official.get("isLatest", True) is not False


def _conditional(known: Validators) -> dict[str, str]:
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def _read_page(registry: str, response: httpx2.Response) -> tuple[list[RawItem], str | None]:
    if response.status_code != 200:
        raise RegistryProblem(
            f"The registry at {registry} answered with an error (HTTP {response.status_code}). "
            "Try again later.",
            response.text[:500],
        )
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise _garbled(registry, str(error)) from None
    servers = body.get("servers") if isinstance(body, dict) else None
    if not isinstance(servers, list):
        raise _garbled(registry, "the answer has no list of servers")
    metadata = body.get("metadata")
    cursor = metadata.get("nextCursor") if isinstance(metadata, dict) else None
    return [item for item in servers if isinstance(item, dict)], cursor if isinstance(cursor, str) else None


def _garbled(registry: str, details: str) -> RegistryProblem:
    return RegistryProblem(
        f"The registry at {registry} sent an answer MCP Desk could not read. Try again later.", details
    )


def _unreachable(registry: str, what: str, error: BaseException) -> RegistryProblem:
    return RegistryProblem(
        f"The registry at {registry} {what}. Check your internet connection and try again.",
        f"{type(error).__name__}: {error}",
    )
