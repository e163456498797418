"""GGUF models from the Hugging Face Hub: list a repo's quantizations and download one, resumably.

Listing leaves out projector files (``*mmproj*.gguf``): they are vision add-ons that a chat model
loads beside itself, not chat models. Only the token handed in is ever sent; a token saved on the
machine by other Hugging Face tools is not used, so what the user put in Secrets is what counts.
"""

from __future__ import annotations

import errno
import hashlib
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

import httpx2
from huggingface_hub import HfApi, get_session, hf_hub_url
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.hf_api import RepoSibling
from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]  # public, lazily re-exported

from desktop.core.problem import Problem

CHUNK_BYTES = 1024 * 1024
TIMEOUT_S = 30.0
RETRY_DELAY_S = 1.0
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.IGNORECASE)
_QUANT = re.compile(
    r"(?<![a-z0-9])(iq[1-4]_(?:xxs|xs|s|m|nl)|tq[12]_0|q[2-8]_k(?:_(?:xl|s|m|l))?|q[4-8]_[01](?:_\d_\d)?"
    r"|mxfp4|bf16|f16|f32)(?![a-z0-9])",
    re.IGNORECASE,
)


class HubProblem(Problem):
    """A failure explained in one sentence a user can act on; `details` is for the log."""


class DownloadCancelled(Exception):
    """The download was stopped on request; its `.part` file stays so the next try continues it."""

    def __init__(self, message: str = "The download was stopped; start it again to continue.") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class HubFile:
    repo: str
    filename: str
    """Path inside the repo; may include folders."""
    size_bytes: int
    sha256: str | None
    """The LFS sha256, or None for a file not stored in LFS."""
    revision: str
    """The commit the listing saw, so every part comes from the same version."""

    @property
    def name(self) -> str:
        return PurePosixPath(self.filename).name


@dataclass(frozen=True)
class HubVariant:
    """One downloadable model: a single GGUF, or all parts of a split one in order."""

    quant: str
    files: tuple[HubFile, ...]
    size_bytes: int

    @property
    def repo(self) -> str:
        return self.files[0].repo

    @property
    def name(self) -> str:
        """The file name without the split suffix, e.g. ``qwen2.5-7b-instruct-q4_k_m.gguf``."""
        return _SPLIT.sub(".gguf", self.files[0].name)


@dataclass(frozen=True)
class DownloadProgress:
    done_bytes: int
    """Bytes of the whole variant on disk; drops only if a server ignored a resume and a file restarted."""
    total_bytes: int
    bytes_per_second: float
    filename: str


class ProgressListener(Protocol):
    def __call__(self, progress: DownloadProgress, /) -> None: ...


@dataclass(frozen=True)
class Recommendation:
    repo: str
    quant: str
    summary: str
    params_billions: float


RECOMMENDED: tuple[Recommendation, ...] = tuple(
    Recommendation(repo, "Q4_K_M", summary, params)
    for repo, params, summary in (
        (
            "Qwen/Qwen2.5-7B-Instruct-GGUF",
            7.6,
            "Strong all-rounder with reliable tool calls; needs an 8 GB GPU.",
        ),
        ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", 8.0, "Meta's Llama 3.1 with built-in tool use."),
        ("NousResearch/Hermes-3-Llama-3.1-8B-GGUF", 8.0, "Llama 3.1 tuned for function calling."),
        ("bartowski/Mistral-7B-Instruct-v0.3-GGUF", 7.2, "Mistral's 7B with native tool calls."),
        ("Qwen/Qwen2.5-3B-Instruct-GGUF", 3.1, "Small and quick; fits a 4 GB GPU or a laptop."),
        ("Qwen/Qwen2.5-1.5B-Instruct-GGUF", 1.5, "Tiny; runs almost anywhere, for simple tool use."),
    )
)


Q4_BYTES_PER_PARAM = 0.61
"""A Q4_K_M file holds about 4.9 bits per weight."""
RUNNING_ROOM_BYTES = 1_500_000_000
"""The cache and working buffers of a default-sized context, and some slack."""


def best_first(choices: Iterable[Recommendation], room_bytes: int | None) -> tuple[Recommendation, ...]:
    """The ones that fit in `room_bytes` in their own order, then the rest smallest first.

    With `room_bytes` unknown, the order is kept.
    """
    listed = tuple(choices)
    if room_bytes is None:
        return listed

    def fits(choice: Recommendation) -> bool:
        return choice.params_billions * 1e9 * Q4_BYTES_PER_PARAM + RUNNING_ROOM_BYTES <= room_bytes

    too_big = sorted((r for r in listed if not fits(r)), key=lambda r: r.params_billions)
    return tuple(r for r in listed if fits(r)) + tuple(too_big)


def quant_of(filename: str) -> str:
    """The quantization named in a GGUF file name, upper-cased, or "unknown"."""
    stem = _SPLIT.sub("", PurePosixPath(filename).name)
    found = _QUANT.findall(re.sub(r"\.gguf$", "", stem, flags=re.IGNORECASE))
    return str(found[-1]).upper() if found else "unknown"


def list_variants(repo: str, *, token: str | None = None, endpoint: str | None = None) -> list[HubVariant]:
    """The repo's GGUF models, smallest first; projector files and incomplete split sets are left out."""
    with _explained(repo, token):
        info = HfApi(endpoint=endpoint).model_info(
            repo, files_metadata=True, token=token or False, timeout=TIMEOUT_S
        )
    return group_variants(repo, info.sha or "main", info.siblings or [])


def group_variants(repo: str, revision: str, siblings: Iterable[RepoSibling]) -> list[HubVariant]:
    groups: dict[str, list[tuple[int, int, HubFile]]] = {}
    for sibling in siblings:
        name = PurePosixPath(sibling.rfilename).name.lower()
        if not name.endswith(".gguf") or "mmproj" in name:
            continue
        split = _SPLIT.search(sibling.rfilename)
        part, count = (int(split[1]), int(split[2])) if split else (1, 1)
        key = _SPLIT.sub(".gguf", sibling.rfilename)
        groups.setdefault(key, []).append((part, count, _hub_file(repo, revision, sibling)))
    variants = []
    for key, parts in groups.items():
        parts.sort(key=lambda entry: entry[0])
        if [entry[0] for entry in parts] != list(range(1, parts[0][1] + 1)):
            continue
        files = tuple(entry[2] for entry in parts)
        variants.append(HubVariant(quant_of(key), files, sum(file.size_bytes for file in files)))
    return sorted(variants, key=lambda variant: (variant.size_bytes, variant.name))


def _hub_file(repo: str, revision: str, sibling: RepoSibling) -> HubFile:
    lfs = sibling.lfs
    size = lfs.size if lfs is not None else sibling.size or 0
    return HubFile(repo, sibling.rfilename, size, lfs.sha256 if lfs is not None else None, revision)


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
    with _explained(variant.repo, token):
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
            raise _status_problem(reply, file.repo)
        if part.size and reply.status_code == 200:
            part.restart()  # the server ignored the Range header and sends the whole file
            self._meter.at(file.name, 0)

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise DownloadCancelled()


def _status_problem(response: httpx2.Response, repo: str) -> HubProblem:
    status, headers = response.status_code, response.headers
    details = f"HTTP {status} for {response.url}: {headers.get('X-Error-Message', '')}".strip()
    if headers.get("X-Error-Message") == "Invalid credentials in Authorization header":
        message = "Hugging Face did not accept the token; check the Hugging Face token in Secrets."
    elif headers.get("X-Error-Code") == "GatedRepo" or status == 403:
        message = (
            f"Hugging Face refused access to {repo}; accept the model's terms on huggingface.co, "
            "then add a Hugging Face token in Secrets."
        )
    elif status in (401, 404) or headers.get("X-Error-Code") == "RepoNotFound":
        message = (
            f"Could not find the model {repo} on Hugging Face; check the name, "
            "or add a Hugging Face token in Secrets if it is private."
        )
    elif status == 429:
        message = "Hugging Face is limiting requests right now; wait a few minutes and try again."
    else:
        message = f"Hugging Face answered with an error (HTTP {status}); try again later."
    return HubProblem(message, details)


@contextmanager
def _explained(repo: str, token: str | None) -> Iterator[None]:
    """Turn whatever the hub or the network raises into a HubProblem, with the token scrubbed."""
    try:
        yield
    except (HubProblem, DownloadCancelled):
        raise
    except HfHubHTTPError as error:
        problem = _status_problem(error.response, repo)
        raise HubProblem(problem.message, _scrub(f"{problem.details}\n{error}", token)) from error
    except OfflineModeIsEnabled as error:
        raise HubProblem(
            "Hugging Face downloads are switched off here (HF_HUB_OFFLINE is set); unset it and try again.",
            str(error),
        ) from error
    except (httpx2.TransportError, httpx2.TooManyRedirects) as error:
        slow = isinstance(error, httpx2.TimeoutException)
        message = "did not answer in time" if slow else "could not be reached"
        raise HubProblem(
            f"Hugging Face {message}; check the internet connection and try again.",
            _scrub(f"{type(error).__name__}: {error}", token),
        ) from error
    except OSError as error:
        raise HubProblem(_disk_sentence(error), _scrub(str(error), token)) from error


def _disk_sentence(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return (
            "The disk is full; free some space and try again, and a download will continue where it stopped."
        )
    return f"Could not write the model to disk ({error.strerror or error}); check the models folder."


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text
