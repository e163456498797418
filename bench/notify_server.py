"""An MCP server whose `burst(count)` tool puts `count` notifications on the wire as fast as it can.

The notifications are written straight to stdout (between whole messages, like the
junk fixture does), so neither the SDK's log-level opt-in nor its own pace limits them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "servers"))

import common
from junk_stdout import Wire

WIRE = Wire()
CHUNK = 2000


async def burst(count: int) -> int:
    """Write `count` notifications/message lines, then answer with `count`."""
    for start in range(0, count, CHUNK):
        lines = "".join(
            '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info",'
            f'"logger":"bench","data":"notification {n} of {count}"}}}}\n'
            for n in range(start, min(start + CHUNK, count))
        )
        await anyio.to_thread.run_sync(WIRE.write_bytes, lines.encode())
    return count


if __name__ == "__main__":
    app = common.server_with_echo("notify")
    app.add_tool(burst)
    common.serve_stdio(app, stdout=WIRE)
