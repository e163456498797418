"""`mcp-desk servers resources|read|prompts|prompt` against npm's reference server, as a user runs them."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from desktop.core.audit_records import AuditKind
from tests.e2e.test_cli_faults import desk


@pytest.fixture
def everything(isolated_home: str, everything_server: list[str]) -> str:
    added = desk("servers", "add", "everything", "--", *everything_server)
    assert added.returncode == 0, added.stderr
    return "everything"


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_resources_lists_documents_and_templates_with_their_blanks(everything: str) -> None:
    text = ok(desk("servers", "resources", everything, "--yes"))
    assert "demo://resource/static/document/architecture.md" in text
    assert "demo://resource/dynamic/text/{resourceId}" in text and "(fill in: resourceId)" in text

    data = json.loads(ok(desk("servers", "resources", everything, "--yes", "--json")))
    assert {"uri", "name", "mime_type"} <= set(data["resources"][0])


def test_read_prints_text_and_audits_the_read(everything: str) -> None:
    uri = "demo://resource/static/document/architecture.md"
    assert ok(desk("servers", "read", everything, uri, "--yes")).startswith("# Everything Server")

    trail = [json.loads(line) for line in ok(desk("audit", "export")).splitlines() if line.startswith("{")]
    reads = [r for r in trail if r.get("kind") == AuditKind.RESOURCE_READ.value]
    assert reads[-1]["data"]["uri"] == uri and reads[-1]["data"]["by"] == "the user"


def test_read_of_binary_says_its_type_and_size(everything: str) -> None:
    uri = "demo://resource/dynamic/blob/1"
    printed = ok(desk("servers", "read", everything, uri, "--yes")).strip()
    assert re.fullmatch(rf"{uri} is [\w/.+-]+, \d+ bytes: not shown here\.", printed), printed


def test_prompts_list_their_arguments_and_a_prompt_prints_its_messages(everything: str) -> None:
    listed = ok(desk("servers", "prompts", everything, "--yes"))
    assert "args-prompt — A prompt with two arguments" in listed and "city (required)" in listed

    got = ok(desk("servers", "prompt", everything, "args-prompt", "--args", '{"city": "Lisbon"}', "--yes"))
    assert got.startswith("[user]") and "Lisbon" in got


def test_a_prompt_with_bad_arguments_says_what_to_type(everything: str) -> None:
    wrong = desk("servers", "prompt", everything, "args-prompt", "--args", '{"city": 3}', "--yes")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == '--args must be a JSON object of texts, like \'{"city": "Lisbon"}\'.'


def test_an_unapproved_server_is_not_started_without_yes(everything: str) -> None:
    refused = desk("servers", "resources", everything)
    assert refused.returncode == 1
    assert (
        refused.stderr.strip() == "“everything” is not approved yet. Run: mcp-desk servers check everything"
    )
