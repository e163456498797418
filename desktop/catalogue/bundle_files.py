"""A bundle's files, unpacked safely: into a staging folder first, then moved in whole.

Every name in the zip is checked before anything is written (no `..`, no absolute path or drive
letter, no link or device, no name twice), and sizes are counted on the bytes actually read, not the
sizes the zip claims, so a zip bomb stops at the caps. Any failure removes the staging folder: no
half-unpacked bundle is ever left, and nothing is written outside `<bundles>/.staging/<token>/`.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import stat
import time
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from desktop.catalogue.control import CatalogueProblem
from desktop.core.config import ServerConfig

_CHUNK = 1 << 16
STAGING = ".staging"
STALE_AFTER_S = 6 * 3600.0
"""A plan not installed within this long is dropped (and any left by a crash, at the next start)."""


@dataclass(frozen=True)
class Limits:
    max_files: int = 20_000
    max_file_bytes: int = 512 << 20
    max_total_bytes: int = 1 << 30
    max_ratio: int = 200
    """Unpacked size over packed size, for a file above `ratio_from_bytes`."""
    ratio_from_bytes: int = 1 << 20


def _refused(sentence: str, details: str) -> CatalogueProblem:
    return CatalogueProblem(
        f"This bundle {sentence}, so MCP Desk won't unpack it. Nothing was installed. "
        "Only install bundles from publishers you trust.",
        details=details,
    )


class BundleFolders:
    """`<data>/bundles/`: staged bundles by plan token, installed ones by server name and version."""

    def __init__(self, root: Path, limits: Limits = Limits()) -> None:
        self.root = root
        self.limits = limits

    @property
    def staging(self) -> Path:
        return self.root / STAGING

    def staged(self, token: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}", token):
            raise CatalogueProblem(
                "This install was not prepared by MCP Desk. Open the bundle again.",
                details=f"token {token!r}",
            )
        return self.staging / token

    def unpack(self, archive: Path) -> str:
        """Unpack `archive` into a new staging folder; its token, or a problem with nothing left behind."""
        self.sweep()
        token = uuid.uuid4().hex
        target = self.staged(token)
        target.mkdir(parents=True)
        try:
            with zipfile.ZipFile(archive) as zipped:
                self._extract(zipped, target, archive.stat().st_size)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
            # damaged, truncated, encrypted, or packed in a way zipfile can't read
            shutil.rmtree(target, ignore_errors=True)
            raise CatalogueProblem(
                "This file is not a bundle MCP Desk can open (it is not a complete .mcpb file). "
                "Download it again, or ask its publisher for a new copy.",
                details=str(error),
            ) from error
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return token

    def install(self, token: str, server: str, version: str) -> Path:
        """Move a staged bundle to `<server>/<version>/` in one rename; the folder it now lives in.

        A folder of that name already there (a renamed server's) is left alone: the next free name is taken.
        """
        source = self.staged(token)
        if not source.is_dir():
            raise CatalogueProblem(
                "This bundle's prepared copy is gone (it waited too long, or MCP Desk was restarted). "
                "Open the bundle again.",
                details=f"no staging folder {source}",
            )
        base, number = server, 2
        while (self.root / server).exists():
            server, number = f"{base}-{number}", number + 1
        home = self.root / server / _plain(version)
        home.parent.mkdir(parents=True)
        source.replace(home)
        return home

    def drop(self, token: str) -> None:
        shutil.rmtree(self.staged(token), ignore_errors=True)

    def remove(self, config: ServerConfig) -> None:
        """Remove the unpacked bundle a removed server ran from (its folder); nothing for any other server."""
        if config.cwd is None or not Path(config.cwd).is_relative_to(self.root):
            return
        parts = Path(config.cwd).relative_to(self.root).parts
        if len(parts) == 2 and parts[0] != STAGING and ".." not in parts:
            self.discard(self.root / parts[0])

    def discard(self, folder: Path) -> None:
        """Delete one server's bundle folder: gone from its place at once, even if deleting takes a while."""
        if not folder.is_dir():
            return
        aside = self.staging / f"removed-{uuid.uuid4().hex}"
        aside.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.replace(aside)
        except OSError:  # a file in use (Windows): delete what can be deleted in place
            aside = folder
        shutil.rmtree(aside, ignore_errors=True)

    def sweep(self, older_than_s: float = STALE_AFTER_S) -> None:
        """Remove staged bundles nobody installed, and what a removal left half-deleted."""
        if not self.staging.is_dir():
            return
        cutoff = time.time() - older_than_s
        for entry in self.staging.iterdir():
            with contextlib.suppress(OSError):  # another sweep got there first
                if entry.name.startswith("removed-") or entry.stat().st_mtime < cutoff:
                    shutil.rmtree(entry, ignore_errors=True)

    def _extract(self, zipped: zipfile.ZipFile, target: Path, archive_bytes: int) -> None:
        entries = zipped.infolist()
        if len(entries) > self.limits.max_files:
            raise _refused(
                f"holds too many files ({len(entries):,}; at most {self.limits.max_files:,})",
                f"{len(entries)} entries",
            )
        seen: set[str] = set()
        plans = [(entry, self._checked(entry, target, seen)) for entry in entries]
        total = 0
        for entry, path in plans:
            if entry.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(entry) as source, path.open("xb") as sink:
                total += self._copy(entry, source, sink, total, archive_bytes)
            path.chmod(0o755 if (entry.external_attr >> 16) & 0o111 else 0o644)

    def _checked(self, entry: zipfile.ZipInfo, target: Path, seen: set[str]) -> Path:
        name = entry.filename
        parts = [part for part in re.split(r"[\\/]", name) if part not in ("", ".")]
        if name.startswith(("/", "\\")) or ":" in name or "\0" in name:  # a drive, or a Windows stream
            raise _refused("tries to write to a place outside its own folder", f"absolute name {name!r}")
        if ".." in parts or not parts:
            raise _refused("tries to write to a place outside its own folder", f"name {name!r} climbs out")
        kind = stat.S_IFMT(entry.external_attr >> 16)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            what = "a link" if kind == stat.S_IFLNK else "a special file"
            raise _refused(f"holds {what} that could point outside its own folder", f"{name!r} mode {kind:o}")
        key = "/".join(parts).lower()
        if key in seen and not entry.is_dir():
            raise _refused("holds the same file twice", f"duplicate name {name!r}")
        seen.add(key)
        path = target.joinpath(*PurePosixPath(*parts).parts)
        if not path.resolve().is_relative_to(target.resolve()):
            raise _refused("tries to write to a place outside its own folder", f"{name!r} resolves outside")
        if entry.file_size > self.limits.max_file_bytes:
            raise _refused("holds a file too large to unpack", f"{name!r} claims {entry.file_size} bytes")
        return path

    def _copy(
        self, entry: zipfile.ZipInfo, source: IO[bytes], sink: IO[bytes], before: int, packed: int
    ) -> int:
        limits, written = self.limits, 0
        compressed = max(1, min(entry.compress_size, packed))
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > limits.max_file_bytes or before + written > limits.max_total_bytes:
                raise _refused(
                    "unpacks to more than MCP Desk allows", f"{entry.filename!r} past {written} bytes"
                )
            if written > limits.ratio_from_bytes and written > compressed * limits.max_ratio:
                raise _refused(
                    "is built like a zip bomb (a small file that unpacks to a huge one)",
                    f"{entry.filename!r}: {written} bytes from {compressed}",
                )
            sink.write(chunk)
        return written


def _plain(version: str) -> str:
    """A version as one safe folder name."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", version).strip(".") or "0"
