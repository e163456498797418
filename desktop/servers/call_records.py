"""What the audit trail says about servers and tool calls, and what a call returns to its caller."""

from __future__ import annotations

import hashlib
from typing import Any

import mcp_types as types
from mcp import MCPError

from desktop.core.config import ServerConfig
from desktop.core.consent import CallContext, Decision
from desktop.core.events import ToolInfo
from desktop.servers.control import ToolCallOutcome

PREVIEW_CHARS = 200


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
    if decision.arguments != asked:
        data["asked_arguments"] = asked
    if decision.reason:
        data["reason"] = decision.reason
    if decision.rule_id:
        data["rule"] = decision.rule_id
    return data


def call_outcome(
    config: ServerConfig, tool: ToolInfo, result: types.CallToolResult | MCPError, duration: float
) -> ToolCallOutcome:
    if isinstance(result, MCPError):
        return ToolCallOutcome(tool.server, tool.name, False, _call_error(config, result), None, duration)
    text = _result_text(result)
    return ToolCallOutcome(
        tool.server, tool.name, not result.is_error, text, result.structured_content, duration
    )


def denied_outcome(tool: ToolInfo, decision: Decision, audit_seq: int) -> ToolCallOutcome:
    text = "The user did not allow this tool call, so it was not run."
    if decision.reason:
        text += f" Their reason: {decision.reason}"
    return ToolCallOutcome(
        tool.server, tool.name, False, text, audit_seq=audit_seq, denied=True, arguments=decision.arguments
    )


def result_data(
    outcome: ToolCallOutcome, result: types.CallToolResult | MCPError, started_at: float
) -> dict[str, Any]:
    if isinstance(result, MCPError):
        status = "timed out" if result.code == types.REQUEST_TIMEOUT else "failed"
        digest, error = None, outcome.text
    else:
        status = "tool error" if result.is_error else "ok"
        wire_form = result.model_dump_json(by_alias=True, exclude_none=True)
        digest, error = hashlib.sha256(wire_form.encode()).hexdigest(), ""
    return {
        "call": outcome.audit_seq,
        "server": outcome.server,
        "tool": outcome.tool,
        "status": status,
        "result_sha256": digest,
        "preview": outcome.text[:PREVIEW_CHARS],
        "duration_ms": round(outcome.duration_s * 1000, 3),
        "error": error,
        "rpc_id": outcome.rpc_id,
        "started": started_at,
    }


def _result_text(result: types.CallToolResult) -> str:
    parts = []
    for block in result.content:
        if isinstance(block, types.TextContent):
            parts.append(block.text)
        else:
            parts.append(f"[{block.type}]")
    return "\n".join(parts)


def _call_error(config: ServerConfig, exc: MCPError) -> str:
    if exc.code == types.REQUEST_TIMEOUT:
        return (
            f"The server did not answer within {config.request_timeout:.0f} seconds, "
            "so MCP Desk cancelled the call."
        )
    if exc.code == types.CONNECTION_CLOSED:
        return "The server stopped while working on the call."
    return f"The server reported an error: {exc.message}"
