"""The model's state after reading a prompt's prefix (system prompt and tool definitions), kept.

Reading the tools' definitions is most of a new chat's wait on a computer without a big
graphics card; every chat with the same tools starts with the same tokens. After the model
has read them once, its state for those tokens (llama.cpp's sequence state: the KV cache, no
logits) is kept in memory and in a file under the app's cache folder, so the next chat, a
regenerate, or the first chat after a restart loads it instead of reading again.

Entries are keyed by the model file (path, size, modification time), the load settings and
the prefix's tokens. Memory and disk each have a bound in bytes; the least recently used
entry goes first. A file that is damaged, cut short or from another model is removed with a
log line. Loading another model (or the same with other settings) empties the memory part,
and a model file that changed makes its files on disk go.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import mmap
import os
import struct
import threading
import zlib
from array import array
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_cpp import Llama

    from desktop.llm.models.engine import LoadSettings

log = logging.getLogger(__name__)

MEMORY_BYTES = 512 * 2**20
DISK_BYTES = 2 * 2**30
KEPT_TEXTS = 8
"""Prefix texts whose tokens are kept, so that each is tokenized once for the loaded model."""
MIN_TOKENS = 32
"""Shorter prefixes are read faster than a state is copied: not worth keeping."""
MAGIC = b"MCPDESK-PREFIX-1"
SUFFIX = ".prefix"
_HEADER = struct.Struct("<16sI")


@dataclass(frozen=True)
class Entry:
    tokens: tuple[int, ...]
    state: memoryview
    """Writable, so that llama.cpp reads it where it is (ctypes only points into writable buffers)."""


@dataclass
class CacheCounts:
    """What the cache did, for tests and the benchmarks."""

    from_memory: int = 0
    from_disk: int = 0
    stored: int = 0
    removed_damaged: int = 0


class PrefixCache:
    """Prefix states for the loaded model. Used on the model thread; disk writes run on their own."""

    def __init__(
        self, folder: Path | None = None, memory_bytes: int = MEMORY_BYTES, disk_bytes: int = DISK_BYTES
    ) -> None:
        self._folder = folder
        self._memory_bytes = memory_bytes
        self._disk_bytes = disk_bytes
        self._memory: OrderedDict[str, Entry] = OrderedDict()
        self._texts: OrderedDict[str, list[int]] = OrderedDict()
        self._model: ModelKey | None = None
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefix-cache")
        self.counts = CacheCounts()

    def use(self, settings: LoadSettings) -> None:
        """The model now loaded: forget what was kept for any other, and disk files of an older copy."""
        model = ModelKey.of(settings)
        if model == self._model:
            return
        self._model = model
        with self._lock:
            self._memory.clear()
        self._texts.clear()
        if self._folder is not None:
            self._writer.submit(self._drop_stale_files, model)

    def restore(self, llama: Llama, tokens: list[int]) -> bool:
        """Put the kept state for `tokens` into the model (sequence 0); False when none is kept."""
        if len(tokens) < MIN_TOKENS or self._model is None:
            return False
        key = self._key(tokens)
        with self._lock:
            entry = self._memory.get(key)
            if entry is not None:
                self._memory.move_to_end(key)
        if entry is None:
            return self._restore_file(llama, key, tokens)
        if not _load_state(llama, entry.tokens, entry.state):
            self._remove(key, "llama.cpp could not use it")
            return False
        self.counts.from_memory += 1
        return True

    def store(self, llama: Llama, tokens: list[int]) -> None:
        """Keep the model's state; it must hold exactly `tokens` in sequence 0."""
        if len(tokens) < MIN_TOKENS or self._model is None:
            return
        key = self._key(tokens)
        entry = Entry(tuple(tokens), _state_of(llama))
        self._remember(key, entry)
        self.counts.stored += 1
        if self._folder is not None and len(entry.state) <= self._disk_bytes:
            self._writer.submit(self._write, key, entry, self._model)

    def tokens_of(self, text: str) -> list[int] | None:
        """The tokens kept for a prefix's text by `keep_tokens`, for the loaded model."""
        tokens = self._texts.get(text)
        if tokens is not None:
            self._texts.move_to_end(text)
        return tokens

    def keep_tokens(self, text: str, tokens: list[int]) -> None:
        self._texts[text] = tokens
        while len(self._texts) > KEPT_TEXTS:
            self._texts.popitem(last=False)

    def flush(self) -> None:
        """Wait for the files being written."""
        self._writer.submit(lambda: None).result()

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    # -- memory --------------------------------------------------------------

    def _key(self, tokens: list[int]) -> str:
        assert self._model is not None
        digest = hashlib.sha256(json.dumps(vars(self._model)).encode())
        digest.update(array("i", tokens).tobytes())
        return digest.hexdigest()[:40]

    def _remember(self, key: str, entry: Entry) -> None:
        if len(entry.state) > self._memory_bytes:
            return
        with self._lock:
            self._memory[key] = entry
            self._memory.move_to_end(key)
            while sum(len(kept.state) for kept in self._memory.values()) > self._memory_bytes:
                self._memory.popitem(last=False)

    # -- disk ----------------------------------------------------------------

    def _file(self, key: str) -> Path | None:
        return self._folder / f"{key}{SUFFIX}" if self._folder is not None else None

    def _restore_file(self, llama: Llama, key: str, tokens: list[int]) -> bool:
        """Restore from the kept file, which llama.cpp reads where the OS maps it: no copy in between.

        It is not kept in memory as well: the model holds it now, and the file stays in the OS's cache.
        """
        file = self._file(key)
        if file is None or not file.exists():
            return False
        assert self._model is not None
        try:
            with file.open("rb") as opened, mmap.mmap(opened.fileno(), 0, access=mmap.ACCESS_COPY) as mapped:
                loaded = _restore_mapped(llama, memoryview(mapped), self._model, tokens)
        except (OSError, ValueError) as error:
            self._remove(key, str(error))
            return False
        if not loaded:
            self._remove(key, "llama.cpp could not use it")
            return False
        with contextlib.suppress(FileNotFoundError):  # kept out meanwhile by the bound: the model holds it
            os.utime(file)  # the least recently used file goes first
        self.counts.from_disk += 1
        return True

    def _remove(self, key: str, why: str) -> None:
        log.warning("A kept model state could not be used (%s); it was removed and will be made again.", why)
        self.counts.removed_damaged += 1
        with self._lock:
            self._memory.pop(key, None)
        file = self._file(key)
        if file is not None:
            file.unlink(missing_ok=True)

    def _write(self, key: str, entry: Entry, model: ModelKey) -> None:
        assert self._folder is not None
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            part = self._folder / f"{key}.part"
            with part.open("wb") as out:
                out.writelines(_serialised(entry, model))
            part.replace(self._folder / f"{key}{SUFFIX}")
            self._evict_files()
        except OSError as error:  # a full disk costs speed only
            log.warning("A model state could not be kept on disk: %s", error)

    def _evict_files(self) -> None:
        assert self._folder is not None
        kept = sorted(
            (file.stat().st_mtime, file.stat().st_size, file) for file in self._folder.glob(f"*{SUFFIX}")
        )
        total = sum(size for _time, size, _file in kept)
        for _time, size, file in kept:
            if total <= self._disk_bytes:
                break
            total -= size
            file.unlink(missing_ok=True)

    def _drop_stale_files(self, model: ModelKey) -> None:
        """Files kept for an older copy of this model file (it changed since) will never be used."""
        assert self._folder is not None
        for file in self._folder.glob(f"*{SUFFIX}"):
            try:
                with file.open("rb") as opened:
                    kept = _header(opened.read(64 * 1024)).get("model", {})
            except (OSError, ValueError):
                continue
            if kept.get("file") == model.file and kept.get("version") != model.version:
                file.unlink(missing_ok=True)


@dataclass(frozen=True)
class ModelKey:
    file: str
    version: str
    """The file's size and modification time, and the runtime's version."""
    settings: str

    @classmethod
    def of(cls, settings: LoadSettings) -> ModelKey:
        import llama_cpp

        stat = settings.path.stat()
        shape = (settings.context, settings.gpu_layers, settings.kv_type, settings.flash_attention)
        version = f"{stat.st_size} {stat.st_mtime_ns} {llama_cpp.__version__}"
        return cls(str(settings.path.resolve()), version, str(shape))


def _state_of(llama: Llama) -> memoryview:
    import llama_cpp

    ctx = llama._ctx.ctx
    size = llama_cpp.llama_state_seq_get_size(ctx, 0)
    buffer = (ctypes.c_uint8 * size)()
    written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
    return memoryview(buffer).cast("B")[:written]


def _load_state(llama: Llama, tokens: tuple[int, ...] | list[int], state: memoryview) -> bool:
    import llama_cpp

    llama._ctx.kv_cache_seq_rm(0, 0, -1)
    llama.n_tokens = 0
    source: Any = (ctypes.c_uint8 * len(state)).from_buffer(state)
    if llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, source, len(state), 0) == 0:
        llama._ctx.kv_cache_seq_rm(0, 0, -1)
        return False
    count = len(tokens)
    llama.input_ids[:count] = tokens
    llama.n_tokens = count
    llama._requires_eval = True  # the logits are not restored: the next token must be evaluated
    return True


def _serialised(entry: Entry, model: ModelKey) -> list[bytes | memoryview]:
    tokens = array("i", entry.tokens).tobytes()
    crc = zlib.crc32(entry.state, zlib.crc32(tokens))
    header = json.dumps(
        {"model": vars(model), "tokens": len(entry.tokens), "state": len(entry.state), "crc": crc}
    ).encode()
    return [_HEADER.pack(MAGIC, len(header)), header, tokens, entry.state]


def _header(data: bytes | memoryview) -> dict[str, Any]:
    if len(data) < _HEADER.size:
        raise ValueError("the file is cut short")
    magic, length = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("it is not a kept model state")
    try:
        header = json.loads(bytes(data[_HEADER.size : _HEADER.size + length]))
    except ValueError as error:
        raise ValueError("its header is damaged") from error
    if not isinstance(header, dict):
        raise ValueError("its header is damaged")
    return header


def _restore_mapped(llama: Llama, data: memoryview, model: ModelKey, tokens: list[int]) -> bool:
    """Check a kept file's bytes and load its state; ValueError when they can't be used."""
    with data:
        header = _header(data)
        start = _HEADER.size + struct.unpack_from("<I", data, 16)[0]
        count, size = int(header.get("tokens", -1)), int(header.get("state", -1))
        if header.get("model") != vars(model):
            raise ValueError("it was made for another model or settings")
        if count < 0 or size < 0 or len(data) != start + 4 * count + size:
            raise ValueError("the file is cut short")
        with data[start : start + 4 * count] as kept, data[start + 4 * count :] as state:
            if zlib.crc32(state, zlib.crc32(kept)) != header.get("crc"):
                raise ValueError("the file is damaged")
            if kept.cast("i").tolist() != tokens:
                raise ValueError("it holds other words")
            return _load_state(llama, tokens, state)
