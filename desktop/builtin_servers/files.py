"""The built-in "files" MCP server: lets a model look inside one folder the user chose.

Run as ``python -m desktop.builtin_servers.files --root DIR [--allow-write]``. Every path a tool
takes is relative to DIR. Absolute paths, ``..`` escapes and links that lead outside DIR are
refused. Without ``--allow-write`` the tools that change files are not offered at all.

This module runs in its own process, so it uses only the standard library and the MCP SDK: no Qt,
nothing else from ``desktop``.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

MAX_SEARCH_RESULTS = 500
MAX_LISTING_ENTRIES = 1000
OUTSIDE = "That path is outside the shared folder."


def _hints(*, read_only: bool, destructive: bool) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=read_only, destructive_hint=destructive, idempotent_hint=True, open_world_hint=False
    )


READS = _hints(read_only=True, destructive=False)
OVERWRITES = _hints(read_only=False, destructive=True)
ADDS = _hints(read_only=False, destructive=False)


@dataclass(frozen=True)
class Entry:  # a dataclass: pydantic can't read a typing.TypedDict nested in another below Python 3.12
    name: str
    kind: Literal["file", "folder"]
    size: int | None


class Listing(TypedDict):
    path: str
    entries: list[Entry]
    note: NotRequired[str]


class SearchResult(TypedDict):
    matches: list[str]
    truncated: bool
    note: NotRequired[str]


class FileInfo(TypedDict):
    path: str
    kind: Literal["file", "folder", "other"]
    size: int
    modified: str


@contextlib.contextmanager
def _plain_errors(path: str) -> Iterator[None]:
    """Turn operating-system errors about `path` into messages a model (and a person) can act on."""
    try:
        yield
    except FileNotFoundError as exc:
        raise ToolError(f"There is no file or folder at '{path}' in the shared folder.") from exc
    except PermissionError as exc:
        raise ToolError(f"Permission denied: the computer doesn't allow access to '{path}'.") from exc
    except NotADirectoryError as exc:
        raise ToolError(f"Part of '{path}' is a file, not a folder.") from exc
    except IsADirectoryError as exc:
        raise ToolError(f"'{path}' is a folder, not a file.") from exc
    except FileExistsError as exc:
        raise ToolError(f"A file is in the way: '{path}' needs a folder where there is a file.") from exc
    except OSError as exc:
        raise ToolError(f"Couldn't use '{path}': {exc.strerror or exc}.") from exc


def _decode_text(data: bytes, *, cut_short: bool, path: str) -> str:
    """Decode UTF-8 text, refusing binary data; a read cut short may end inside a character."""
    not_text = f"'{path}' is not a text file (it looks like binary data), so it can't be read as text."
    if b"\x00" in data:
        raise ToolError(not_text)
    for trim in range(4 if cut_short else 1):
        with contextlib.suppress(UnicodeDecodeError):
            return data[: len(data) - trim].decode("utf-8-sig")
    raise ToolError(not_text)


def _atomic_write(target: Path, data: bytes) -> None:
    """Replace `target` with `data` all at once, so no reader ever sees a half-written file."""
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.chmod(mode)
        temporary.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


class SharedFolder:
    """The tools, working on one root folder that no path is allowed to leave."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve(strict=True)

    def resolve(self, path: str) -> Path:
        """The real location of `path` (relative to the root), refused unless it is inside the root."""
        relative = Path(path.strip() or ".")
        if relative.anchor:
            raise ToolError(f"{OUTSIDE} Give a path relative to the shared folder, not '{path}'.")
        if Path(os.path.normpath(relative)).parts[:1] == ("..",):
            raise ToolError(f"{OUTSIDE} '..' can't be used to go above the shared folder.")
        try:
            full = (self.root / relative).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a link that loops
            problem = "has a link that loops" if isinstance(exc, RuntimeError) else "is not a usable path"
            raise ToolError(f"'{path}' {problem}.") from exc
        if not full.is_relative_to(self.root):
            raise ToolError(f"{OUTSIDE} '{path}' is a link to somewhere else on the computer.")
        return full

    def shown(self, full: Path) -> str:
        """How the model should refer to `full`: relative to the root, with forward slashes."""
        return full.relative_to(self.root).as_posix()

    def _entry(self, child: Path) -> Entry | None:
        try:
            target = child.resolve()
            if not target.is_relative_to(self.root):
                return None
            if target.is_dir():
                return Entry(name=child.name, kind="folder", size=None)
            if target.is_file():
                return Entry(name=child.name, kind="file", size=target.stat().st_size)
        except (OSError, RuntimeError):
            pass
        return None

    def list_directory(self, path: str = ".") -> Listing:
        """List what is in a folder of the shared folder.

        `path` is relative to the shared folder; "." (the default) is the shared folder itself.
        Each entry has its name, its kind ("file" or "folder") and, for files, its size in bytes.
        Links that lead outside the shared folder are left out.
        """
        folder = self.resolve(path)
        if folder.is_file():
            raise ToolError(f"'{path}' is a file, not a folder. Use read_text_file or file_info for it.")
        with _plain_errors(path):
            children = sorted(folder.iterdir(), key=lambda child: child.name.lower())
        entries = [entry for child in children if (entry := self._entry(child)) is not None]
        listing = Listing(path=self.shown(folder), entries=entries[:MAX_LISTING_ENTRIES])
        if len(entries) > MAX_LISTING_ENTRIES:
            listing["note"] = (
                f"Only the first {MAX_LISTING_ENTRIES} of {len(entries)} entries are shown. "
                "Use search_files with a pattern to find the others."
            )
        return listing

    def read_text_file(self, path: str, max_bytes: int = 200_000) -> str:
        """Read a text file from the shared folder and return its contents.

        `path` is relative to the shared folder. Only the first `max_bytes` bytes are returned
        (default 200000); a note at the end says when the file was longer. Files that are not
        UTF-8 text (images, archives, programs...) are refused.
        """
        if max_bytes < 1:
            raise ToolError("max_bytes must be at least 1.")
        full = self.resolve(path)
        with _plain_errors(path):
            info = full.stat()
            if stat.S_ISDIR(info.st_mode):
                raise ToolError(f"'{path}' is a folder, not a file. Use list_directory to see what is in it.")
            if not stat.S_ISREG(info.st_mode):
                raise ToolError(f"'{path}' is not an ordinary file, so it can't be read.")
            with full.open("rb") as stream:
                data = stream.read(max_bytes + 1)
        cut_short = len(data) > max_bytes
        text = _decode_text(data[:max_bytes], cut_short=cut_short, path=path)
        if cut_short:
            text += (
                f"\n\n[Truncated: this is only the first {max_bytes} bytes of a {info.st_size}-byte file. "
                "Call read_text_file again with a larger max_bytes to read more.]"
            )
        return text

    def search_files(self, pattern: str, path: str = ".") -> SearchResult:
        """Find files and folders whose names match a glob pattern.

        The search starts in `path` (relative to the shared folder; "." by default, the whole
        shared folder). "*.txt" matches only directly inside that folder; "**/*.txt" also looks
        in every folder below it; "?" matches one character. Results are paths relative to the
        shared folder, at most 500 of them.
        """
        if not pattern.strip():
            raise ToolError("The pattern is empty. Try something like '*.txt' or '**/*.md'.")
        if Path(pattern).anchor or ".." in Path(pattern).parts:
            raise ToolError(f"{OUTSIDE} A pattern must be relative and can't use '..'.")
        base = self.resolve(path)
        if not base.is_dir():
            raise ToolError(f"'{path}' is not a folder in the shared folder, so it can't be searched.")
        matches: list[str] = []
        truncated = False
        with _plain_errors(path):
            try:
                for found in base.glob(pattern):
                    if self._entry(found) is None:
                        continue
                    if len(matches) == MAX_SEARCH_RESULTS:
                        truncated = True
                        break
                    matches.append(self.shown(found))
            except ValueError as exc:
                raise ToolError(f"'{pattern}' is not a pattern that can be used: {exc}.") from exc
        result = SearchResult(matches=sorted(matches), truncated=truncated)
        if truncated:
            result["note"] = f"Only {MAX_SEARCH_RESULTS} matches are shown. Use a narrower pattern or path."
        return result

    def file_info(self, path: str) -> FileInfo:
        """Describe a file or folder in the shared folder.

        `path` is relative to the shared folder. Returns its kind ("file", "folder" or "other"),
        its size in bytes and when it was last modified (ISO 8601, with the local time offset).
        """
        full = self.resolve(path)
        with _plain_errors(path):
            info = full.stat()
        is_dir, is_file = stat.S_ISDIR(info.st_mode), stat.S_ISREG(info.st_mode)
        kind: Literal["file", "folder", "other"] = "folder" if is_dir else "file" if is_file else "other"
        modified = datetime.fromtimestamp(info.st_mtime).astimezone().isoformat(timespec="seconds")
        return FileInfo(path=self.shown(full), kind=kind, size=info.st_size, modified=modified)

    def write_text_file(self, path: str, content: str) -> str:
        """Save `content` as a UTF-8 text file at `path`, replacing the file if it already exists.

        `path` is relative to the shared folder; missing folders on the way are created. The
        file is replaced in one step, so it is never left half-written.
        """
        full = self.resolve(path)
        if full.is_dir():
            raise ToolError(f"'{path}' is a folder, so it can't be written as a file.")
        data = content.encode("utf-8")
        with _plain_errors(path):
            full.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(full, data)
        return f"Saved {len(data)} bytes to '{self.shown(full)}'."

    def make_directory(self, path: str) -> str:
        """Create a folder at `path` (relative to the shared folder), and any missing folders above it.

        Does nothing if the folder already exists.
        """
        full = self.resolve(path)
        with _plain_errors(path):
            full.mkdir(parents=True, exist_ok=True)
        return f"The folder '{self.shown(full)}' exists now."


def _instructions(allow_write: bool) -> str:
    access = "can read and write files" if allow_write else "can only read files (nothing can be changed)"
    return (
        "These tools work inside one folder the user chose to share, and you "
        f"{access}. Every path is relative to that folder; '.' is the folder itself. "
        "Paths outside it are refused."
    )


def build_server(root: Path, allow_write: bool) -> MCPServer:
    """The files server for `root`, with the write tools only when `allow_write` is true."""
    folder = SharedFolder(root)
    app: MCPServer = MCPServer("files", instructions=_instructions(allow_write))
    tools: list[tuple[Callable[..., Any], ToolAnnotations]] = [
        (folder.list_directory, READS),
        (folder.read_text_file, READS),
        (folder.search_files, READS),
        (folder.file_info, READS),
    ]
    if allow_write:
        tools += [(folder.write_text_file, OVERWRITES), (folder.make_directory, ADDS)]
    for tool, hints in tools:
        app.add_tool(tool, description=inspect.getdoc(tool), annotations=hints)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m desktop.builtin_servers.files", description="Share one folder with a model over MCP."
    )
    parser.add_argument("--root", required=True, help="the folder to share")
    parser.add_argument("--allow-write", action="store_true", help="also offer tools that change files")
    args = parser.parse_args(argv)
    root = Path(args.root).expanduser()
    if not root.is_dir():
        problem = "is not a folder" if root.exists() else "does not exist"
        print(f"files server: the shared folder {root} {problem}.", file=sys.stderr)
        return 2
    mode = "read and write" if args.allow_write else "read-only"
    print(f"files server: sharing {root.resolve()} ({mode})", file=sys.stderr, flush=True)
    build_server(root, args.allow_write).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
