"""Per-tool choices against a real server process: a tool set to Never is not shown to the model,
and a call to it anyway is refused without asking and written down with the rule that refused it."""

from __future__ import annotations

import pytest

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import AuditFilter, AuditKind, ConsentHow
from desktop.core.consent import CallContext, ConsentGate
from desktop.core.consent_rules import ServerDefault, ToolSetting
from desktop.llm.chat.tool_offer import OfferMemory
from desktop.llm.chat.turn import running_tools
from desktop.servers.call_records import NEVER_TEXT
from desktop.servers.manager import Recording, ServerManager
from tests.e2e.conftest import Recorder, ScriptedAsker, Spawned, fixture_server

pytestmark = pytest.mark.anyio

CHAT = CallContext("chat", "chat-a", "Sums")


async def test_a_never_tool_is_not_offered_and_a_call_to_it_is_refused_and_audited(
    world: tuple[ServerManager, Recorder, Spawned],
    consent: ConsentGate,
    asker: ScriptedAsker,
    recording: Recording,
) -> None:
    manager, _events, spawned = world
    await manager.add("calc", fixture_server("well_behaved"))
    await manager.start("calc")
    spawned.note()
    add = next(tool for tool in manager.tools("calc") if tool.name == "add")
    await consent.set_policy("calc", default=ServerDefault.ALL)
    await consent.set_tool(add, ToolSetting.NEVER)
    (never,) = consent.rules()

    offered = OfferMemory(consent).offer("chat-a", running_tools(manager), "add 2 and 3", 8192)
    names = {tool.name for tool in offered.tools}
    assert "add" not in names and {"echo", "whoami"} <= names
    assert "calc__add" not in str(offered.specs)

    outcome = await manager.call_tool("calc__add", {"a": 2, "b": 3}, CHAT)
    assert outcome.denied and not outcome.ok and outcome.text == NEVER_TEXT
    assert asker.asked == [], "a Never is not a question"
    trail = recording.audit
    assert isinstance(trail, AuditTrail)
    (decision,) = await trail.query(AuditFilter(kind=AuditKind.TOOL_CALL), limit=1)
    assert decision.data["decision"] == "denied" and decision.data["how"] == ConsentHow.RULE.value
    assert decision.data["rule"] == never.id and decision.data["tool"] == "add"
    assert await trail.query(AuditFilter(kind=AuditKind.TOOL_RESULT)) == [], "nothing was sent"

    allowed = await manager.call_tool("calc__echo", {"text": "hi"}, CHAT)
    assert allowed.ok and allowed.text == "hi" and asker.asked == [], "Allow all covers the rest"
    (newest,) = await trail.query(AuditFilter(kind=AuditKind.TOOL_CALL), limit=1)
    assert newest.data["how"] == ServerDefault.ALL.value

    await consent.set_tool(add, ToolSetting.ASK)
    again = OfferMemory(consent).offer("chat-a", running_tools(manager), "add 2 and 3", 8192)
    assert "add" in {tool.name for tool in again.tools}
    summed = await manager.call_tool("calc__add", {"a": 2, "b": 3}, CHAT)
    assert summed.ok and summed.text == "5.0", "back to the server default: Allow all"
