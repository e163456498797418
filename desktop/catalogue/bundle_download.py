"""Downloading a registry entry's MCPB bundle, checked against the `fileSha256` the registry lists.

The official registry takes MCPB packages only from GitHub and GitLab releases (its
`official-registry-requirements.md`), which answer with a redirect to where the file is: redirects
are followed, over HTTPS only. A file larger than `MAX_BYTES` is refused while it arrives; one
whose SHA-256 is not the listed one is deleted and refused, never handed on.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import anyio
import httpx2

from desktop.catalogue.control import CatalogueProblem, Progress
from desktop.core.config import check_registry_url

MAX_BYTES = 200 * 1024 * 1024
TIMEOUT_S = 30.0


async def download_bundle(
    url: str,
    sha256: str,
    folder: Path,
    progress: Progress | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> Path:
    """The bundle at `url`, in `folder`, its SHA-256 checked; a `CatalogueProblem` in words otherwise."""
    name = url.rsplit("/", 1)[-1] or "bundle.mcpb"
    try:
        check_registry_url(url)  # the same rule: HTTPS, plain HTTP only on this computer
    except ValueError:
        raise CatalogueProblem(f"MCP Desk downloads bundles over HTTPS only, and “{url}” is not.") from None
    await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
    target = folder / f".download-{uuid.uuid4().hex}.mcpb"
    try:
        async with await anyio.open_file(target, "wb") as out:
            digest = await _fetch(url, name, out, progress, transport)
        if digest != sha256.lower():
            raise CatalogueProblem(
                f"The downloaded “{name}” is not the file the registry lists (its checksum differs), "
                "so MCP Desk won't install it.",
                f"expected {sha256}, got {digest}",
            )
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.Path(target).unlink(missing_ok=True)
        raise
    return target


async def _fetch(
    url: str,
    name: str,
    out: anyio.AsyncFile[bytes],
    progress: Progress | None,
    transport: httpx2.AsyncBaseTransport | None,
) -> str:
    digest, received = hashlib.sha256(), 0
    try:
        async with (
            httpx2.AsyncClient(timeout=TIMEOUT_S, transport=transport, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            try:
                check_registry_url(str(response.url))  # where a redirect led, too
            except ValueError:
                raise CatalogueProblem(
                    f"“{name}” was sent from an address that isn't HTTPS, so MCP Desk refused it."
                ) from None
            if response.status_code != 200:
                raise CatalogueProblem(
                    f"“{name}” could not be downloaded (HTTP {response.status_code}). Try again later."
                )
            total = int(response.headers.get("content-length") or 0) or None
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > MAX_BYTES:
                    raise CatalogueProblem(f"“{name}” is larger than MCP Desk accepts for a bundle (200 MB).")
                digest.update(chunk)
                await out.write(chunk)
                if progress is not None:
                    progress(f"Downloading {name}", received / total if total else None)
    except httpx2.HTTPError as error:
        raise CatalogueProblem(
            f"“{name}” could not be downloaded. Check your internet connection and try again.", str(error)
        ) from None
    return digest.hexdigest()
