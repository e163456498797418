"""The one consent gate every tool call passes before a byte goes to a server.

`ConsentGate.decide` checks, in this order: the user's Never for the tool (refused, whatever
else holds); a remembered rule pinned to the tool's current definition; the server's default
(Allow read-only, Allow all); and otherwise awaits the `ConsentAsker` (the window's dialog, or
the terminal). Rules whose tool changed since they were made are suspended, and Allow all holds
only for a tool as it first let it run: the user is asked again, with the change shown, and no
server default allows such a tool meanwhile.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from desktop.core.audit_records import AuditKind, AuditWriter, ConsentHow
from desktop.core.consent_rules import (
    ConsentRule,
    ConsentRules,
    Expiry,
    RuleScope,
    ServerDefault,
    ServerPolicy,
    ToolSetting,
    read_only,
    standing_rule,
)
from desktop.core.events import EventSink, RulesChanged, ToolInfo
from desktop.core.suspicious import Flag, scan


class AnswerStopped(Exception):
    """Raised by `ConsentAsker.ask` when the user stops the whole answer instead of deciding on one call.

    Nothing is sent; the gate's caller (the manager) audits it as stopped, and the chat ends the turn.
    """


class Choice(StrEnum):
    ALLOW_ONCE = "allow once"
    ALLOW_CHAT = "allow for this chat"
    ALLOW_ALWAYS = "always allow"
    DENY = "deny"


class ProgressSink(Protocol):
    """Where a server's progress on a call goes."""

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None: ...


class TaskKeeper(Protocol):
    """Told when the server runs a call as a task; asked whether the task outlives the call's cancellation."""

    def started(self, task_id: str, decision_seq: int) -> None: ...

    def keeps(self) -> bool:
        """True: MCP Desk is closing, and the task is left running to be followed at the next start."""
        ...


class Patience(Protocol):
    """Asked when a call has run past the server's timeout: True keeps waiting, False stops the call.

    While it is asked the call goes on; an answer that arrives first ends the question."""

    def sent(self) -> None:
        """The call was allowed and is on its way to the server (so the user is no longer asked)."""
        ...

    async def ask(self, waited_s: float) -> bool: ...

    async def stopped(self) -> None:
        """Returns when the user stops the call before anything was asked (a task's Cancel)."""
        ...


@dataclass(frozen=True)
class CallContext:
    """Where a tool call comes from."""

    origin: str = "chat"
    """"chat", "command line", ... (said in the dialog and the audit trail)."""
    chat_id: str | None = None
    chat_title: str = ""
    after_suspicious_result: bool = False
    """An earlier result in this turn read like instructions: rules don't apply, the user is asked."""
    app: str | None = None
    """The other AI app that asked through MCP Desk's gateway, by name (“Cursor”); None for MCP Desk's own."""
    progress: ProgressSink | None = field(default=None, compare=False, repr=False)
    """Where the server's progress on the call goes (progress, total, message): the app that asked for it."""
    app_id: str | None = None
    """That app's id as the gateway knows it (`cursor`): what its rules are kept under, whatever its name."""
    patience: Patience | None = field(default=None, compare=False, repr=False)
    """Asked whether to keep waiting when the call passes its timeout; None: the call fails at the timeout."""
    tasks: TaskKeeper | None = field(default=None, compare=False, repr=False)
    """Told of a task the server made of the call, to follow it again after a restart."""

    @property
    def app_key(self) -> str | None:
        """Whom a rule must hold for to cover this call: the app's id, else its name; None: MCP Desk's own."""
        return self.app_id or self.app


@dataclass(frozen=True)
class ConsentRequest:
    """What the user is shown before a call: the tool as the server describes it, and the arguments."""

    tool: ToolInfo
    arguments: dict[str, Any]
    context: CallContext
    flags: tuple[Flag, ...] = ()
    """Hidden characters and instruction-like text found in the tool's description."""
    changed_from: ToolInfo | None = None
    """The definition a now-suspended rule was made for, when the tool changed since."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def may_remember(self) -> bool:
        """A tool whose description looks like it is instructing the model is allowed one call at a time."""
        return not self.flags


@dataclass(frozen=True)
class Decision:
    choice: Choice
    arguments: dict[str, Any]
    """What will be sent: the model's arguments, or the user's edit of them."""
    how: ConsentHow | ServerDefault = ConsentHow.ASKED
    """`ServerDefault.ALL` when the server's "Allow all" alone allowed it."""
    reason: str = ""
    """The user's reason for a denial; it goes back to the model."""
    rule_id: str | None = None
    """The rule that decided without asking (an allow, or the user's Never)."""
    expiry: Expiry = Expiry.REVOKED
    """How long a remembered "allow" lasts."""

    @property
    def refused_by_never(self) -> bool:
        return self.how is ConsentHow.RULE and not self.allowed

    @property
    def allowed(self) -> bool:
        return self.choice is not Choice.DENY


@dataclass(frozen=True)
class ElicitationRequest:
    """A server asks the user for information: a form (`schema`) or a web page to open (`url`)."""

    server: str
    message: str
    schema: dict[str, Any] | None = None
    """The requested schema of a form: flat properties of string, number, integer, boolean or enum."""
    url: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class ElicitationAnswer:
    action: str
    """"accept", "decline" or "cancel"."""
    content: dict[str, Any] | None = None


@dataclass(frozen=True)
class SamplingRequest:
    """A server asks the model for text; the user sees the request, then the answer, before it goes back."""

    server: str
    messages: tuple[tuple[str, str], ...]
    """(role, text) pairs, as the server sent them."""
    system_prompt: str = ""
    max_tokens: int = 512
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class SamplingReview:
    approved: bool
    text: str = ""
    """The answer as the user let it go (they may edit it); empty when reviewing the request."""


class ConsentAsker(Protocol):
    """The user's side of consent: the window's dialogs, or the terminal."""

    async def ask(self, request: ConsentRequest) -> Decision:
        """Ask about a tool call; returns when they answered. Cancelling it withdraws the question.

        Raises `AnswerStopped` when the user stops the whole answer the call belongs to.
        """
        ...

    async def elicit(self, request: ElicitationRequest) -> ElicitationAnswer: ...

    async def review_sampling(self, request: SamplingRequest, answer: str | None) -> SamplingReview:
        """With `answer` None, may the request go to the model? Otherwise, may this answer go back?"""
        ...


class Sampler(Protocol):
    async def sample(self, request: SamplingRequest) -> str:
        """The model's answer to a server's sampling request (raises Problem when there is no model)."""
        ...


class ConsentControl(Protocol):
    """What the Permissions page may ask (coroutines run on the service loop)."""

    def rules(self) -> list[ConsentRule]: ...
    def policy(self, server: str) -> ServerPolicy: ...
    async def revoke(self, rule_id: str | None) -> int: ...
    async def set_policy(
        self, server: str, *, default: ServerDefault | None = None, allow_sampling: bool | None = None
    ) -> ServerPolicy: ...
    async def set_tool(
        self, tool: ToolInfo, setting: ToolSetting, expiry: Expiry = Expiry.REVOKED
    ) -> None: ...


class ConsentGate:
    """Decides every tool call; `ServerManager.call_tool` awaits it before sending anything.

    Implements `ConsentControl` for the Permissions page.
    """

    def __init__(
        self, rules: ConsentRules, asker: ConsentAsker, audit: AuditWriter, events: EventSink
    ) -> None:
        self._rules = rules
        self._asker = asker
        self._audit = audit
        self._events = events
        self._changes = asyncio.Lock()
        """Choices made in a row (arrow keys on the Permissions page) take effect in the order made."""

    async def decide(self, tool: ToolInfo, arguments: dict[str, Any], context: CallContext) -> Decision:
        never = self._rules.refusal(tool)
        if never is not None:
            return Decision(Choice.DENY, arguments, ConsentHow.RULE, rule_id=never.id)
        changed_from = self._rules.suspended_definition(tool, context.app_key)
        if not context.after_suspicious_result:
            rule = self._rules.match(tool, context.chat_id, context.app_key)
            if rule is not None:
                return Decision(Choice.ALLOW_ONCE, arguments, ConsentHow.RULE, rule_id=rule.id)
            if changed_from is None:
                how, changed_from = await self._by_default(tool)
                if how is not None:
                    return Decision(Choice.ALLOW_ONCE, arguments, how)
        request = ConsentRequest(tool, arguments, context, scan(tool.description), changed_from)
        decision = await self._asker.ask(request)
        if decision.choice is Choice.ALLOW_ALWAYS and request.may_remember:
            await self.remember(
                tool, RuleScope.ALWAYS, None, "", decision.expiry, context.app, context.app_id
            )
        elif decision.choice is Choice.ALLOW_CHAT and context.chat_id and request.may_remember:
            await self.remember(tool, RuleScope.CHAT, context.chat_id, context.chat_title)
        return decision

    async def _by_default(self, tool: ToolInfo) -> tuple[ConsentHow | ServerDefault | None, ToolInfo | None]:
        """How the server's default lets the tool run, if it does; else what it was when it did."""
        default = self._rules.policy(tool.server).default
        if default is ServerDefault.ALL:
            seen = await asyncio.to_thread(self._rules.first_seen, tool)
            if seen.definition_hash != tool.definition_hash:
                return None, seen
            return ServerDefault.ALL, None
        if default is ServerDefault.READ_ONLY and read_only(tool):
            return ConsentHow.READ_ONLY, None
        return None, None

    def refuses(self, tool: ToolInfo) -> bool:
        """The user set this tool to Never: it is not offered to the model, and a call is refused."""
        return self._rules.refusal(tool) is not None

    async def remember(
        self,
        tool: ToolInfo,
        scope: RuleScope,
        chat_id: str | None,
        chat_title: str,
        expiry: Expiry = Expiry.REVOKED,
        app: str | None = None,
        app_id: str | None = None,
    ) -> ConsentRule:
        """`app` (`app_id`): the other AI app whose question it answered, which alone it then holds for."""
        rule = ConsentRule.for_tool(tool, scope, chat_id, chat_title, time.time(), expiry, app, app_id)
        await self._added(rule)
        return rule

    async def set_tool(self, tool: ToolInfo, setting: ToolSetting, expiry: Expiry = Expiry.REVOKED) -> None:
        """The tool's own standing choice; Ask takes back whichever it had."""
        async with self._changes:
            if setting is ToolSetting.ALLOW:
                await self.remember(tool, RuleScope.ALWAYS, None, "", expiry)
            elif setting is ToolSetting.NEVER:
                await self._added(ConsentRule.refusing(tool, time.time()))
            else:
                standing = standing_rule(self._rules.rules(), tool.server, tool.name)
                if standing is not None:
                    await self.revoke(standing.id)

    async def _added(self, rule: ConsentRule) -> None:
        await asyncio.to_thread(self._rules.add, rule)
        await self._audit.record(AuditKind.RULE_ADDED, rule.audit_data())
        self._events.publish(RulesChanged())

    def rules(self) -> list[ConsentRule]:
        return self._rules.rules()

    def policy(self, server: str) -> ServerPolicy:
        return self._rules.policy(server)

    async def forget_chat(self, chat_id: str) -> None:
        """A deleted chat's "allow for this chat" rules go with it."""
        gone = await asyncio.to_thread(self._rules.forget_chat, chat_id)
        await self._revoked(gone)

    async def revoke(self, rule_id: str | None) -> int:
        """Revoke one rule, or every rule with `None`; returns how many went."""
        gone = await asyncio.to_thread(self._rules.revoke, rule_id)
        await self._revoked(gone)
        return len(gone)

    async def _revoked(self, gone: list[ConsentRule]) -> None:
        for rule in gone:
            await self._audit.record(AuditKind.RULE_REVOKED, rule.audit_data())
        if gone:
            self._events.publish(RulesChanged())

    async def set_policy(
        self, server: str, *, default: ServerDefault | None = None, allow_sampling: bool | None = None
    ) -> ServerPolicy:
        async with self._changes:
            policy = await asyncio.to_thread(
                self._rules.set_policy, server, default=default, allow_sampling=allow_sampling
            )
            await self._audit.record(AuditKind.POLICY_CHANGED, {"server": server, **asdict(policy)})
        self._events.publish(RulesChanged())
        return policy
