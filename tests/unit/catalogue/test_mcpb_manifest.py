"""Reading `manifest.json` as the MCPB spec writes it, versions 0.1 to 0.4, and refusing it in words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop.catalogue.control import CatalogueProblem
from desktop.catalogue.mcpb_manifest import read_manifest

# The spec's own samples (modelcontextprotocol/mcpb: test/valid-manifest-0.2.json,
# examples/hello-world-node/manifest.json, examples/hello-world-uv/manifest.json), trimmed.
SPEC_0_2: dict[str, Any] = {
    "manifest_version": "0.2",
    "name": "legacy-extension",
    "display_name": "Legacy Extension",
    "version": "1.0.0",
    "description": "An extension that predates 0.3",
    "author": {"name": "Legacy Author", "email": "legacy@example.com"},
    "server": {
        "type": "node",
        "entry_point": "server/index.js",
        "mcp_config": {"command": "node", "args": ["${__dirname}/server/index.js"]},
    },
}
SPEC_0_3: dict[str, Any] = {
    "$schema": "../../dist/mcpb-manifest.schema.json",
    "manifest_version": "0.3",
    "name": "hello-world-node",
    "display_name": "Hello World MCP Server (Reference Extension)",
    "version": "0.1.0",
    "description": "A reference MCP extension",
    "long_description": "This is a reference implementation of a MCP Bundle (DXT).",
    "author": {"name": "Acme Inc", "email": "support@acme.void", "url": "https://www.acme.void"},
    "repository": {"type": "git", "url": "https://github.com/acme/my-repo"},
    "icon": "icon.png",
    "icons": [{"src": "icon.png", "size": "16x16"}],
    "server": {
        "type": "node",
        "entry_point": "server/index.js",
        "mcp_config": {
            "command": "node",
            "args": ["${__dirname}/server/index.js", "--verbose=${user_config.verbose_logging}"],
            "env": {"API_KEY": "${user_config.api_key}"},
            "platform_overrides": {"win32": {"command": "node.exe"}, "darwin": {"env": {"DEBUG": "1"}}},
        },
    },
    "tools": [{"name": "get_current_time", "description": "Get the current computer time"}],
    "user_config": {
        "api_key": {"type": "string", "title": "API Key", "description": "Your key", "sensitive": True},
        "verbose_logging": {
            "type": "boolean",
            "title": "Verbose Logging",
            "description": "Enable detailed logging output",
            "default": False,
        },
        "max_results": {
            "type": "number",
            "title": "Maximum Results",
            "description": "Maximum number of results",
            "default": 10,
            "min": 1,
            "max": 100,
        },
    },
    "compatibility": {
        "claude_desktop": ">=0.10.0",
        "platforms": ["darwin", "win32", "linux"],
        "runtimes": {"node": ">=16.0.0"},
    },
    "privacy_policies": [],
    "_meta": {"com.example": {"x": 1}},
}
SPEC_0_4: dict[str, Any] = {
    "manifest_version": "0.4",
    "name": "hello-world-uv",
    "display_name": "Hello World (UV Runtime)",
    "version": "1.0.0",
    "description": "Simple MCP server using UV runtime",
    "author": {"name": "Anthropic"},
    "icon": "icon.png",
    "server": {"type": "uv", "entry_point": "src/server.py"},
    "compatibility": {"platforms": ["darwin", "linux", "win32"], "runtimes": {"python": ">=3.10"}},
    "keywords": ["example", "hello-world", "uv"],
    "license": "MIT",
}


def test_the_spec_samples_of_each_version_are_read() -> None:
    legacy, node, uv = (read_manifest(json.dumps(sample)) for sample in (SPEC_0_2, SPEC_0_3, SPEC_0_4))
    assert (legacy.manifest_version, legacy.title, legacy.author.name) == (
        "0.2",
        "Legacy Extension",
        "Legacy Author",
    )
    assert node.server.mcp_config is not None and node.server.mcp_config.env == {
        "API_KEY": "${user_config.api_key}"
    }
    assert node.user_config["api_key"].sensitive and node.user_config["max_results"].max == 100
    assert node.user_config["verbose_logging"].default is False
    assert [tool.name for tool in node.tools] == ["get_current_time"]
    assert node.compatibility.runtimes.node == ">=16.0.0" and node.icon == "icon.png"
    assert uv.server.type == "uv" and uv.server.mcp_config is None, (
        "a uv server may leave its launch to the host"
    )


def test_the_older_dxt_version_field_is_read_too() -> None:
    sample = {key: value for key, value in SPEC_0_2.items() if key != "manifest_version"}
    assert read_manifest(json.dumps({**sample, "dxt_version": "0.1"})).manifest_version == "0.1"


def test_a_platform_override_replaces_what_it_gives() -> None:
    launch = read_manifest(json.dumps(SPEC_0_3)).server.mcp_config
    assert launch is not None
    assert launch.for_platform("win32").command == "node.exe"
    assert launch.for_platform("win32").args == launch.args
    assert launch.for_platform("darwin").env == {"API_KEY": "${user_config.api_key}", "DEBUG": "1"}
    assert launch.for_platform("linux") == launch


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            json.dumps({**SPEC_0_2, "manifest_version": "0.9"}),
            "bundle format MCP Desk doesn't know (version 0.9)",
        ),
        ('{"manifest_version": "0.2", "name": ', "is damaged and can't be read"),
        ("[1, 2]", "is not in the shape of a bundle's"),
        (
            json.dumps({k: v for k, v in SPEC_0_2.items() if k != "manifest_version"}),
            "doesn't say which bundle format",
        ),
        (
            json.dumps({**SPEC_0_2, "server": {"type": "node", "mcp_config": {"command": "node"}}}),
            "is missing “server.entry_point”",
        ),
        (
            json.dumps({**SPEC_0_2, "server": {**SPEC_0_2["server"], "type": "ruby"}}),
            "wrong value for “server.type”",
        ),
    ],
)
def test_a_manifest_that_cant_be_used_is_refused_in_a_sentence(text: str, words: str) -> None:
    with pytest.raises(CatalogueProblem) as refused:
        read_manifest(text)
    assert words in refused.value.message
    assert refused.value.message.endswith(".") and "Traceback" not in refused.value.message
    assert refused.value.details, "the technical part is kept apart"
