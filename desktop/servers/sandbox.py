"""Running a local server in a sandbox: only the files and network its `Sandbox` allows.

Linux wraps the program in bubblewrap (`bwrap`): the system read-only, an empty home and a
private /tmp, then only what the policy grants bound back in, plus what the server needs to
run at all (its runtime, its program files, the package caches `npx` and `uvx` use). Without
the network it gets a network of its own with nothing but loopback. macOS runs it under
`sandbox-exec` with a generated profile. Windows has no sandbox MCP Desk can set up without
administrator rights, so there the server runs as before and its page says so.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from desktop.core.config import ServerConfig
from desktop.core.paths import AppPaths
from desktop.core.sandbox_policy import FileAccess, Sandbox, sandbox_words
from desktop.servers.control import ServerProblem
from desktop.servers.folder_share import folder_share
from desktop.servers.launch import Launch, resolve
from desktop.servers.runtimes import ManagedRuntimes

APP_ROOT = Path(__file__).resolve().parents[2]
"""Where MCP Desk's own code lives: the built-in servers run from it."""
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix", "/sys")
RUNTIME_DIRS = (
    *(".nvm", ".volta", ".bun", ".deno", ".cargo/bin", ".local/bin", ".pyenv", ".local/lib"),
    *(".config/uv", ".npmrc"),
)
"""Under the home folder: where Node, Python and friends are installed, and how `uvx` and `npx`
are set up (a proxy's certificates, a registry mirror); read-only."""
INSTALLERS = {"npx": (".npm",), "uvx": (".cache/uv", ".local/share/uv")}
"""The package caches each installer writes, made before it starts: a sandbox can only lend a
folder that is there."""
PACKAGE_CACHES = (".npm", ".cache/uv", ".local/share/uv", ".cache/pip", ".cache/node", ".local/share/pnpm")
"""Under the home folder: where `npx` and `uvx` keep what they downloaded (they write there too)."""
INSTALL_BUBBLEWRAP = (
    "The sandbox needs bubblewrap, which is not installed. Install it (Debian or Ubuntu: "
    "“sudo apt install bubblewrap”; Fedora: “sudo dnf install bubblewrap”), "
    "or turn the sandbox off in the server's settings."
)


@dataclass(frozen=True)
class Reach:
    """A folder a sandboxed server sees."""

    path: Path
    writable: bool = False


@dataclass(frozen=True)
class SandboxPlan:
    """Everything a sandboxed server sees: what its policy grants, and what it needs to run."""

    granted: tuple[Reach, ...]
    runtime: tuple[Reach, ...]
    home: Path
    network: bool
    temp: Path
    """Its temporary folder where the sandbox has no private /tmp (macOS)."""
    own: Path | None = None
    """The folder it calls its own, when its policy lets it see that one."""

    @property
    def reaches(self) -> tuple[Reach, ...]:
        """All of it, the runtime first so a granted folder inside it decides whether it is writable."""
        return self.runtime + self.granted


def not_sandboxed_here(platform: str = sys.platform) -> str | None:
    """Why servers can't be sandboxed on `platform`, or None where they can."""
    if platform == "win32":
        return (
            "Windows: MCP Desk can't sandbox servers here yet, so this server runs with your "
            "permissions. Only run servers you trust."
        )
    return None


def sandbox_summary(sandbox: Sandbox | None, platform: str = sys.platform) -> str:
    """What `sandbox` means for a server here, in words: on Windows, that there is none."""
    return (sandbox and not_sandboxed_here(platform)) or sandbox_words(sandbox)


def own_folder(name: str, config: ServerConfig, paths: AppPaths) -> Path:
    """The folder a server calls its own: the one it shares, its working folder, or one kept for it."""
    share = folder_share(config)
    if share is not None:
        return share.folder
    if config.cwd:
        return Path(config.cwd)
    return paths.data_dir / "servers" / name


def plan_for(name: str, config: ServerConfig, paths: AppPaths, home: Path | None = None) -> SandboxPlan:
    """What `config`'s sandbox lets server `name` see (its policy must be set)."""
    policy = config.sandbox
    assert policy is not None, "only a sandboxed server has a plan"
    home = home or Path.home()
    own = own_folder(name, config, paths)
    files = {
        FileAccess.OWN: [Reach(own, writable=True)],
        FileAccess.SHARED_READ: [Reach(paths.files_dir)],
        FileAccess.SHARED_WRITE: [Reach(paths.files_dir, writable=True)],
        FileAccess.HOME: [Reach(home, writable=True)],
    }.get(policy.files, [])
    granted = [Reach(Path(f.path), f.writable) for f in policy.folders]
    temp = paths.cache_dir / "sandbox-tmp" / name
    shown_own = own if policy.files is FileAccess.OWN else None
    return SandboxPlan(
        tuple(files + granted), _runtime(config, home, paths), home, policy.network, temp, shown_own
    )


def _runtime(config: ServerConfig, home: Path, paths: AppPaths) -> tuple[Reach, ...]:
    """What any server needs to run: interpreters, its program files, package caches."""
    reaches = [Reach(home / sub) for sub in RUNTIME_DIRS]
    reaches += [Reach(home / sub, writable=True) for sub in PACKAGE_CACHES]
    if config.runtime == "mcp-desk":  # MCP Desk's own Node.js and uv, and their caches
        managed = ManagedRuntimes.of(paths)
        for folder in managed.cache_folders():
            folder.mkdir(parents=True, exist_ok=True)
        reaches += [Reach(managed.root), *(Reach(f, writable=True) for f in managed.cache_folders())]
    own_runtime = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent, APP_ROOT}
    reaches += [Reach(path) for path in sorted(own_runtime)]
    if config.cwd:  # where it runs often holds its code: readable, whatever its files setting
        reaches.append(Reach(Path(config.cwd)))
    for arg in [config.command or "", *config.args]:
        if Path(arg).is_absolute() and Path(arg).is_file():
            reaches += [Reach(program_folder(Path(arg))), Reach(program_folder(Path(arg).resolve()))]
    return tuple(dict.fromkeys(r for r in reaches if r.path.exists()))


def program_folder(program: Path) -> Path:
    """The folder that holds a program or script and what it loads: its own folder, or the folder
    above its outermost `node_modules` (where Node finds the packages it needs)."""
    parts = program.parts
    if "node_modules" in parts:
        return Path(*parts[: parts.index("node_modules")])
    return program.parent


def sandboxed(name: str, config: ServerConfig, environ: Mapping[str, str] = os.environ) -> Launch:
    """The program that runs for `config`: resolved, and wrapped in its sandbox when it has one."""
    launch = resolve(config, environ)
    if config.sandbox is None or not_sandboxed_here():
        return launch
    program = Path(launch.program)
    for cache in INSTALLERS.get(program.name, ()):
        (Path.home() / cache).mkdir(parents=True, exist_ok=True)
    paths = AppPaths.from_environment(environ)
    plan = plan_for(name, config, paths)
    found = (Reach(program_folder(program)), Reach(program_folder(program.resolve())))
    plan = replace(plan, runtime=tuple(dict.fromkeys((*plan.runtime, *found))))
    if config.sandbox.files is FileAccess.OWN and folder_share(config) is None and not config.cwd:
        own_folder(name, config, paths).mkdir(parents=True, exist_ok=True)
    return wrap(launch, plan)


def wrap(launch: Launch, plan: SandboxPlan, platform: str = sys.platform) -> Launch:
    """`launch` run inside `plan` on `platform`."""
    env = {key: value for key, value in launch.env.items() if key != "XDG_RUNTIME_DIR"}
    if platform == "darwin":
        plan.temp.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(plan.temp)
        profile = macos_profile(plan)
        return replace(launch, program="/usr/bin/sandbox-exec", args=("-p", profile, *launch.argv), env=env)
    bwrap = shutil.which("bwrap", path=launch.env.get("PATH"))
    if bwrap is None:
        raise ServerProblem(INSTALL_BUBBLEWRAP)
    env["TMPDIR"] = "/tmp"
    args = (*bwrap_args(plan, launch.cwd), "--", *launch.argv)
    return replace(launch, program=bwrap, args=args, env=env)


def bwrap_args(plan: SandboxPlan, cwd: str | None) -> list[str]:
    """bubblewrap's options for `plan`: the system read-only, then only what the plan allows."""
    args = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try"] + ([] if plan.network else ["--unshare-net"])
    for folder in SYSTEM_DIRS:
        if Path(folder).is_symlink():
            args += ["--symlink", str(Path(folder).readlink()), folder]
        else:
            args += ["--ro-bind-try", folder, folder]
    args += ["--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", str(plan.home)]
    for reach in sorted(plan.reaches, key=lambda r: len(r.path.parts)):
        args += ["--bind-try" if reach.writable else "--ro-bind-try", str(reach.path), str(reach.path)]
    if all(reach.path != plan.home for reach in plan.reaches):
        args += ["--remount-ro", str(plan.home)]  # its empty stand-in: a write there fails, and is reported
    if cwd:
        args += ["--chdir", cwd]
    return args


def macos_profile(plan: SandboxPlan) -> str:
    """A `sandbox-exec` profile: nothing unless allowed; the system to read, the plan's folders."""
    reaches = (*plan.reaches, Reach(plan.temp, writable=True))
    read = " ".join(f'(subpath "{r.path}")' for r in reaches)
    write = " ".join(f'(subpath "{r.path}")' for r in reaches if r.writable)
    lines = [
        "(version 1)",
        "(deny default)",
        "(allow process-fork process-exec signal sysctl-read mach-lookup ipc-posix-shm iokit-open)",
        '(allow file-read* (literal "/") (subpath "/usr") (subpath "/bin") (subpath "/sbin") '
        '(subpath "/System") (subpath "/Library") (subpath "/opt/homebrew") (subpath "/private/etc") '
        '(subpath "/private/var/db") (subpath "/dev"))',
        '(allow file-read-metadata (subpath "/"))',
        '(allow file-write* (literal "/dev/null") (literal "/dev/tty"))',
    ]
    lines += [f"(allow file-read* {read})", f"(allow file-write* {write})"]
    if plan.network:
        lines.append("(allow network*)")
    return "\n".join(lines) + "\n"
