"""Which server an app's resource read goes to is found from listings kept between reads: asked again
when the app lists, when the door forgets them (a server started or stopped, the grant changed), and
when an address none of them holds is read."""

from __future__ import annotations

from collections import Counter

import pytest
from mcp import MCPError

from desktop.core.consent import CallContext
from desktop.gateway.app_content import AppContent
from desktop.servers.prompts import CompletionRef, PromptInfo, PromptResult
from desktop.servers.resources import ResourceInfo, ResourceRead, ResourceTemplateInfo

pytestmark = pytest.mark.anyio


class Host:
    """Two servers' resources, counting how often each is listed."""

    def __init__(self) -> None:
        self.listed: Counter[str] = Counter()
        self.uris = {"notes": ["note://a"], "files": ["file:///b"]}

    async def resources(self, name: str) -> list[ResourceInfo]:
        self.listed[name] += 1
        return [ResourceInfo(name, uri, uri) for uri in self.uris[name]]

    async def resource_templates(self, name: str) -> list[ResourceTemplateInfo]:
        return []

    async def read_resource(
        self, name: str, uri: str, by_user: bool, context: CallContext | None = None
    ) -> ResourceRead:
        return ResourceRead(name, uri, (), ({"uri": uri, "text": name},))

    async def complete(
        self, name: str, ref: CompletionRef, argument: str, value: str, context: dict[str, str] | None = None
    ) -> list[str]:
        return []

    async def prompts(self, name: str) -> list[PromptInfo]:
        return []

    async def get_prompt(self, name: str, prompt: str, args: dict[str, str]) -> PromptResult:
        raise AssertionError("not asked")


@pytest.fixture
def host() -> Host:
    return Host()


@pytest.fixture
def content(host: Host) -> AppContent:
    return AppContent(host, lambda: ["notes", "files"], CallContext(origin="another app", app="Cursor"))


async def test_reads_ask_for_the_listings_once(host: Host, content: AppContent) -> None:
    for _ in range(3):
        assert (await content.read_resource("file:///b")).contents[0].text == "files"
        assert (await content.read_resource("note://a")).contents[0].text == "notes"
    assert host.listed == {"notes": 1, "files": 1}


async def test_forgetting_or_the_apps_own_list_asks_again(host: Host, content: AppContent) -> None:
    await content.read_resource("note://a")
    content.forget()
    await content.read_resource("note://a")
    assert host.listed["notes"] == 2
    await content.list_resources()
    await content.read_resource("note://a")
    assert host.listed["notes"] == 3, "the app's own list refreshed what is kept"


async def test_an_address_that_appeared_since_is_found_and_one_nowhere_refused(
    host: Host, content: AppContent
) -> None:
    await content.read_resource("note://a")
    host.uris["files"].append("file:///new")
    assert (await content.read_resource("file:///new")).contents[0].text == "files"
    with pytest.raises(MCPError, match="There is no resource at nowhere://x here"):
        await content.read_resource("nowhere://x")
