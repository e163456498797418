"""GGUF models on the Hugging Face Hub: the recommended ones, a repo's quantizations, its errors in words.

Listing leaves out projector files (``*mmproj*.gguf``): they are vision add-ons that a chat model
loads beside itself, not chat models. Only the token handed in is ever sent; a token saved on the
machine by other Hugging Face tools is not used, so what the user put in Secrets is what counts.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import httpx2

from desktop.core.problem import Problem

if TYPE_CHECKING:
    from huggingface_hub.hf_api import RepoSibling

TIMEOUT_S = 30.0
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.IGNORECASE)
_QUANT = re.compile(
    r"(?<![a-z0-9])(iq[1-4]_(?:xxs|xs|s|m|nl)|tq[12]_0|q[2-8]_k(?:_(?:xl|s|m|l))?|q[4-8]_[01](?:_\d_\d)?"
    r"|mxfp4|bf16|f16|f32)(?![a-z0-9])",
    re.IGNORECASE,
)


class HubProblem(Problem):
    """A failure explained in one sentence a user can act on; `details` is for the log."""


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
class Recommendation:
    repo: str
    quant: str
    summary: str
    params_billions: float


RECOMMENDED: tuple[Recommendation, ...] = tuple(
    Recommendation(repo, "Q4_K_M", summary, params)
    for repo, params, summary in (
        ("Qwen/Qwen2.5-7B-Instruct-GGUF", 7.6, "Strong all-rounder with reliable tool calls."),
        ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", 8.0, "Meta's Llama 3.1 with built-in tool use."),
        ("NousResearch/Hermes-3-Llama-3.1-8B-GGUF", 8.0, "Llama 3.1 tuned for function calling."),
        ("bartowski/Mistral-7B-Instruct-v0.3-GGUF", 7.2, "Mistral's 7B with native tool calls."),
        ("Qwen/Qwen2.5-3B-Instruct-GGUF", 3.1, "Small and quick, and good at simple tool use."),
        ("Qwen/Qwen2.5-1.5B-Instruct-GGUF", 1.5, "Tiny, for simple tool use on a modest computer."),
    )
)
"""What each is, never what it needs: whether it fits is worked out for the computer at hand."""


Q4_BYTES_PER_PARAM = 0.61
"""A Q4_K_M file holds about 4.9 bits per weight."""
RUNNING_ROOM_BYTES = 1_500_000_000
"""The cache and working buffers of a default-sized context, and some slack."""
PROCESSOR_BILLIONS = 3.5
"""The largest model (in billions of weights) that still answers at a usable pace on a processor."""


def best_first(
    choices: Iterable[Recommendation], room_bytes: int | None, *, processor_only: bool = False
) -> tuple[Recommendation, ...]:
    """The ones that fit in `room_bytes` in their own order, then the rest smallest first.

    `processor_only`: there is no graphics card to run them, so of those that fit, the ones small
    enough to answer at a usable pace come first, largest first. With `room_bytes` unknown, the
    order is kept.
    """
    listed = tuple(choices)
    if room_bytes is None:
        return listed

    def fits(choice: Recommendation) -> bool:
        return choice.params_billions * 1e9 * Q4_BYTES_PER_PARAM + RUNNING_ROOM_BYTES <= room_bytes

    fitting = [r for r in listed if fits(r)]
    if processor_only:
        quick = sorted(
            (r for r in fitting if r.params_billions <= PROCESSOR_BILLIONS), key=lambda r: -r.params_billions
        )
        fitting = quick + [r for r in fitting if r not in quick]
    too_big = sorted((r for r in listed if not fits(r)), key=lambda r: r.params_billions)
    return tuple(fitting) + tuple(too_big)


def quant_of(filename: str) -> str:
    """The quantization named in a GGUF file name, upper-cased, or "unknown"."""
    stem = _SPLIT.sub("", PurePosixPath(filename).name)
    found = _QUANT.findall(re.sub(r"\.gguf$", "", stem, flags=re.IGNORECASE))
    return str(found[-1]).upper() if found else "unknown"


def list_variants(repo: str, *, token: str | None = None, endpoint: str | None = None) -> list[HubVariant]:
    """The repo's GGUF models, smallest first; projector files and incomplete split sets are left out."""
    from huggingface_hub import HfApi  # not loaded until the user looks on the hub

    with explained(repo, token):
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


def status_problem(response: httpx2.Response, repo: str) -> HubProblem:
    """The sentence for an error answer from the hub about `repo`."""
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
def explained(repo: str, token: str | None) -> Iterator[None]:
    """Turn whatever the hub or the network raises into a HubProblem, with the token scrubbed."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    try:
        yield
    except HfHubHTTPError as error:
        problem = status_problem(error.response, repo)
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
