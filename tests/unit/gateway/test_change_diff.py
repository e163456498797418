"""The diff shown before another app's settings change: every line, but no key or token in full."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.gateway.change_diff import change_diff, mask_secrets
from desktop.gateway.control import ConfigChange


def test_a_token_in_a_moved_server_is_masked_in_the_diff_not_in_the_file() -> None:
    before = json.dumps(
        {"mcpServers": {"github": {"command": "npx", "env": {"GITHUB_TOKEN": "ghp_x1y2z3w4v5"}}}}, indent=2
    )
    change = ConfigChange("claude", "Claude Desktop", Path("/c.json"), before, "{}\n", "Moves github")

    shown = change_diff(change)

    assert '-        "GITHUB_TOKEN": "ghp_••••"' in shown
    assert "x1y2z3" not in shown
    assert "x1y2z3" in change.before


def test_secret_names_headers_flags_and_token_shapes_are_masked() -> None:
    assert mask_secrets('"Authorization": "Bearer abcdefgh1234"') == '"Authorization": "Bearer ••••"'
    assert mask_secrets('"PASSWORD": "hunter22"') == '"PASSWORD": "••••"'
    assert mask_secrets('["--api-key=abc123xyz", "sk-abcdefghijklmnop"]') == '["--api-key=••••", "sk-••••"]'


def test_ordinary_values_and_secret_references_are_shown_as_they_are() -> None:
    text = '"command": "npx", "args": ["-y", "/home/ada"], "API_KEY": "${secret:API_KEY}", "q": "a\\"b"'

    assert mask_secrets(text) == text
