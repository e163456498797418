"""Refresh the catalogue shipped with MCP Desk from the live MCP Registry.

    python3 packaging/refresh_catalogue.py [--registry URL] [--out desktop/resources/catalogue/registry.json]

Reads every active, latest server from `GET /v0.1/servers` (the same client and limits the app
uses) and writes them in the shape of the app's own saved copy of a registry (`registry_cache`):
the registry's address, when it was read, and the servers as the registry sent them. The app
shows this list, dated, until it has read the registry itself. Prints a sentence and exits 1
when the registry can't be read; the file is left as it was.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop.catalogue.entries import parse_items  # noqa: E402
from desktop.catalogue.registry import RegistryClient, RegistryProblem, Validators  # noqa: E402
from desktop.catalogue.registry_cache import SHIPPED, SavedList, list_document  # noqa: E402
from desktop.core.atomic_file import replaced_atomically  # noqa: E402
from desktop.core.config import OFFICIAL_REGISTRY  # noqa: E402


async def refresh(registry: str, out: Path) -> int:
    try:
        fetched = await RegistryClient().fetch(registry)
    except RegistryProblem as problem:
        print(problem.message, file=sys.stderr)
        return 1
    items = fetched.items or ()
    parsed = parse_items(items, verified=True)
    if not parsed.entries:
        print(f"The registry at {registry} listed no servers; {out} is left as it was.", file=sys.stderr)
        return 1
    saved = SavedList(registry, items, Validators(), datetime.now(UTC))
    with replaced_atomically(out) as file:
        json.dump(list_document(saved), file, separators=(",", ":"))
    skipped = f"{parsed.skipped} not in the shape of server.json"
    print(f"{len(parsed.entries)} servers written to {out} ({skipped}).")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--registry", default=OFFICIAL_REGISTRY)
    parser.add_argument("--out", type=Path, default=SHIPPED)
    args = parser.parse_args(argv)
    return asyncio.run(refresh(args.registry.rstrip("/"), args.out))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
