"""`mcp-desk runtimes …`: MCP Desk's own Node.js and uv, listed, installed, their caches cleaned."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Literal

from desktop.cli.output import emit
from desktop.servers.control import ServerProblem
from desktop.servers.runtime_control import RuntimeInfo, RuntimeName

if TYPE_CHECKING:
    from desktop.services import Services

MB = 1e6


def add_runtime_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    runtimes = sub.add_parser("runtimes", help="MCP Desk's own Node.js and uv: list, install, clean")
    actions = runtimes.add_subparsers(required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="MCP Desk's own runtimes and whether they are installed")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)
    install = actions.add_parser("install", help="download and unpack one (Ctrl-C stops it cleanly)")
    install.add_argument("name", choices=[name.value for name in RuntimeName])
    install.set_defaults(run=_install)
    clean = actions.add_parser("clean", help="empty the package caches of MCP Desk's own runtimes")
    clean.set_defaults(run=_clean)


def add_runtime_options(parser: argparse.ArgumentParser, edit: bool = False) -> None:
    parser.add_argument(
        "--own-runtime",
        action="store_true",
        help="run npx, node, uvx or uv from MCP Desk's own Node.js and uv (installed at its first start)",
    )
    if edit:
        parser.add_argument(
            "--computers-runtime",
            action="store_true",
            help="run them from this computer's own Node.js and uv",
        )


def runtime_from(
    args: argparse.Namespace, current: Literal["mcp-desk"] | None, remote: bool = False
) -> Literal["mcp-desk"] | None:
    """The runtime the options ask for, starting from `current`; `current` when they say nothing."""
    computers = getattr(args, "computers_runtime", False)
    if args.own_runtime and computers:
        raise ServerProblem("--own-runtime and --computers-runtime can't go together: choose one.")
    if args.own_runtime and remote:
        raise ServerProblem("--own-runtime is for a program on this computer, not for a --url.")
    if args.own_runtime:
        return "mcp-desk"
    return None if computers else current


async def _list(services: Services, args: argparse.Namespace) -> int:
    infos = await services.runtimes.runtimes()
    emit(args, [asdict(info) for info in infos], "\n".join(_line(info) for info in infos))
    return 0


def _line(info: RuntimeInfo) -> str:
    if info.installed:
        return f"{info.title} {info.version}  installed, {info.size_bytes / MB:.0f} MB  {info.where}"
    return f"{info.title} {info.version}  not installed (mcp-desk runtimes install {info.name})"


async def _install(services: Services, args: argparse.Namespace) -> int:
    name = RuntimeName(args.name)
    progress = _ProgressLine()
    try:
        info = await services.runtimes.install(name, progress)
    except asyncio.CancelledError:
        progress.done()
        print("Stopped. Nothing was installed, and nothing was left half-installed.", file=sys.stderr)
        raise
    progress.done()
    print(f"{info.title} {info.version} is installed in {info.where}.")
    return 0


async def _clean(services: Services, args: argparse.Namespace) -> int:
    freed = await services.runtimes.clean()
    print(f"Emptied the package caches of MCP Desk's own runtimes ({freed / MB:.0f} MB freed).")
    return 0


class _ProgressLine:
    """What an install is doing, on one line that is rewritten on a terminal, else a line per step."""

    def __init__(self) -> None:
        self._last = ""
        self._width = 0
        self._tty = sys.stderr.isatty()

    def __call__(self, sentence: str, fraction: float | None, /) -> None:
        if sentence == self._last:
            return
        self._last = sentence
        percent = f"{fraction:4.0%}  " if fraction is not None else ""
        line = f"{percent}{sentence}"
        self._width = max(self._width, len(line))
        print(line.ljust(self._width), end="\r" if self._tty else "\n", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self._tty and self._last:
            print(file=sys.stderr)
