"""From the registry to a running server: `mcp-server-time` found, installed and started to its tools.

The install runs `uvx mcp-server-time==<version>` with `runtime="mcp-desk"`. Until MCP Desk's own
runtimes (`desktop/servers/runtimes.py`) are in, `uvx` is the one from PyPI's `uv` wheel, put first
on PATH here; once they are, this test should use them instead of PATH.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil
import pytest

from tests.e2e.test_cli_catalogue import registry as registry
from tests.e2e.test_cli_log_audit import desk
from tests.fixtures.registry_server import TIME, TIME_VERSION, FakeRegistry
from tests.fixtures.uv_tool import REQUIRE_ENV, UV_CACHE_DIR, UvUnavailable, uv_bin


@pytest.fixture
def uvx_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`uvx` first on PATH, with a home of its own whose uv settings trust the system's certificates
    kept in the tests' cache (the server's sandbox lends it only its home's own uv cache).

    A server inherits HOME but not SSL_CERT_FILE (`launch.INHERITED_ENV`); where this machine's
    HTTPS goes through a proxy with its own certificate, uv's own roots would refuse PyPI.
    """
    try:
        folder = uv_bin(tmp_path)
    except (UvUnavailable, OSError) as unavailable:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(str(unavailable))
        pytest.skip(str(unavailable))
    home = UV_CACHE_DIR / "home"  # kept between runs: its ~/.cache/uv is what uvx downloaded
    (home / ".config" / "uv").mkdir(parents=True, exist_ok=True)
    (home / ".config" / "uv" / "uv.toml").write_text("native-tls = true\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.e2e
@pytest.mark.timeout(300)
def test_a_pypi_entry_installs_and_runs_to_its_tools(registry: FakeRegistry, uvx_on_path: None) -> None:
    assert desk("catalogue", "search", "--refresh").returncode == 0
    installed = desk("servers", "install", TIME, "--name", "clock", "--yes")
    assert installed.returncode == 0, installed.stderr
    listed = {row["name"]: row for row in json.loads(desk("servers", "list", "--json").stdout)}
    assert listed["clock"]["launch"] == f"uvx mcp-server-time=={TIME_VERSION} --local-timezone UTC"
    checked = desk("servers", "check", "clock", "--yes", "--json")
    assert checked.returncode == 0, checked.stderr
    assert "get_current_time" in checked.stdout and "convert_time" in checked.stdout
    left = [
        p
        for p in psutil.process_iter(["cmdline"])
        if f"mcp-server-time=={TIME_VERSION}" in (p.info["cmdline"] or [])
    ]
    assert left == [], "the server ended with the check"
