"""What the user calls each of their other AI apps, and which ids may name one."""

from __future__ import annotations

import re

from desktop.gateway.control import GatewayProblem

LABELS = {
    "claude": "Claude Desktop",
    "claude-code": "Claude Code",
    "cursor": "Cursor",
    "vscode": "VS Code",
    "lmstudio": "LM Studio",
    "jan": "Jan",
    "windsurf": "Windsurf",
}

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def app_label(app: str) -> str:
    """“Cursor” for `cursor`; an app MCP Desk has no name for is called by its id."""
    return LABELS.get(app, app)


def check_app_id(app: str) -> str:
    """`app` if it can name an app (it becomes part of a keyring name and a log source)."""
    if not _ID.fullmatch(app):
        raise GatewayProblem(
            f"“{app}” can't name an app. Use lowercase letters, digits and hyphens, such as “cursor”."
        )
    return app
