"""The read tools offered beside a host's tools: what they name, and what never reaches the server.

The whole loop, with a real server, the consent gate and a generated model, is in
tests/e2e/test_chat_resource_reads.py."""

from __future__ import annotations

from dataclasses import dataclass, field

import anyio
import pytest

from desktop.core.consent import CallContext
from desktop.core.events import ToolInfo
from desktop.llm.chat import resource_reads
from desktop.llm.chat.resource_reads import LISTED, ResourceReads, read_tool_for
from desktop.servers.control import ServerProblem
from desktop.servers.resources import ResourceContent, ResourceInfo, ResourceRead
from tests.unit.llm.chat.chat_doubles import FakeHost, ScriptedBackend

pytestmark = pytest.mark.anyio

NOTE = ResourceInfo("notes", "notes://today", "today.md", title="Today's notes")


@dataclass
class Lister:
    listed: dict[str, list[ResourceInfo]]
    read: list[str] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)

    async def resources(self, name: str) -> list[ResourceInfo]:
        if name in self.broken:
            raise ServerProblem("“broken” could not answer.")
        if name in self.silent:
            await anyio.sleep_forever()
        return self.listed.get(name, [])

    async def read_resource(
        self, name: str, uri: str, by_user: bool, context: CallContext | None = None
    ) -> ResourceRead:
        assert not by_user
        self.read.append(uri)
        return ResourceRead(name, uri, (ResourceContent(uri, "text/markdown", 5, text="Hello"),))


def reads_over(host: FakeHost, lister: Lister) -> ResourceReads:
    return ResourceReads(host, lister, lambda: ScriptedBackend())


async def test_only_servers_that_list_resources_are_offered_a_read() -> None:
    host = FakeHost({"notes": [], "clock": [], "broken": []})
    reads = reads_over(host, Lister({"notes": [NOTE]}, broken={"broken"}))
    assert reads.tools() == []

    await reads.refresh()

    (tool,) = reads.tools()
    assert tool.qualified_name == "notes__read_resource"
    assert "- Today's notes: notes://today" in tool.description
    assert reads.tools("clock") == []


async def test_a_server_slow_to_list_keeps_its_last_list_and_holds_no_turn_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(resource_reads, "LIST_WAIT", 0.05)
    monkeypatch.setattr(resource_reads, "RELIST_WAIT", 0.05)
    lister = Lister({"notes": [NOTE]})
    reads = reads_over(FakeHost({"notes": [], "quiet": []}), lister)
    await reads.refresh()

    lister.silent = {"notes", "quiet"}
    await reads.refresh()

    assert [tool.qualified_name for tool in reads.tools()] == ["notes__read_resource"]


async def test_a_long_list_is_named_in_part_and_the_address_left_open() -> None:
    many = tuple(ResourceInfo("docs", f"docs://{n}", f"doc {n}") for n in range(LISTED + 5))

    tool = read_tool_for("docs", many)

    assert "- and 5 more" in tool.description and f"docs://{LISTED}" not in tool.description
    assert "enum" not in tool.input_schema["properties"]["uri"]


async def test_a_servers_own_read_resource_tool_is_not_shadowed() -> None:
    own = ToolInfo("notes", "read_resource", "The server's own reader.")
    host = FakeHost({"notes": [own]})
    lister = Lister({"notes": [NOTE]})
    reads = reads_over(host, lister)
    await reads.refresh()

    assert reads.tools() == [own]
    outcome = await reads.call_tool("notes__read_resource", {"uri": NOTE.uri}, CallContext())
    assert outcome.text == "result of read_resource" and lister.read == []


async def test_an_address_the_server_did_not_list_is_never_read() -> None:
    lister = Lister({"notes": [NOTE]})
    reads = reads_over(FakeHost({"notes": []}), lister)
    await reads.refresh()

    outcome = await reads.call_tool("notes__read_resource", {"uri": "file:///etc/passwd"}, CallContext())

    assert not outcome.ok and "lists no resource at file:///etc/passwd" in outcome.text
    assert lister.read == []
    allowed = await reads.call_tool("notes__read_resource", {"uri": NOTE.uri}, CallContext())
    assert allowed.ok and allowed.text.startswith("--- Attached from “notes”: notes://today ---\nHello")


async def test_a_tools_own_view_is_not_offered_to_the_model_to_read() -> None:
    view = ResourceInfo("board", "ui://board/view.html", "view.html")
    reads = reads_over(FakeHost({"board": [], "notes": []}), Lister({"board": [view], "notes": [NOTE, view]}))
    await reads.refresh()

    (tool,) = reads.tools()
    assert tool.qualified_name == "notes__read_resource" and "ui://" not in tool.description
