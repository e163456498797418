"""The client the conformance suite launches: MCP Desk's own command line, one scenario a run.

The suite runs ``client.py <server-url>`` with MCP_CONFORMANCE_SCENARIO set (and, for some
scenarios, MCP_CONFORMANCE_CONTEXT). Like a user at a terminal, this adds the server with
``mcp-desk servers add --url``, connects and lists its tools with ``servers check --yes`` and
calls the tools the scenario asks for with ``servers call --yes``: separate processes sharing
one MCP_DESK_HOME and one keyring service, so a second process finds the first one's sign-in.
Sign-in pages go to the stand-in browser (``$BROWSER``). The keyring itself is the caller's:
``run_conformance.py`` starts a private one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVER = "conformance"
CIMD_URL = "https://conformance-test.local/client-metadata.json"
"""The client ID the suite's CIMD scenario expects, published at an address it stands in for."""

CALLS: dict[str, list[tuple[str, dict[str, object]]]] = {
    "tools_call": [("add_numbers", {"a": 5, "b": 3})],
    "sse-retry": [("test_reconnection", {})],
    "elicitation-sep1034-client-defaults": [("test_client_elicitation_defaults", {})],
    "http-standard-headers": [("test_headers", {})],
    "http-invalid-tool-headers": [("valid_tool", {})],
    "sep-2322-client-request-state": [
        ("test_mrtr_echo_state", {}),
        ("test_mrtr_no_state", {}),
        ("test_mrtr_no_result_type", {}),
        ("test_mrtr_unrelated", {}),
    ],
}
"""The tools each scenario's server expects to be called, beyond connecting and listing."""


def desk(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """One `mcp-desk` command, its output passed on to the suite's logs."""
    result = subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "MCP_DESK_HOME": str(home)},
        check=False,
    )
    sys.stdout.write(f"$ mcp-desk {' '.join(args)}  -> {result.returncode}\n{result.stdout}")
    sys.stderr.write(result.stderr)
    return result


def use_client_metadata_document(home: Path) -> None:
    """Point the `client_metadata_url` setting at the address the CIMD scenario expects."""
    config_file = home / "config" / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config.setdefault("settings", {})["client_metadata_url"] = CIMD_URL
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")


def add(home: Path, url: str, context: dict[str, object]) -> None:
    args = ["servers", "add", SERVER, "--url", url]
    secret = context.get("client_secret")
    if context.get("client_id"):
        args += ["--client-id", str(context["client_id"])]
        if secret:
            args.append("--client-secret-stdin")
    if desk(home, *args, stdin=f"{secret}\n" if secret else None).returncode:
        raise SystemExit(1)
    use_client_metadata_document(home)


def calls_for(
    scenario: str, context: dict[str, object], tools: list[str]
) -> list[tuple[str, dict[str, object]]]:
    """The scenario's own tool calls; in a sign-in scenario, its first tool, as a user would try it."""
    listed = context.get("toolCalls")
    if isinstance(listed, list):
        return [(str(call["name"]), dict(call.get("arguments") or {})) for call in listed]
    if scenario in CALLS:
        return CALLS[scenario]
    return [(tools[0], {})] if scenario.startswith("auth/") and tools else []


def main(url: str) -> int:
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    os.environ.setdefault("MCP_DESK_KEYRING_SERVICE", f"mcp-desk-conformance-{uuid.uuid4().hex[:8]}")
    os.environ["BROWSER"] = str(HERE / "stand_in_browser.py")
    with tempfile.TemporaryDirectory(prefix="mcp-desk-conformance-") as folder:
        home = Path(folder)
        add(home, url, context)
        check = desk(home, "servers", "check", SERVER, "--yes", "--json")
        if check.returncode:
            return check.returncode
        tools = [tool["name"] for tool in json.loads(check.stdout)["tools"]]
        failed = 0
        for tool, arguments in calls_for(scenario, context, tools):
            call = desk(home, "servers", "call", SERVER, tool, "--yes", "--args", json.dumps(arguments))
            failed = failed or call.returncode
        return failed


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
