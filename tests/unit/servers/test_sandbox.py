"""The sandbox's options, profile and report, as text: each platform's piece on its own.

The real thing (bubblewrap around a hostile server) is tests/e2e/test_sandbox.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.core.paths import AppPaths
from desktop.core.sandbox_policy import FileAccess, PickedFolder, Sandbox
from desktop.servers.control import ServerProblem
from desktop.servers.launch import Launch
from desktop.servers.sandbox import (
    INSTALL_BUBBLEWRAP,
    Reach,
    SandboxPlan,
    bwrap_args,
    macos_profile,
    not_sandboxed_here,
    own_folder,
    plan_for,
    program_folder,
    wrap,
)
from desktop.servers.sandbox_report import blocked

HOME = Path("/home/me")
PATHS = AppPaths(Path("/cfg"), Path("/data"), Path("/cache"), Path("/home/me/Shared"))


def plan(*granted: Reach, network: bool = False) -> SandboxPlan:
    return SandboxPlan(granted, (Reach(HOME / ".npm", writable=True),), HOME, network, Path("/cache/tmp"))


def pairs(args: list[str], option: str) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args) if arg == option]


def test_without_network_it_gets_a_network_of_its_own() -> None:
    assert "--unshare-net" in bwrap_args(plan(), None)
    assert "--unshare-net" not in bwrap_args(plan(network=True), None)


def test_home_is_empty_and_read_only_then_only_granted_folders_come_back() -> None:
    args = bwrap_args(
        plan(Reach(HOME / "Shared"), Reach(HOME / "Shared/out", writable=True)), "/home/me/Shared"
    )
    assert pairs(args, "--tmpfs") == ["/tmp", str(HOME)]
    assert pairs(args, "--ro-bind-try")[-1] == str(HOME / "Shared")
    assert pairs(args, "--bind-try") == [str(HOME / ".npm"), str(HOME / "Shared/out")]
    assert args.index(str(HOME / "Shared/out")) > args.index(str(HOME / "Shared")), "deeper folders on top"
    assert pairs(args, "--remount-ro") == [str(HOME)]
    assert pairs(args, "--chdir") == ["/home/me/Shared"]
    assert {"--die-with-parent", "--new-session", "--unshare-pid"} <= set(args)


def test_a_server_given_the_whole_home_may_change_it() -> None:
    args = bwrap_args(plan(Reach(HOME, writable=True)), None)
    assert str(HOME) in pairs(args, "--bind-try") and "--remount-ro" not in args


def test_own_folder_is_the_shared_one_else_its_working_folder_else_one_kept_for_it() -> None:
    files = ServerConfig(command="python", args=["-m", "files", "--root", "/home/me/Docs"])
    assert own_folder("files", files, PATHS) == Path("/home/me/Docs")
    assert own_folder("x", ServerConfig(command="node", cwd="/srv/x"), PATHS) == Path("/srv/x")
    assert own_folder("x", ServerConfig(command="node"), PATHS) == Path("/data/servers/x")


def test_the_plan_grants_what_the_policy_says(tmp_path: Path) -> None:
    picked = (PickedFolder(path="/media/photos"), PickedFolder(path="/media/out", writable=True))
    config = ServerConfig(command="node", sandbox=Sandbox(files=FileAccess.SHARED_READ, folders=picked))
    granted = plan_for("x", config, PATHS, home=tmp_path).granted
    assert granted == (
        Reach(PATHS.files_dir),
        Reach(Path("/media/photos")),
        Reach(Path("/media/out"), writable=True),
    )
    home = ServerConfig(command="node", sandbox=Sandbox(files=FileAccess.HOME, network=True))
    assert plan_for("x", home, PATHS, home=tmp_path).granted == (Reach(tmp_path, writable=True),)


def test_without_bubblewrap_it_says_how_to_get_it() -> None:
    launch = Launch("/usr/bin/node", ("server.js",), {"PATH": "/nowhere"}, None)
    with pytest.raises(ServerProblem) as caught:
        wrap(launch, plan(), platform="linux")
    assert caught.value.message == INSTALL_BUBBLEWRAP
    assert "sudo apt install bubblewrap" in INSTALL_BUBBLEWRAP


def test_macos_runs_it_under_sandbox_exec_with_a_generated_profile() -> None:
    launch = Launch(
        "/usr/local/bin/node", ("server.js",), {"PATH": "/usr/bin", "XDG_RUNTIME_DIR": "/r"}, None
    )
    wrapped = wrap(launch, plan(Reach(HOME / "Shared")), platform="darwin")
    assert wrapped.argv[:2] == ["/usr/bin/sandbox-exec", "-p"]
    assert wrapped.argv[3:] == ["/usr/local/bin/node", "server.js"]
    assert "XDG_RUNTIME_DIR" not in wrapped.env and wrapped.env["TMPDIR"] == "/cache/tmp"


def test_the_macos_profile_denies_by_default_and_allows_only_the_plan() -> None:
    profile = macos_profile(plan(Reach(HOME / "Shared")))
    lines = profile.splitlines()
    assert lines[:2] == ["(version 1)", "(deny default)"]
    read = next(line for line in lines if line.startswith("(allow file-read* (subpath"))
    write = next(line for line in lines if line.startswith("(allow file-write* (subpath"))
    assert '(subpath "/home/me/Shared")' in read and '(subpath "/home/me/Shared")' not in write
    assert '(subpath "/home/me/.npm")' in write and '(subpath "/cache/tmp")' in write
    assert "(allow network*)" not in lines
    assert "(allow network*)" in macos_profile(plan(network=True)).splitlines()


def test_windows_says_plainly_it_is_not_sandboxed_there() -> None:
    assert "can't sandbox" in (not_sandboxed_here("win32") or "")
    assert not_sandboxed_here("linux") is None


def test_the_report_names_what_was_kept_out_once_each() -> None:
    lines = [
        "PermissionError: [Errno 13] Permission denied: '/home/me/.ssh/id_rsa'",
        "FileNotFoundError: [Errno 2] No such file or directory: '/home/me/.ssh/id_rsa'",
        "Error: ENOENT: no such file or directory, open '/home/me/.aws/credentials'",
        "OSError: [Errno 30] Read-only file system: '/home/me/Shared/new.txt'",
        "FileNotFoundError: [Errno 2] No such file or directory: '/home/me/Shared/missing.txt'",
        "FileNotFoundError: [Errno 2] No such file or directory: '/usr/share/zoneinfo/Mars'",
        "ConnectionRefusedError: [Errno 111] Connection refused",
        "files server: sharing /home/me/Shared (read-only)",
    ]
    report = blocked(lines, plan(Reach(HOME / "Shared")))
    assert report.sentences == (
        "reading ~/.ssh/id_rsa (outside what it may see)",
        "reading ~/.aws/credentials (outside what it may see)",
        "changing ~/Shared/new.txt (it may only look there)",
        "using the network (turned off for this server)",
    )
    assert not report.failed_to_start


def test_with_the_network_on_a_refused_connection_is_the_server_s_own_business() -> None:
    assert (
        blocked(["ConnectionRefusedError: [Errno 111] Connection refused"], plan(network=True)).sentences
        == ()
    )


def test_bubblewrap_refusing_to_start_is_said_as_such() -> None:
    report = blocked(["bwrap: No permissions to creating new namespace"], plan())
    assert report.failed_to_start
    assert report.sentences == ("The sandbox could not start: No permissions to creating new namespace",)


def test_a_script_brings_its_folder_and_a_node_package_its_whole_install() -> None:
    script = Path("/srv/tools/server.py")
    assert program_folder(script) == Path("/srv/tools")
    node = Path("/cache/npm/everything/node_modules/@mcp/server-everything/dist/index.js")
    assert program_folder(node) == Path("/cache/npm/everything")


def test_its_working_folder_is_readable_even_when_it_sees_no_files(tmp_path: Path) -> None:
    config = ServerConfig(
        command="node", args=["index.js"], cwd=str(tmp_path), sandbox=Sandbox(files=FileAccess.NONE)
    )
    boxed = plan_for("x", config, PATHS, home=Path("/home/me"))
    assert boxed.granted == () and Reach(tmp_path) in boxed.runtime


def test_a_server_on_mcp_desk_s_own_runtime_reads_it_and_writes_its_caches(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "cache", tmp_path / "files")
    (tmp_path / "data" / "runtimes").mkdir(parents=True)
    config = ServerConfig(command="npx", args=["-y", "pkg"], sandbox=Sandbox(), runtime="mcp-desk")
    runtime = plan_for("x", config, paths, home=tmp_path / "home").runtime
    assert Reach(tmp_path / "data" / "runtimes") in runtime
    assert Reach(tmp_path / "cache" / "runtimes" / "npm", writable=True) in runtime
    assert Reach(tmp_path / "cache" / "runtimes" / "uv-python", writable=True) in runtime
