"""Remembered consent: rules pinned to a tool's definition, and each server's standing choices.

Kept in `consent.json` beside the settings. A file that can't be read is set aside and
reported, and MCP Desk starts with no rules, so the worst a damaged file can do is make
it ask again. Rules that ran out ("for 1 hour", "until I quit") are dropped when it is read.
Version 1 files said `trust_read_only` per server; that is read as `ServerDefault.READ_ONLY`.
A rule made answering another app's question (through the gateway) names that app and holds for it
alone; a rule without one (the chat's, the Permissions page's, any from before) holds for every caller.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from desktop.core.atomic_file import replaced_atomically
from desktop.core.events import ToolInfo

FORMAT_VERSION = 2
HOUR = 3600.0


class RuleScope(StrEnum):
    CHAT = "this chat"
    ALWAYS = "always"


class ServerDefault(StrEnum):
    """What happens to a server's tools that have no choice of their own."""

    ASK = "ask"
    READ_ONLY = "allow read-only"
    """Tools the server marks read-only (and not destructive) run without asking."""
    ALL = "allow all"
    """Every tool runs without asking, except those set to Never and those that changed since a rule
    allowed them or since Allow all first let them run (`ConsentRules.first_seen`)."""


class ToolSetting(StrEnum):
    """The user's standing choice for one tool (the Permissions page's per-tool choice)."""

    ASK = "ask"
    ALLOW = "always allow"
    NEVER = "never"


class Expiry(StrEnum):
    """How long an "allow" lasts."""

    REVOKED = "until I revoke it"
    HOUR = "for 1 hour"
    QUIT = "until I quit"


@dataclass(frozen=True)
class ConsentRule:
    id: str
    server: str
    tool: str
    definition_hash: str
    definition: dict[str, Any]
    """The tool as it was when the rule was made (to show what changed)."""
    scope: RuleScope
    created: float
    chat_id: str | None = None
    chat_title: str = ""
    expires: float | None = None
    until_quit: bool = False
    """Lasts while MCP Desk runs: dropped when `consent.json` is next read."""
    never: bool = False
    """Refuses the tool instead of allowing it. A Never rule is not pinned to the definition: a
    server that changes a blocked tool must not unblock it that way, and refusing is the safe side."""
    app: str | None = None
    """The other AI app this rule holds for, as the user calls it (“Cursor”); None: every caller."""
    app_id: str | None = None
    """That app's id (`cursor`): whom the rule holds for, so a renamed app keeps its rules and two apps
    with one name never share them. None with `app` set: a rule from before, held for by name."""

    @classmethod
    def for_tool(
        cls,
        tool: ToolInfo,
        scope: RuleScope,
        chat_id: str | None,
        chat_title: str,
        now: float,
        expiry: Expiry = Expiry.REVOKED,
        app: str | None = None,
        app_id: str | None = None,
    ) -> ConsentRule:
        return cls(
            uuid.uuid4().hex,
            tool.server,
            tool.name,
            tool.definition_hash,
            _definition(tool),
            scope,
            now,
            chat_id,
            chat_title,
            expires=now + HOUR if expiry is Expiry.HOUR else None,
            until_quit=expiry is Expiry.QUIT,
            app=app,
            app_id=app_id,
        )

    @classmethod
    def refusing(cls, tool: ToolInfo, now: float) -> ConsentRule:
        return replace(cls.for_tool(tool, RuleScope.ALWAYS, None, "", now), never=True)

    def expired(self, now: float) -> bool:
        return self.expires is not None and now >= self.expires

    @property
    def expiry(self) -> Expiry:
        if self.until_quit:
            return Expiry.QUIT
        return Expiry.REVOKED if self.expires is None else Expiry.HOUR

    def is_for(self, tool: ToolInfo) -> bool:
        return (self.server, self.tool) == (tool.server, tool.name)

    @property
    def holder(self) -> str | None:
        """Whom it holds for (`CallContext.app_key`): the app's id, or its name for a rule from before."""
        return self.app_id or self.app

    def holds_for(self, app: str | None) -> bool:
        """Whether it applies to a call from `app` (a `CallContext.app_key`; None: MCP Desk's own)."""
        return self.app is None or self.holder == app

    def covers(self, tool: ToolInfo, chat_id: str | None, now: float, app: str | None = None) -> bool:
        if not self.is_for(tool) or self.expired(now) or not self.holds_for(app):
            return False
        if self.scope is RuleScope.CHAT and self.chat_id != chat_id:
            return False
        return self.never or self.definition_hash == tool.definition_hash

    def made_for(self) -> ToolInfo:
        return _tool(self.definition)

    def audit_data(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "tool": self.tool,
            "rule": self.id,
            "scope": self.scope.value,
            "chat": self.chat_id,
            "tool_hash": self.definition_hash,
            "never": self.never,
            "expires": self.expires,
            "until_quit": self.until_quit,
            "app": self.app,
        }


@dataclass(frozen=True)
class ServerPolicy:
    default: ServerDefault = ServerDefault.ASK
    allow_sampling: bool = False
    """The server may ask the model for text; each request and each answer is still shown first."""


@dataclass
class _State:
    rules: list[ConsentRule] = field(default_factory=list)
    policies: dict[str, ServerPolicy] = field(default_factory=dict)
    seen: dict[str, dict[str, ToolInfo]] = field(default_factory=dict)
    """Each tool as the server's Allow all first let it run, by server and name."""


class ConsentRules:
    """Thread-safe: the gate reads on the service loop while the UI's changes are written."""

    def __init__(self, path: Path, app_ids: Mapping[str, str] | None = None) -> None:
        """`app_ids`: each other AI app's id by what it is called (“Cursor”: `cursor`), for the rules made
        for an app before they were kept by its id."""
        self.path = path
        self._app_ids = dict(app_ids or {})
        self.problem: str | None = None
        """Set when the file could not be read and was set aside."""
        self._lock = threading.Lock()
        self._state = self._load()

    def rules(self) -> list[ConsentRule]:
        with self._lock:
            return list(self._state.rules)

    def match(self, tool: ToolInfo, chat_id: str | None, app: str | None = None) -> ConsentRule | None:
        """The rule that allows this call (from `app`, None for MCP Desk's own) without asking, if any
        (Never rules are `refusal`'s)."""
        now = time.time()
        with self._lock:
            rules = self._state.rules
            return next((r for r in rules if not r.never and r.covers(tool, chat_id, now, app)), None)

    def refusal(self, tool: ToolInfo) -> ConsentRule | None:
        """The user's Never for this tool, whatever its definition is now."""
        now = time.time()
        with self._lock:
            return next((r for r in self._state.rules if r.never and r.covers(tool, None, now)), None)

    def suspended_definition(self, tool: ToolInfo, app: str | None = None) -> ToolInfo | None:
        """What the tool looked like when a rule allowing it (for `app`) was made, if it has changed since."""
        now = time.time()
        with self._lock:
            for rule in self._state.rules:
                live = rule.is_for(tool) and rule.holds_for(app) and not rule.never and not rule.expired(now)
                if live and rule.definition_hash != tool.definition_hash:
                    return rule.made_for()
        return None

    def first_seen(self, tool: ToolInfo) -> ToolInfo:
        """The tool as its server's Allow all first let it run; `tool` itself when that is now.

        Allow all holds for that definition only: one that changes is asked about, like a rule's.
        """
        with self._lock:
            seen = self._state.seen.setdefault(tool.server, {})
            if tool.name not in seen:
                seen[tool.name] = tool
                self._save()
            return seen[tool.name]

    def policy(self, server: str) -> ServerPolicy:
        with self._lock:
            return self._state.policies.get(server, ServerPolicy())

    def add(self, rule: ConsentRule) -> None:
        with self._lock:
            kept = [r for r in self._state.rules if not _same_slot(r, rule)]
            self._state.rules = [*kept, rule]
            self._save()

    def revoke(self, rule_id: str | None) -> list[ConsentRule]:
        with self._lock:
            gone = [r for r in self._state.rules if rule_id is None or r.id == rule_id]
            self._state.rules = [r for r in self._state.rules if r not in gone]
            self._save()
        return gone

    def forget_chat(self, chat_id: str) -> list[ConsentRule]:
        with self._lock:
            gone = [r for r in self._state.rules if r.chat_id == chat_id]
            self._state.rules = [r for r in self._state.rules if r not in gone]
            self._save()
        return gone

    def set_policy(
        self, server: str, *, default: ServerDefault | None = None, allow_sampling: bool | None = None
    ) -> ServerPolicy:
        with self._lock:
            policy = self._state.policies.get(server, ServerPolicy())
            if default is not None:
                policy = replace(policy, default=default)
            if allow_sampling is not None:
                policy = replace(policy, allow_sampling=allow_sampling)
            self._state.policies[server] = policy
            self._save()
        return policy

    def _save(self) -> None:
        data = {
            "version": FORMAT_VERSION,
            "rules": [asdict(rule) for rule in self._state.rules],
            "servers": {name: asdict(policy) for name, policy in self._state.policies.items()},
            "seen": {
                server: {name: _definition(tool) for name, tool in tools.items()}
                for server, tools in self._state.seen.items()
            },
        }
        with replaced_atomically(self.path) as out:
            json.dump(data, out, indent=2, ensure_ascii=False)

    def _load(self) -> _State:
        if not self.path.exists():
            return _State()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            _expect(raw, dict)
            rules = [rule_from_data(item) for item in _expect(raw.get("rules", []), list)]
            servers = _expect(raw.get("servers", {}), dict)
            policies = {str(name): policy_from_data(value) for name, value in servers.items()}
            seen = {str(server): _seen(tools) for server, tools in _expect(raw.get("seen", {}), dict).items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            aside = self.path.with_name(f"{self.path.name}.damaged-{time.time_ns()}")
            self.path.replace(aside)
            self.problem = (
                f"Your remembered tool permissions could not be read ({exc}), so MCP Desk will ask "
                f"again before each tool call. The damaged file was kept as {aside.name}."
            )
            return _State()
        now = time.time()
        kept = [self._with_app_id(r) for r in rules if not (r.until_quit or r.expired(now))]
        return _State(kept, policies, seen)

    def _with_app_id(self, rule: ConsentRule) -> ConsentRule:
        if rule.app is None or rule.app_id is not None or rule.app not in self._app_ids:
            return rule
        return replace(rule, app_id=self._app_ids[rule.app])


def _expect(value: Any, *kinds: type) -> Any:
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise TypeError(f"{value!r:.40} is not {' or '.join(k.__name__ for k in kinds)}")
    return value


def rule_from_data(item: Any) -> ConsentRule:
    """One rule as saved, every field checked: a rule read wrong could allow what it shouldn't."""
    _expect(item, dict)
    for name in ("id", "server", "tool", "definition_hash", "chat_title"):
        _expect(item.get(name, ""), str)
    _expect(item.get("chat_id"), str, type(None))
    _expect(item.get("app"), str, type(None))
    _expect(item.get("app_id"), str, type(None))
    _expect(item["created"], int, float)
    _expect(item.get("expires"), int, float, type(None))
    _expect(item.get("until_quit", False), bool)
    _expect(item.get("never", False), bool)
    rule = ConsentRule(**{**item, "scope": RuleScope(item["scope"])})
    _tool(_expect(rule.definition, dict))
    return rule


def _seen(tools: Any) -> dict[str, ToolInfo]:
    seen = {}
    for name, definition in _expect(tools, dict).items():
        tool = _tool(_expect(definition, dict))
        if tool.name != name:
            raise ValueError(f"{name!r:.40} holds the tool {tool.name!r:.40}")
        seen[name] = tool
    return seen


_NOT_REMEMBERED = ("icons", "app_view", "visibility")


def _definition(tool: ToolInfo) -> dict[str, Any]:
    """What is remembered of a tool: no pictures, no app view (not part of what a rule is pinned to)."""
    return {key: value for key, value in asdict(tool).items() if key not in _NOT_REMEMBERED}


def _tool(definition: dict[str, Any]) -> ToolInfo:
    tool = ToolInfo(**definition)
    for text in (tool.server, tool.name, tool.description):
        _expect(text, str)
    _expect(tool.input_schema, dict)
    _expect(tool.annotations, dict)
    return tool


def policy_from_data(value: Any) -> ServerPolicy:
    """One server's choices as saved, every field checked; version 1's `trust_read_only` migrated."""
    fields = dict(_expect(value, dict))
    if "trust_read_only" in fields:
        trusted = _expect(fields.pop("trust_read_only"), bool)
        fields.setdefault("default", ServerDefault.READ_ONLY if trusted else ServerDefault.ASK)
    default = ServerDefault(_expect(fields.pop("default", ServerDefault.ASK), str))
    for flag in fields.values():
        _expect(flag, bool)
    return ServerPolicy(default, **fields)


def read_only(tool: ToolInfo) -> bool:
    """The server says the tool only reads (and doesn't say it is destructive): its claim, unchecked."""
    hints = tool.annotations
    return hints.get("readOnlyHint") is True and hints.get("destructiveHint") is not True


def standing_rule(rules: list[ConsentRule], server: str, tool: str) -> ConsentRule | None:
    """The tool's own choice (Always allow or Never, not one chat's), as the Permissions page shows it."""
    return next(
        (
            r
            for r in rules
            if (r.server, r.tool, r.scope, r.chat_id, r.app) == (server, tool, RuleScope.ALWAYS, None, None)
        ),
        None,
    )


def _same_slot(a: ConsentRule, b: ConsentRule) -> bool:
    return (a.server, a.tool, a.scope, a.chat_id, a.holder) == (
        b.server,
        b.tool,
        b.scope,
        b.chat_id,
        b.holder,
    )
