"""Reading a registry over real loopback HTTP: pages, only active latest entries, 304, failures in words."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.catalogue.registry import Limits, RegistryClient, RegistryProblem, Validators
from desktop.catalogue.registry_cache import RegistryCache, SavedList, read_list
from tests.fixtures.registry_server import (
    DELETED,
    DEPRECATED,
    OLD_TIME_VERSION,
    TIME,
    FakeRegistry,
    Mode,
)

pytestmark = pytest.mark.anyio


async def test_every_page_is_read_and_only_active_latest_servers_kept() -> None:
    with FakeRegistry() as registry:
        fetched = await RegistryClient(Limits(page_size=3)).fetch(registry.url)
    names = [item["server"]["name"] for item in fetched.items or ()]
    assert TIME in names and DEPRECATED not in names and DELETED not in names
    versions = [i["server"]["version"] for i in fetched.items or () if i["server"]["name"] == TIME]
    assert OLD_TIME_VERSION not in versions and len(versions) == 1
    assert len(registry.seen) > 2, "several pages"
    assert all(seen["version"] == "latest" and seen["limit"] == "3" for seen in registry.seen)
    assert fetched.validators == Validators(registry.etag, registry.last_modified)


async def test_a_registry_that_ignores_version_latest_still_gives_one_version_each() -> None:
    with FakeRegistry() as registry:
        registry.items[0]["_meta"]["io.modelcontextprotocol.registry/official"]["isLatest"] = False
        dropped = registry.items[0]["server"]["name"]
        client = RegistryClient()
        fetched = await client.fetch(registry.url)
    assert dropped not in {item["server"]["name"] for item in fetched.items or ()}


async def test_an_unchanged_list_is_answered_304_and_nothing_is_sent_again() -> None:
    with FakeRegistry() as registry:
        first = await RegistryClient().fetch(registry.url)
        again = await RegistryClient().fetch(registry.url, first.validators)
    assert again.items is None and again.validators == first.validators
    assert registry.seen[-1]["if-none-match"] == registry.etag
    assert registry.seen[-1]["if-modified-since"] == registry.last_modified


@pytest.mark.parametrize(
    ("mode", "words"),
    [("garbage", "could not read"), ("error", "HTTP 503"), ("hang", "did not answer in time")],
)
async def test_failures_are_sentences(mode: Mode, words: str) -> None:
    with FakeRegistry(mode=mode) as registry, pytest.raises(RegistryProblem) as raised:
        await RegistryClient(Limits(timeout_s=0.5, total_s=2)).fetch(registry.url)
    assert words in raised.value.message and registry.url in raised.value.message
    assert "Traceback" not in raised.value.message


async def test_nothing_listening_is_a_sentence() -> None:
    with FakeRegistry() as registry:
        gone = registry.url
    with pytest.raises(RegistryProblem, match=r"could not be reached\. Check your internet connection"):
        await RegistryClient(Limits(timeout_s=2)).fetch(gone)


async def test_the_cache_keeps_a_list_per_registry_and_ignores_damaged_files(tmp_path: Path) -> None:
    with FakeRegistry() as registry:
        fetched = await RegistryClient().fetch(registry.url)
    cache = RegistryCache(tmp_path)
    cache.save(SavedList(registry.url, fetched.items or (), fetched.validators, datetime.now(UTC)))
    saved = cache.load(registry.url)
    assert saved is not None and saved.items == fetched.items and saved.validators == fetched.validators
    assert cache.load("https://elsewhere.example") is None
    (only,) = tmp_path.iterdir()
    only.write_text("{not json")
    assert cache.load(registry.url) is None and read_list(only) is None
