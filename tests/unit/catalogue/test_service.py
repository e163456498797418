"""`CatalogueService` in the app's own services: a loopback registry, the real keyring, real settings."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Collection
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.catalogue.control import CatalogueProblem, FieldKind, InstallField, InstallPlan
from desktop.catalogue.service import CatalogueService, Keeping, StoreSecret
from desktop.cli.asker import TerminalAsker
from desktop.core.config import ServerConfig
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.secrets import SecretStore
from desktop.services import Services, build_services
from tests.fixtures.registry_server import (
    TENANT,
    TIME,
    TIME_VERSION,
    FakeRegistry,
    bundle_server,
    item,
    tenant_remote,
    time_server,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def services(keyring_store: SecretStore) -> AsyncIterator[Services]:
    built = build_services(AppPaths.from_environment(), EventBus(), TerminalAsker(allow_all=False))
    try:
        yield built
    finally:
        await built.close()


async def _use(services: Services, registry: str) -> None:
    settings = services.settings.app_settings().model_copy(update={"registry_urls": [registry]})
    await services.settings.save_app_settings(settings)


async def test_before_the_registry_is_read_the_shipped_list_is_shown_and_dated(services: Services) -> None:
    listing = await services.catalogue.listing()
    assert (
        listing.source == "The list shipped with MCP Desk on 18 December 2025 (no connection to the registry)"
    )
    assert len(listing.entries) >= 1000 and not listing.live and listing.problem is None
    assert all(entry.verified for entry in listing.entries)


async def test_refresh_reads_the_registry_then_asks_only_whether_it_changed(services: Services) -> None:
    with FakeRegistry() as registry:
        await _use(services, registry.url)
        fresh = await services.catalogue.refresh()
        assert (
            fresh.live
            and fresh.problem is None
            and fresh.source.startswith(f"The registry at {registry.url}")
        )
        assert TIME in {entry.name for entry in fresh.entries}
        assert not any(entry.verified for entry in fresh.entries), "only the official registry's are verified"
        again = await services.catalogue.refresh()
        assert registry.seen[-1]["if-none-match"] == registry.etag
        assert again.entries == fresh.entries
        registry.mode = "error"
        failed = await services.catalogue.refresh()
    assert failed.entries == fresh.entries and not failed.live
    assert failed.problem is not None and "HTTP 503" in failed.problem and "as read on" in failed.problem
    assert (await services.catalogue.listing()).entries == fresh.entries


async def test_an_install_keeps_its_key_in_the_keyring_and_in_no_file(
    services: Services, keyring_store: SecretStore, isolated_home: str
) -> None:
    with FakeRegistry() as registry:
        await _use(services, registry.url)
        await services.catalogue.refresh()
    plan = await services.catalogue.plan_entry(TENANT)
    installed = await services.catalogue.install(plan, {"tenant": "acme", "X-Api-Key": "key-4f9a1c7e"})
    assert installed.server == "tenant-remote" and "approve" in installed.message
    config = services.manager.config_of("tenant-remote")
    assert config.url == "https://acme.example.com/mcp" and not config.is_trusted
    (secret,) = config.secret_names()
    assert config.headers == {"X-Api-Key": "${secret:" + secret + "}"}
    assert keyring_store.get(secret) == "key-4f9a1c7e"
    assert (
        config.origin is not None and config.origin.name == TENANT and config.origin.registry == registry.url
    )
    assert config.origin.publisher == "io.github.mcp-desk-tests"
    assert config.origin.package == "https://{tenant}.example.com/mcp" == plan.package
    assert config.origin.source == plan.source and registry.url in plan.source
    assert services.manager.trust_request("tenant-remote").origin == config.origin
    for file in Path(isolated_home).rglob("*"):
        assert not file.is_file() or b"key-4f9a1c7e" not in file.read_bytes(), file
    second = await services.catalogue.plan_entry(TENANT)
    assert second.suggested_name == "tenant-remote-2"


async def test_an_install_that_fails_takes_its_secret_back(
    services: Services, keyring_store: SecretStore
) -> None:
    with FakeRegistry() as registry:
        await _use(services, registry.url)
        await services.catalogue.refresh()
    plan = replace(await services.catalogue.plan_entry(TENANT), suggested_name="no__good")
    with pytest.raises(Exception, match="can't be used as a server name"):
        await services.catalogue.install(plan, {"tenant": "acme", "X-Api-Key": "key-0d1e2f"})
    assert not any(keyring_store.get(name) == "key-0d1e2f" for name in keyring_store.names())
    with pytest.raises(CatalogueProblem, match=re.escape("Fill in “Tenant”")):
        await services.catalogue.install(plan, {"X-Api-Key": "x"})


async def test_a_newer_version_in_the_registry_is_told(services: Services) -> None:
    with FakeRegistry() as registry:
        await _use(services, registry.url)
        await services.catalogue.refresh()
        plan = await services.catalogue.plan_entry(TIME)
        installed = await services.catalogue.install(plan, {})
        assert await services.catalogue.updates() == []
        registry.items = [item(time_server("2099.1.1"))]
        registry.etag = '"v2"'
        await services.catalogue.refresh()
    (update,) = await services.catalogue.updates()
    assert (update.server, update.installed, update.available) == (installed.server, TIME_VERSION, "2099.1.1")
    assert f"A newer version of “{installed.server}” is available" in update.message


async def test_an_update_keeps_the_users_values_and_asks_for_approval_again(
    services: Services, keyring_store: SecretStore
) -> None:
    with FakeRegistry() as registry:
        await _use(services, registry.url)
        await services.catalogue.refresh()
        time = await services.catalogue.install(
            await services.catalogue.plan_entry(TIME), {"local-timezone": "Europe/Lisbon"}
        )
        tenant = await services.catalogue.install(
            await services.catalogue.plan_entry(TENANT), {"tenant": "acme", "X-Api-Key": "key-1a2b3c"}
        )
        for name in (time.server, tenant.server):
            await services.manager.trust(name, services.manager.trust_request(name).launch_hash)
        registry.items = [item(time_server("2099.1.1")), item({**tenant_remote(), "version": "1.1.0"})]
        registry.etag = '"v2"'
        await services.catalogue.refresh()
        updated = await services.catalogue.update(time.server)
        await services.catalogue.update(tenant.server)
    config = services.manager.config_of(time.server)
    assert "mcp-server-time==2099.1.1" in config.args and config.args[-2:] == [
        "--local-timezone",
        "Europe/Lisbon",
    ]
    assert (
        config.origin is not None
        and config.origin.version == "2099.1.1"
        and "2099.1.1" in config.origin.source
    )
    assert not config.is_trusted and "ask you to approve it" in updated.message
    remote = services.manager.config_of(tenant.server)
    assert remote.url == "https://acme.example.com/mcp" and remote.is_trusted, (
        "nothing on this computer changed"
    )
    (secret,) = remote.secret_names()
    assert keyring_store.get(secret) == "key-1a2b3c" and remote.origin and remote.origin.version == "1.1.0"
    assert await services.catalogue.updates() == []


async def test_an_update_that_needs_a_new_value_says_so_and_changes_nothing(services: Services) -> None:
    with FakeRegistry() as registry:
        await _use(services, registry.url)
        await services.catalogue.refresh()
        time = await services.catalogue.install(await services.catalogue.plan_entry(TIME), {})
        newer = time_server("2099.1.1")
        newer["packages"][0]["environmentVariables"] = [{"name": "TIME_KEY", "isRequired": True}]
        registry.items, registry.etag = [item(newer)], '"v2"'
        await services.catalogue.refresh()
        before = services.manager.config_of(time.server)
        with pytest.raises(CatalogueProblem, match="asks for something the installed one didn't") as refused:
            await services.catalogue.update(time.server)
    assert "Time key" in refused.value.details and services.manager.config_of(time.server) == before
    assert services.manager.config_of("time").origin is None, "the built-in time server"
    with pytest.raises(CatalogueProblem, match="can't find “time” in your registries"):
        await services.catalogue.update("time")


async def test_unknown_entries_and_bundle_files_are_sentences(services: Services) -> None:
    with pytest.raises(CatalogueProblem, match="is not in the catalogue"):
        await services.catalogue.plan_entry("io.github.nobody/nothing")
    with pytest.raises(CatalogueProblem, match="find the bundle “weather"):
        await services.catalogue.plan_bundle(Path("weather.mcpb"))


class RecordingBundles:
    """Stands in for `bundles.BundleInstaller` (on its own branch) at the `Bundles` seam."""

    def __init__(self) -> None:
        self.planned: list[bytes] = []

    def plan(self, path: Path, taken_names: Collection[str]) -> InstallPlan:
        self.planned.append(path.read_bytes())
        field = InstallField("token", "Token", kind=FieldKind.SECRET, required=True)
        return InstallPlan(
            "bundled",
            "Bundled",
            "the manifest's author",
            False,
            f"bundle {path.name}",
            str(path),
            "A program.",
            (field,),
            ("Signed by nobody.",),
            token="t-1",
        )

    def install(self, plan: InstallPlan, values: dict[str, str], store_secret: StoreSecret) -> ServerConfig:
        return ServerConfig(
            command="node", args=["server.js"], env={"TOKEN": store_secret("bundled.token", values["token"])}
        )

    def remove(self, config: ServerConfig) -> None:
        raise AssertionError("nothing to remove")


async def test_a_registry_bundle_is_downloaded_checked_and_handed_to_the_bundles_installer(
    services: Services, keyring_store: SecretStore, isolated_home: str
) -> None:
    body = b"PK\x03\x04 bundle bytes"
    bundles = RecordingBundles()
    keeping = Keeping(keyring_store, services.redactor, services.events)
    catalogue = CatalogueService(
        services.settings, services.manager, keeping, Path(isolated_home) / "c", bundles=bundles
    )
    with FakeRegistry(files={"b.mcpb": body}) as registry:
        url = f"{registry.url}/redirect/b.mcpb"
        registry.items = [item(bundle_server(url, hashlib.sha256(body).hexdigest()))]
        await _use(services, registry.url)
        await catalogue.refresh()
        plan = await catalogue.plan_entry("io.github.mcp-desk-tests/bundled")
    assert bundles.planned == [body] and not list((Path(isolated_home) / "c" / "downloads").iterdir())
    assert (
        plan.publisher == "io.github.mcp-desk-tests"
        and url in plan.source
        and "Signed by nobody." in plan.notes
    )
    installed = await catalogue.install(plan, {"token": "tok-7e3b9a"})
    config = services.manager.config_of(installed.server)
    assert config.origin is not None and config.origin.name == "io.github.mcp-desk-tests/bundled"
    assert config.origin.registry == registry.url and config.origin.publisher == "io.github.mcp-desk-tests"
    (secret,) = config.secret_names()
    assert keyring_store.get(secret) == "tok-7e3b9a"
    local = Path(isolated_home) / "local.mcpb"
    local.write_bytes(body)
    assert (await catalogue.plan_bundle(local)).token == "t-1" and bundles.planned[-1] == body
