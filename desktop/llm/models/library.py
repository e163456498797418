"""Find the GGUF models already on this computer: ours, the ones the user added, other apps' folders.

Read-only: nothing here writes, moves or copies a model. Each file is touched with one `stat` and a
4-byte read of its signature, so a home without models is scanned in milliseconds.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import partial
from pathlib import Path


class ModelSource(Enum):
    """Where a model was found."""

    APP = "app"
    LM_STUDIO = "lm_studio"
    HF_CACHE = "hf_cache"
    JAN = "jan"
    OLLAMA = "ollama"
    ADDED = "added"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ModelSource.APP: "MCP Desk",
    ModelSource.LM_STUDIO: "LM Studio",
    ModelSource.HF_CACHE: "Hugging Face cache",
    ModelSource.JAN: "Jan",
    ModelSource.OLLAMA: "Ollama",
    ModelSource.ADDED: "Added by you",
}


@dataclass(frozen=True)
class FoundModel:
    """One model: `path` is its first file, `parts` all of them (one unless the model is split)."""

    path: Path
    parts: tuple[Path, ...]
    source: ModelSource
    name: str
    size_bytes: int
    read_only: bool
    problem: str | None = None
    """A plain sentence saying why the model can't be used as it is; None when it can."""


GGUF_MAGIC = b"GGUF"
NOT_GGUF = (
    "This is not a GGUF model file: it does not start with the GGUF signature. "
    "It may be damaged or not fully downloaded."
)
GONE = "The file is no longer there. Remove it from the list, or put the file back where it was."
NOT_A_FILE = "This is a folder, not a model file. Add the .gguf file inside it instead."
UNREADABLE = "MCP Desk is not allowed to read this file. Check its permissions."
PROJECTOR = "This is a vision projector (mmproj), which only works next to its model. Add the model instead."
OLLAMA_BLOB_MISSING = (
    "Ollama lists this model, but its file is missing from Ollama's folder. Pull it again in Ollama."
)

_SPLIT = re.compile(r"(?P<stem>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})(?P<ext>\.gguf)", re.IGNORECASE)
_DIGEST = re.compile(r"sha256:([0-9a-f]{64})")
_OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
_OLLAMA_REGISTRY = "registry.ollama.ai"
_MAX_DEPTH = 6
_MAX_ENTRIES = 50_000
"""Entries looked at per folder tree: a wrongly chosen folder (a whole disk) still ends quickly."""
_MAX_PARTS = 999
_MAX_SMALL_FILE = 1 << 20
"""Manifests and settings files are a few KiB; anything past this is not one."""


def read_small(path: Path) -> bytes | None:
    """The bytes of a small file (a manifest, a settings file); None for anything else or unreadable."""
    if not _is_file(path) or _size(path) > _MAX_SMALL_FILE:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def split_parts(path: Path) -> tuple[tuple[Path, ...], str | None]:
    """All parts of the model `path` belongs to, in order, and a sentence when some are missing.

    A file not named `stem-0000k-of-0000n.gguf` is a model of one part. For an incomplete set the
    parts that are there are returned (or `path` alone when none is).
    """
    match = _SPLIT.fullmatch(path.name)
    if match is None:
        return (path,), None
    index, count = int(match["index"]), int(match["count"])
    if not 1 <= index <= count <= _MAX_PARTS:
        nonsense = f"The file name says part {index} of {count}, which can't be right. Download it again."
        return (path,), nonsense
    stem, total, ext = match["stem"], match["count"], match["ext"]
    expected = [path.with_name(f"{stem}-{number:05d}-of-{total}{ext}") for number in range(1, count + 1)]
    present = [part for part in expected if _is_file(part)]
    if len(present) == count:
        return tuple(present), None
    missing = [number for number, part in enumerate(expected, 1) if part not in present]
    if len(missing) == 1:
        problem = f"Part {missing[0]} of {count} is missing."
    else:
        problem = f"{len(missing)} of the {count} parts are missing, starting with part {missing[0]}."
    problem += " Put all the parts in the same folder, or download the model again."
    return tuple(present) or (path,), problem


def discover(
    models_dir: Path, added: Sequence[Path], locations: Sequence[tuple[ModelSource, Path]]
) -> list[FoundModel]:
    """Every model in `models_dir`, `added` and `locations`, each file once, sorted by name.

    A file reached twice (a link, a hard link, an overlapping folder) is listed once: from our own
    folder first, then from the user's list, then from the first location that holds it.
    """
    order = list(ModelSource)
    seen: set[object] = set()
    found: list[FoundModel] = []
    for model in _scan_all(models_dir, added, locations):
        identity = _identity(model.path) or ("missing", str(model.path))
        if identity not in seen:
            seen.add(identity)
            found.append(model)
    return sorted(
        found, key=lambda model: (model.name.casefold(), order.index(model.source), str(model.path))
    )


def _scan_all(
    models_dir: Path, added: Sequence[Path], locations: Sequence[tuple[ModelSource, Path]]
) -> Iterator[FoundModel]:
    yield from _scan_tree(models_dir, ModelSource.APP, partial(_plain_name, root=models_dir))
    yield from _scan_added(added)
    for source, root in locations:
        if source is ModelSource.OLLAMA:
            yield from _scan_ollama(root)
        elif source is ModelSource.HF_CACHE:
            yield from _scan_hf_cache(root)
        else:
            yield from _scan_tree(root, source, partial(_plain_name, root=root))


def _scan_tree(root: Path, source: ModelSource, name_of: Callable[[Path], str]) -> Iterator[FoundModel]:
    # Every part of a split model yields the same model; `discover` keeps one.
    for path in _walk_gguf(root):
        model = None if _is_projector(path) else _model(path, source, name_of(path))
        if model is not None:
            yield model


def _scan_added(added: Sequence[Path]) -> Iterator[FoundModel]:
    for path in added:
        name = _plain_name(path, None)
        if not _is_file(path):
            problem = NOT_A_FILE if _is_dir(path) else GONE
            yield FoundModel(path, (path,), ModelSource.ADDED, name, 0, True, problem)
        elif _is_projector(path):
            yield FoundModel(path, (path,), ModelSource.ADDED, name, _size(path), True, PROJECTOR)
        else:
            model = _model(path, ModelSource.ADDED, name)
            yield model or FoundModel(path, (path,), ModelSource.ADDED, name, 0, True, UNREADABLE)


def _scan_hf_cache(root: Path) -> Iterator[FoundModel]:
    # <cache>/models--org--repo/snapshots/<revision>/file.gguf, each a link into ../../blobs/.
    for repo_dir in _entries(root, folders=True):
        if repo_dir.name.startswith("models--"):
            repo = repo_dir.name.removeprefix("models--").replace("--", "/")
            yield from _scan_tree(repo_dir / "snapshots", ModelSource.HF_CACHE, partial(_hf_name, repo))


def _hf_name(repo: str, path: Path) -> str:
    return f"{repo} · {model_stem(path)}"


def _scan_ollama(root: Path) -> Iterator[FoundModel]:
    # <models>/manifests/<registry>/<namespace>/<model>/<tag>, a JSON manifest naming blobs/sha256-<hex>.
    manifests = root / "manifests"
    for registry in _entries(manifests, folders=True):
        for namespace in _entries(registry, folders=True):
            for model_dir in _entries(namespace, folders=True):
                for manifest in _entries(model_dir, folders=False):
                    model = _ollama_model(root, manifest, registry.name, namespace.name)
                    if model is not None:
                        yield model


def _ollama_model(root: Path, manifest: Path, registry: str, namespace: str) -> FoundModel | None:
    digest = _ollama_model_digest(manifest)
    if digest is None:
        return None
    if registry != _OLLAMA_REGISTRY:
        prefix = f"{registry}/{namespace}/"
    else:
        prefix = "" if namespace == "library" else f"{namespace}/"
    name = f"{prefix}{manifest.parent.name}:{manifest.name}"
    blob = root / "blobs" / f"sha256-{digest}"
    if not _is_file(blob):
        return FoundModel(blob, (blob,), ModelSource.OLLAMA, name, 0, True, OLLAMA_BLOB_MISSING)
    return _model(blob, ModelSource.OLLAMA, name)


def _ollama_model_digest(manifest: Path) -> str | None:
    """The hex digest of the manifest's model layer; None for anything but a well-formed manifest."""
    raw = read_small(manifest)
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        return None
    layers = data.get("layers") if isinstance(data, dict) else None
    for layer in layers if isinstance(layers, list) else []:
        if isinstance(layer, dict) and layer.get("mediaType") == _OLLAMA_MODEL_LAYER:
            digest = layer.get("digest")
            match = _DIGEST.fullmatch(digest) if isinstance(digest, str) else None
            return match[1] if match else None
    return None


def _model(path: Path, source: ModelSource, name: str) -> FoundModel | None:
    """The model whose (first) file is `path`; None when it can't be read at all."""
    parts, problem = split_parts(path)
    try:
        size = sum(part.stat().st_size for part in parts)
        with parts[0].open("rb") as handle:
            head = handle.read(len(GGUF_MAGIC))
    except OSError:
        return None
    if problem is None and head != GGUF_MAGIC:
        problem = NOT_GGUF
    return FoundModel(parts[0], parts, source, name, size, source is not ModelSource.APP, problem)


def _walk_gguf(root: Path) -> Iterator[Path]:
    """`.gguf` files under `root`, at most `_MAX_DEPTH` folders down, each folder visited once."""
    visited: set[object] = set()
    stack = [(root, 0)]
    budget = _MAX_ENTRIES
    while stack:
        folder, depth = stack.pop()
        identity = _identity(folder)
        if identity is None or identity in visited:
            continue
        visited.add(identity)
        for entry in _scandir(folder):
            budget -= 1
            if budget < 0:
                return
            if entry.name.startswith("."):
                continue
            if _entry_is(entry, folders=True):
                if depth < _MAX_DEPTH:
                    stack.append((Path(entry.path), depth + 1))
            elif entry.name.casefold().endswith(".gguf") and _entry_is(entry, folders=False):
                yield Path(entry.path)


def _entries(folder: Path, *, folders: bool) -> list[Path]:
    return [Path(entry.path) for entry in _scandir(folder) if _entry_is(entry, folders=folders)]


def _scandir(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except OSError:
        return []


def _entry_is(entry: os.DirEntry[str], *, folders: bool) -> bool:
    try:
        return entry.is_dir() if folders else entry.is_file()
    except OSError:
        return False


def _stat(path: Path) -> os.stat_result | None:
    """`path.stat()`, or None for anything in the way (missing, broken link, no permission, loop)."""
    try:
        return path.stat()
    except (OSError, ValueError):
        return None


def _is_file(path: Path) -> bool:
    status = _stat(path)
    return status is not None and stat.S_ISREG(status.st_mode)


def _is_dir(path: Path) -> bool:
    status = _stat(path)
    return status is not None and stat.S_ISDIR(status.st_mode)


def _size(path: Path) -> int:
    status = _stat(path)
    return status.st_size if status is not None else 0


def _identity(path: Path) -> object | None:
    """What makes two paths the same file: device and inode, else the resolved path; None if not there."""
    status = _stat(path)
    if status is None:
        return None
    if status.st_ino:
        return (status.st_dev, status.st_ino)
    return ("path", os.path.normcase(path.resolve()))


def _is_projector(path: Path) -> bool:
    return "mmproj" in path.name.casefold()


def model_stem(path: Path) -> str:
    """The file name without `.gguf` and without a split suffix (`-00001-of-00003`)."""
    match = _SPLIT.fullmatch(path.name)
    return match["stem"] if match else path.stem


def _plain_name(path: Path, root: Path | None) -> str:
    """The file's stem; for a file called just `model.gguf` (Jan's way) its folder, e.g. `org/repo`."""
    stem = model_stem(path)
    if stem.casefold() != "model":
        return stem
    if root is not None and path.parent != root and path.parent.is_relative_to(root):
        return path.parent.relative_to(root).as_posix()
    return path.parent.name or stem
