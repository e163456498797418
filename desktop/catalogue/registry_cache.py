"""The last list read from each registry, kept in `<data dir>/catalogue/`, and the list shipped with MCP Desk.

One JSON file per registry: its address, the ETag and Last-Modified it sent, when it was read,
and the servers as it sent them. An unreadable file is as good as none (the registry is asked
again). The shipped list (`desktop/resources/catalogue/registry.json`, refreshed by
`packaging/refresh_catalogue.py`) has the same shape.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop.catalogue.registry import RawItem, Validators
from desktop.core.atomic_file import replaced_atomically

SHIPPED = Path(__file__).resolve().parents[1] / "resources" / "catalogue" / "registry.json"


@dataclass(frozen=True)
class SavedList:
    registry: str
    items: tuple[RawItem, ...]
    validators: Validators
    fetched_at: datetime


class RegistryCache:
    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def load(self, registry: str) -> SavedList | None:
        saved = read_list(self._file(registry))
        return saved if saved is not None and saved.registry == registry else None

    def save(self, saved: SavedList) -> None:
        with replaced_atomically(self._file(saved.registry)) as out:
            json.dump(list_document(saved), out)

    def _file(self, registry: str) -> Path:
        return self._folder / f"{hashlib.sha256(registry.encode()).hexdigest()[:16]}.json"


def list_document(saved: SavedList) -> dict[str, Any]:
    return {
        "registry": saved.registry,
        "etag": saved.validators.etag,
        "last_modified": saved.validators.last_modified,
        "fetched_at": saved.fetched_at.isoformat(),
        "servers": list(saved.items),
    }


def read_list(path: Path) -> SavedList | None:
    """The list in `path`, or None where there is none or it can't be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fetched_at = datetime.fromisoformat(data["fetched_at"])
        servers = data["servers"]
        registry = data["registry"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(servers, list) or not isinstance(registry, str):
        return None
    validators = Validators(_text(data.get("etag")), _text(data.get("last_modified")))
    items = tuple(item for item in servers if isinstance(item, dict))
    return SavedList(registry, items, validators, fetched_at.astimezone(UTC))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
