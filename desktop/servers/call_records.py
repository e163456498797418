"""What the audit trail says about servers and tool calls, and what a call returns to its caller."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
import mcp_types as types
from mcp import MCPError
from pydantic import ValidationError

from desktop.core.config import ServerConfig
from desktop.core.consent import CallContext, Decision
from desktop.core.events import ToolInfo
from desktop.core.problem import Problem
from desktop.servers.control import ToolCallOutcome
from desktop.servers.faults import describe, reason
from desktop.servers.result_parts import (
    MAX_PART_BYTES,
    EmbeddedPart,
    LinkPart,
    MediaPart,
    ResultPart,
    TextPart,
    audit_summary,
    brief,
    decoded,
)
from desktop.servers.wire_tap import CallTrace

PREVIEW_CHARS = 200


class CallStopped(Exception):
    """The user stopped a call that had run past its timeout, after `waited_s` seconds."""

    def __init__(self, waited_s: float) -> None:
        super().__init__(f"stopped by the user after {waited_s:.0f} s")
        self.waited_s = waited_s


def server_data(name: str, config: ServerConfig) -> dict[str, Any]:
    """What a server record says about its launch: names of variables and headers, never values."""
    return {
        "server": name,
        "launch": config.display_command(),
        "env_names": sorted(config.env),
        "header_names": sorted(config.headers),
        "cwd": config.cwd,
    }


def call_data(
    tool: ToolInfo, asked: dict[str, Any], decision: Decision, context: CallContext
) -> dict[str, Any]:
    """The decision record: what was asked, what the user decided, and how."""
    data: dict[str, Any] = {
        "server": tool.server,
        "tool": tool.name,
        "tool_hash": tool.definition_hash,
        "arguments": decision.arguments,
        "decision": "allowed" if decision.allowed else "denied",
        "choice": decision.choice.value,
        "how": decision.how.value,
        "origin": context.origin,
        "chat": context.chat_id,
    }
    if context.app:
        data["app"] = context.app
    if decision.arguments != asked:
        data["asked_arguments"] = asked
    if decision.reason:
        data["reason"] = decision.reason
    if decision.rule_id:
        data["rule"] = decision.rule_id
    return data


@dataclass(frozen=True)
class SentCall:
    """An allowed call on its way to the server: what its outcome says besides the result."""

    config: ServerConfig
    tool: ToolInfo
    decision_seq: int
    """The audit record of the decision to make this call."""
    arguments: dict[str, Any]
    trace: CallTrace = field(default_factory=CallTrace)
    started_at: float = field(default_factory=time.time)
    started: float = field(default_factory=time.perf_counter)

    def outcome(self, result: types.CallToolResult | BaseException) -> ToolCallOutcome:
        outcome = _call_outcome(self.config, self.tool, result, time.perf_counter() - self.started)
        return replace(
            outcome, audit_seq=self.decision_seq, rpc_id=self.trace.rpc_id, arguments=self.arguments
        )


def _call_outcome(
    config: ServerConfig, tool: ToolInfo, result: types.CallToolResult | BaseException, duration: float
) -> ToolCallOutcome:
    """What the caller gets back, whatever happened; an exception becomes a sentence and its details."""
    if isinstance(result, types.CallToolResult):
        parts = tuple(_part(block) for block in result.content)
        content = tuple(
            block.model_dump(by_alias=True, exclude_none=True, mode="json") for block in result.content
        )
        return ToolCallOutcome(
            tool.server,
            tool.name,
            not result.is_error,
            _result_text(parts),
            result.structured_content,
            duration,
            parts=parts,
            content=content,
        )
    problem = _call_error(config, result)
    stopped = isinstance(result, CallStopped)
    return ToolCallOutcome(
        tool.server,
        tool.name,
        False,
        problem.message,
        None,
        duration,
        details=problem.details,
        stopped=stopped,
    )


NEVER_TEXT = (
    "The user set this tool to “Never” on MCP Desk's Permissions page, so it was not run. "
    "To use it, change that choice there."
)


def denied_outcome(tool: ToolInfo, decision: Decision, audit_seq: int) -> ToolCallOutcome:
    text = (
        NEVER_TEXT
        if decision.refused_by_never
        else "The user did not allow this tool call, so it was not run."
    )
    if decision.reason:
        text += f" Their reason: {decision.reason}"
    return ToolCallOutcome(
        tool.server, tool.name, False, text, audit_seq=audit_seq, denied=True, arguments=decision.arguments
    )


def result_data(
    outcome: ToolCallOutcome, result: types.CallToolResult | BaseException, started_at: float
) -> dict[str, Any]:
    digest = None
    if isinstance(result, types.CallToolResult):
        wire_form = result.model_dump_json(by_alias=True, exclude_none=True)
        digest = hashlib.sha256(wire_form.encode()).hexdigest()
    data: dict[str, Any] = {
        "call": outcome.audit_seq,
        "server": outcome.server,
        "tool": outcome.tool,
        "status": _status(result),
        "result_sha256": digest,
        "preview": outcome.text[:PREVIEW_CHARS],
        "duration_ms": round(outcome.duration_s * 1000, 3),
        "error": "" if digest else outcome.text,
        "rpc_id": outcome.rpc_id,
        "started": started_at,
    }
    if outcome.details:
        data["details"] = outcome.details
    if any(not isinstance(part, TextPart) for part in outcome.parts):
        data["parts"] = [audit_summary(part) for part in outcome.parts]
    return data


def _status(result: types.CallToolResult | BaseException) -> str:
    if isinstance(result, types.CallToolResult):
        return "tool error" if result.is_error else "ok"
    if not isinstance(result, Exception):
        return "cancelled"
    if isinstance(result, CallStopped):
        return "stopped"
    timeout = isinstance(result, MCPError) and result.code == types.REQUEST_TIMEOUT
    return "timed out" if timeout or isinstance(result, TimeoutError) else "failed"


def _result_text(parts: tuple[ResultPart, ...]) -> str:
    """The text parts, and a bracketed word for each other part (the command line prints this)."""
    return "\n".join(part.text if isinstance(part, TextPart) else f"[{brief(part)}]" for part in parts)


def _part(block: types.ContentBlock) -> ResultPart:
    if isinstance(block, types.TextContent):
        return TextPart(block.text)
    if isinstance(block, types.ImageContent | types.AudioContent):
        data, size = decoded(block.data)
        return MediaPart(block.type, block.mime_type, size, data)
    if isinstance(block, types.ResourceLink):
        return LinkPart(
            block.uri,
            block.name,
            block.title or "",
            block.mime_type or "",
            block.description or "",
            block.size,
        )
    resource = block.resource
    mime = resource.mime_type or ""
    if isinstance(resource, types.TextResourceContents):
        size = len(resource.text.encode())
        text = resource.text if size <= MAX_PART_BYTES else None
        return EmbeddedPart(resource.uri, mime or "text/plain", size, text=text)
    data, size = decoded(resource.blob)
    return EmbeddedPart(resource.uri, mime, size, data=data)


def _call_error(config: ServerConfig, exc: BaseException) -> Problem:
    """What went wrong with a call, in a sentence for the user and the model."""
    details = describe(exc)
    if isinstance(exc, MCPError):
        return Problem(_protocol_error(config, exc), details)
    if isinstance(exc, Problem):
        return Problem(f"The tool could not be called: {exc.message}", exc.details or details)
    if not isinstance(exc, Exception):
        return Problem("The call was stopped before the server answered.", details)
    if isinstance(exc, CallStopped):
        return Problem("The user stopped the call before the server answered.", details)
    if isinstance(exc, ValidationError):
        why = "the server's answer is not a valid MCP result."
    elif isinstance(exc, TimeoutError):
        why = "the server did not answer in time."
    elif isinstance(exc, OSError | anyio.BrokenResourceError | anyio.ClosedResourceError | anyio.EndOfStream):
        why = "the connection to the server was lost."
    else:
        why = reason(exc)
    return Problem(f"The tool call failed: {why}", details)


def _protocol_error(config: ServerConfig, exc: MCPError) -> str:
    if exc.code == types.REQUEST_TIMEOUT:
        return (
            f"The server did not answer within {config.request_timeout:.0f} seconds, "
            "so MCP Desk cancelled the call."
        )
    if exc.code == types.CONNECTION_CLOSED:
        return "The server stopped while working on the call."
    return f"The server reported an error: {exc.message}"
