"""A registry's MCPB file over real loopback HTTP: redirects followed, checksum and size checked."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from desktop.catalogue import bundle_download
from desktop.catalogue.bundle_download import download_bundle
from desktop.catalogue.control import CatalogueProblem
from tests.fixtures.registry_server import FakeRegistry

pytestmark = pytest.mark.anyio
BODY = b"PK\x03\x04 a bundle's bytes " * 1000
SHA = hashlib.sha256(BODY).hexdigest()


async def test_a_redirected_download_with_the_listed_checksum_arrives(tmp_path: Path) -> None:
    told: list[float | None] = []
    with FakeRegistry(files={"w.mcpb": BODY}) as registry:
        path = await download_bundle(
            f"{registry.url}/redirect/w.mcpb", SHA, tmp_path, lambda _, f: told.append(f)
        )
    assert path.read_bytes() == BODY and path.parent == tmp_path
    assert told and told[-1] == 1.0


async def test_another_file_than_the_listed_one_is_refused_and_removed(tmp_path: Path) -> None:
    with FakeRegistry(files={"w.mcpb": BODY}) as registry, pytest.raises(CatalogueProblem) as raised:
        await download_bundle(f"{registry.url}/files/w.mcpb", "0" * 64, tmp_path)
    assert "not the file the registry lists" in raised.value.message and list(tmp_path.iterdir()) == []


async def test_too_large_missing_and_plain_http_are_sentences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundle_download, "MAX_BYTES", 100)
    with FakeRegistry(files={"w.mcpb": BODY}) as registry:
        with pytest.raises(CatalogueProblem, match=re.escape("larger than MCP Desk accepts")):
            await download_bundle(f"{registry.url}/files/w.mcpb", SHA, tmp_path)
        with pytest.raises(CatalogueProblem, match=re.escape("could not be downloaded (HTTP 404)")):
            await download_bundle(f"{registry.url}/files/gone.mcpb", SHA, tmp_path)
    with pytest.raises(CatalogueProblem, match="over HTTPS only"):
        await download_bundle("http://example.com/w.mcpb", SHA, tmp_path)
    assert list(tmp_path.iterdir()) == []
