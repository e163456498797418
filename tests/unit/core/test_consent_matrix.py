"""Every combination the gate can meet: server default × the tool's own choice × read-only ×
a changed definition × a choice that ran out, each checked against the rules as users read them."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import AuditKind, ConsentHow
from desktop.core.consent import CallContext, Choice, ConsentGate
from desktop.core.consent_rules import (
    ConsentRule,
    ConsentRules,
    Expiry,
    RuleScope,
    ServerDefault,
    ToolSetting,
)
from desktop.core.events import Event, RulesChanged, ToolInfo
from desktop.core.redact import Redactor
from tests.unit.core.test_consent import CHAT_A, Asker, _Sink, asker, published, records, trail

__all__ = ["asker", "published", "trail"]  # fixtures shared with test_consent

pytestmark = pytest.mark.anyio

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}
WRITE = ToolInfo("notes", "write_note", "Write a note.", SCHEMA, annotations={"destructiveHint": False})
READ = replace(WRITE, annotations={"readOnlyHint": True})
ARGS = {"name": "groceries"}
CASES = list(
    itertools.product(ServerDefault, (None, ToolSetting.ALLOW, ToolSetting.NEVER), *[(False, True)] * 3)
)


def expected_how(
    default: ServerDefault, setting: ToolSetting | None, read_only: bool, changed: bool, expired: bool
) -> str:
    """What decided, written from the user's side: Never wins; an allow holds for the definition it
    was given to; a tool that changed since it was allowed is asked about; then the server default,
    whose Allow all, too, holds for the tool as it first let it run."""
    live = setting is not None and not expired
    if live and setting is ToolSetting.NEVER:
        return "never"
    if live and setting is ToolSetting.ALLOW:
        return "asked" if changed else "rule"
    if default is ServerDefault.ALL:
        return "asked" if changed else "all"
    return "read-only" if default is ServerDefault.READ_ONLY and read_only else "asked"


@pytest.mark.parametrize(
    ("default", "setting", "read_only", "changed", "expired"),
    CASES,
    ids=["-".join(str(part) for part in case) for case in CASES],
)
async def test_the_gate_decides_every_combination(
    tmp_path: Path,
    default: ServerDefault,
    setting: ToolSetting | None,
    read_only: bool,
    changed: bool,
    expired: bool,
) -> None:
    asker = Asker()
    with AuditTrail(tmp_path / "audit.db", Redactor()) as trail:
        rules = ConsentRules(tmp_path / "consent.json")
        gate = ConsentGate(rules, asker, trail, _Sink([]))
        tool = READ if read_only else WRITE
        await gate.set_policy("notes", default=default)
        rules.first_seen(tool)
        rule = _rule(tool, setting, expired)
        if rule is not None:
            rules.add(rule)
        now = replace(tool, description="Write a note, then mail it to me.") if changed else tool
        decision = await gate.decide(now, dict(ARGS), CHAT_A)
    how = expected_how(default, setting, read_only, changed, expired)
    assert bool(asker.asked) == (how == "asked")
    assert decision.allowed == (how != "never")
    assert (
        decision.how
        == {
            "never": ConsentHow.RULE,
            "rule": ConsentHow.RULE,
            "all": ServerDefault.ALL,
            "read-only": ConsentHow.READ_ONLY,
            "asked": ConsentHow.ASKED,
        }[how]
    )
    assert decision.rule_id == (rule.id if rule is not None and how in ("never", "rule") else None)
    allowed_before = default is ServerDefault.ALL or (setting is ToolSetting.ALLOW and not expired)
    if how == "asked" and changed and allowed_before:
        assert asker.asked[0].changed_from == tool, "the question shows what changed"


def _rule(tool: ToolInfo, setting: ToolSetting | None, expired: bool) -> ConsentRule | None:
    if setting is None:
        return None
    made = ConsentRule.for_tool(tool, RuleScope.ALWAYS, None, "", time.time(), Expiry.HOUR)
    made = replace(made, never=setting is ToolSetting.NEVER)
    return replace(made, expires=time.time() - 1) if expired else made


@pytest.fixture
def gate(tmp_path: Path, asker: Asker, trail: AuditTrail, published: list[Event]) -> ConsentGate:
    return ConsentGate(ConsentRules(tmp_path / "consent.json"), asker, trail, _Sink(published))


async def test_never_is_refused_without_asking_even_after_a_suspicious_result(
    gate: ConsentGate, asker: Asker, trail: AuditTrail
) -> None:
    await gate.set_policy("notes", default=ServerDefault.ALL)
    await gate.set_tool(WRITE, ToolSetting.NEVER)
    (never,) = gate.rules()
    assert never.never and gate.refuses(WRITE) and not gate.refuses(replace(READ, name="read_note"))
    for context in (CHAT_A, replace(CHAT_A, after_suspicious_result=True), CallContext("command line")):
        decision = await gate.decide(WRITE, dict(ARGS), context)
        assert (decision.choice, decision.rule_id, decision.refused_by_never) == (Choice.DENY, never.id, True)
    assert asker.asked == []
    assert records(trail, AuditKind.RULE_ADDED)[-1].data["never"] is True


async def test_each_tool_choice_is_remembered_replaced_and_taken_back(
    gate: ConsentGate, asker: Asker, trail: AuditTrail, published: list[Event]
) -> None:
    await gate.set_tool(WRITE, ToolSetting.ALLOW, Expiry.HOUR)
    (allowed,) = gate.rules()
    assert allowed.expiry is Expiry.HOUR and not allowed.never
    assert (await gate.decide(WRITE, dict(ARGS), CHAT_A)).rule_id == allowed.id
    await gate.set_tool(WRITE, ToolSetting.ALLOW, Expiry.QUIT)
    (session,) = gate.rules()
    assert session.expiry is Expiry.QUIT and session.expires is None
    await gate.set_tool(WRITE, ToolSetting.NEVER)
    assert [r.never for r in gate.rules()] == [True]
    published.clear()
    await gate.set_tool(WRITE, ToolSetting.ASK)
    assert gate.rules() == [] and published == [RulesChanged()]
    assert records(trail, AuditKind.RULE_REVOKED)[-1].data["never"] is True
    await gate.set_tool(WRITE, ToolSetting.ASK)
    assert len(records(trail, AuditKind.RULE_REVOKED)) == 1, "nothing to take back, nothing written"
    assert (await gate.decide(WRITE, dict(ARGS), CHAT_A)).how is ConsentHow.ASKED


async def test_a_chat_allowance_is_left_alone_by_the_tools_own_choice(
    gate: ConsentGate, asker: Asker
) -> None:
    asker.choices.append(Choice.ALLOW_CHAT)
    await gate.decide(WRITE, dict(ARGS), CHAT_A)
    await gate.set_tool(WRITE, ToolSetting.ASK)
    assert [r.scope for r in gate.rules()] == [RuleScope.CHAT]
    await gate.set_tool(WRITE, ToolSetting.NEVER)
    assert not (await gate.decide(WRITE, dict(ARGS), CHAT_A)).allowed, "Never outranks the chat's yes"


async def test_always_allow_for_an_hour_from_the_question(gate: ConsentGate, asker: Asker) -> None:
    asker.expiry = Expiry.HOUR
    asker.choices.append(Choice.ALLOW_ALWAYS)
    await gate.decide(WRITE, dict(ARGS), CHAT_A)
    (rule,) = gate.rules()
    assert rule.expiry is Expiry.HOUR and rule.scope is RuleScope.ALWAYS


async def test_allow_all_holds_for_each_tool_as_it_first_ran(
    gate: ConsentGate, asker: Asker, trail: AuditTrail, tmp_path: Path
) -> None:
    await gate.set_policy("notes", default=ServerDefault.ALL)
    assert (await gate.decide(WRITE, dict(ARGS), CHAT_A)).how is ServerDefault.ALL
    changed = replace(WRITE, description="Write a note, then mail it to me.")
    asker.choices.extend([Choice.ALLOW_ONCE, Choice.ALLOW_ALWAYS])
    for _ in range(2):
        assert (await gate.decide(changed, dict(ARGS), CHAT_A)).how is ConsentHow.ASKED
        assert asker.asked[-1].changed_from == WRITE
    assert (await gate.decide(changed, dict(ARGS), CHAT_A)).how is ConsentHow.RULE, "until always allowed"
    again = ConsentGate(ConsentRules(tmp_path / "consent.json"), asker, trail, _Sink([]))
    assert (
        await again.decide(replace(changed, name="new_tool"), dict(ARGS), CHAT_A)
    ).how is ServerDefault.ALL
    await again.revoke(None)
    assert (await again.decide(changed, dict(ARGS), CHAT_A)).how is ConsentHow.ASKED, "kept on disk"
