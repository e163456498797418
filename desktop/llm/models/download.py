"""Download one GGUF model from the Hugging Face Hub into a folder, resumably, checking every file.

Only the token handed in is ever sent, never one saved on the machine by other Hugging Face tools.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx2
from huggingface_hub import get_session, hf_hub_url
from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]  # public, lazily re-exported

from desktop.llm.models.hub import TIMEOUT_S, HubFile, HubProblem, HubVariant, explained, status_problem

CHUNK_BYTES = 1024 * 1024
RETRY_DELAY_S = 1.0


class DownloadCancelled(Exception):
    """The download was stopped on request; its `.part` file stays so the next try continues it."""

    def __init__(self, message: str = "The download was stopped; start it again to continue.") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DownloadProgress:
    done_bytes: int
    """Bytes of the whole variant on disk; drops only if a server ignored a resume and a file restarted."""
    total_bytes: int
    bytes_per_second: float
    filename: str


class ProgressListener(Protocol):
    def __call__(self, progress: DownloadProgress, /) -> None: ...


def download_variant(
    variant: HubVariant,
    target_dir: Path,
    *,
    token: str | None = None,
    endpoint: str | None = None,
    on_progress: ProgressListener | None = None,
    cancel: threading.Event | None = None,
    retries: int = 3,
) -> Path:
    """Download every file of `variant` into `target_dir` and return the first file's path.

    Each file grows as ``<name>.part`` and is renamed once its sha256 matches. A dropped connection
    is resumed with an HTTP Range request up to `retries` times; after that, or after a cancel, the
    `.part` stays and the next call continues it.
    """
    target = Path(target_dir)
    with explained(variant.repo, token):
        target.mkdir(parents=True, exist_ok=True)
        _check_free_space(variant, target)
        meter = _Meter(variant.size_bytes, on_progress)
        transfer = _Transfer(token, endpoint, cancel or threading.Event(), meter, retries)
        for file in variant.files:
            transfer.fetch(file, target)
    return target / variant.files[0].name


def _check_free_space(variant: HubVariant, target: Path) -> None:
    needed = sum(file.size_bytes - _bytes_on_disk(file, target) for file in variant.files)
    free = shutil.disk_usage(target).free
    if needed > free:
        raise HubProblem(
            f"There is not enough free disk space: this model needs {_gb(needed)} more in {target}, "
            f"and only {_gb(free)} is free.",
            f"needed={needed} free={free}",
        )


def _bytes_on_disk(file: HubFile, target: Path) -> int:
    final, part = target / file.name, target / f"{file.name}.part"
    if final.is_file() and final.stat().st_size == file.size_bytes:
        return file.size_bytes
    return min(part.stat().st_size, file.size_bytes) if part.is_file() else 0


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB"


class _Meter:
    """Counts the bytes on disk across all files of a variant and reports them."""

    def __init__(self, total: int, listener: ProgressListener | None) -> None:
        self._total = total
        self._listener = listener
        self._finished = 0
        self._fresh = 0
        self._started = time.monotonic()

    def at(self, filename: str, on_disk: int, fresh: int = 0) -> None:
        """The file being fetched now holds `on_disk` bytes, `fresh` of them just received."""
        self._fresh += fresh
        if self._listener is not None:
            elapsed = time.monotonic() - self._started
            speed = self._fresh / elapsed if elapsed > 0 else 0.0
            self._listener(DownloadProgress(self._finished + on_disk, self._total, speed, filename))

    def finish(self, size: int) -> None:
        self._finished += size


class _Dropped(Exception):
    """The connection ended before the file did; the `.part` can be resumed."""


class _Part:
    """A `.part` file open for appending, with the running sha256 of everything in it."""

    def __init__(self, path: Path) -> None:
        self.hasher = hashlib.sha256()
        if path.is_file():
            with path.open("rb") as source:
                while block := source.read(CHUNK_BYTES):
                    self.hasher.update(block)
        self.sink = path.open("ab")

    @property
    def size(self) -> int:
        return self.sink.tell()

    def write(self, chunk: bytes) -> None:
        self.sink.write(chunk)
        self.hasher.update(chunk)

    def restart(self) -> None:
        self.sink.seek(0)
        self.sink.truncate()
        self.hasher = hashlib.sha256()


class _Transfer:
    def __init__(
        self, token: str | None, endpoint: str | None, cancel: threading.Event, meter: _Meter, retries: int
    ) -> None:
        self._headers = build_hf_headers(token=token or False, headers={"Accept-Encoding": "identity"})
        self._endpoint = endpoint
        self._cancel = cancel
        self._meter = meter
        self._retries = retries

    def fetch(self, file: HubFile, target: Path) -> None:
        final, part = target / file.name, target / f"{file.name}.part"
        if not (final.is_file() and final.stat().st_size == file.size_bytes):
            self._check_cancel()
            size, digest = self._fetch_with_retries(file, part)
            if size != file.size_bytes or (file.sha256 is not None and digest != file.sha256.lower()):
                part.unlink(missing_ok=True)
                raise HubProblem(
                    f"The download of {file.name} was damaged; try again.",
                    f"expected {file.size_bytes} bytes, sha256 {file.sha256}; got {size}, sha256 {digest}",
                )
            part.replace(final)
        self._meter.at(file.name, file.size_bytes)
        self._meter.finish(file.size_bytes)

    def _fetch_with_retries(self, file: HubFile, part: Path) -> tuple[int, str]:
        attempt = 0
        while True:
            try:
                return self._fetch_part(file, part)
            except _Dropped as error:
                attempt += 1
                if attempt > self._retries:
                    raise HubProblem(
                        "The connection to Hugging Face dropped during the download; try again, "
                        "and it will continue where it stopped.",
                        str(error),
                    ) from error
                if self._cancel.wait(RETRY_DELAY_S * attempt):
                    raise DownloadCancelled() from error

    def _fetch_part(self, file: HubFile, path: Path) -> tuple[int, str]:
        """Continue the `.part` file to the end; return its size and sha256."""
        if path.is_file() and path.stat().st_size > file.size_bytes:
            path.unlink()
        part = _Part(path)
        with part.sink:
            self._meter.at(file.name, part.size)
            if part.size < file.size_bytes:
                self._stream(file, part)
            size, digest = part.size, part.hasher.hexdigest()
        if size < file.size_bytes:
            raise _Dropped(f"got {size} of {file.size_bytes} bytes")
        return size, digest

    def _stream(self, file: HubFile, part: _Part) -> None:
        url = hf_hub_url(file.repo, file.filename, revision=file.revision, endpoint=self._endpoint)
        headers = dict(self._headers)
        if part.size:
            headers["Range"] = f"bytes={part.size}-"
        session = get_session()
        try:
            with session.stream(
                "GET", url, headers=headers, timeout=TIMEOUT_S, follow_redirects=True
            ) as reply:
                self._check_reply(reply, file, part)
                for chunk in reply.iter_bytes(CHUNK_BYTES):
                    self._check_cancel()
                    part.write(chunk)
                    self._meter.at(file.name, part.size, fresh=len(chunk))
        except (httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.ReadTimeout) as error:
            raise _Dropped(f"{type(error).__name__}: {error}") from error

    def _check_reply(self, reply: httpx2.Response, file: HubFile, part: _Part) -> None:
        if reply.status_code == 416:
            part.restart()
            raise _Dropped("the server refused to resume; starting the file over")
        if reply.status_code not in (200, 206):
            raise status_problem(reply, file.repo)
        if part.size and reply.status_code == 200:
            part.restart()  # the server ignored the Range header and sends the whole file
            self._meter.at(file.name, 0)

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise DownloadCancelled()
