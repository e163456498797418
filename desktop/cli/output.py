"""How every `mcp-desk` command prints what it found, and what reaches the terminal besides."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

OWN_LOGGERS = "desktop"


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print `data` as JSON with --json, else `text`."""
    print(json.dumps(data, indent=2, default=str) if getattr(args, "json", False) else text)


def show_logs(verbose: bool) -> None:
    """What is logged, on stderr: with `verbose`, every library's warnings with their tracebacks;
    without, only MCP Desk's own, one line each. A command says in its own words what failed."""
    handler = logging.StreamHandler(sys.stderr)
    if verbose:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler.addFilter(logging.Filter(OWN_LOGGERS))
        handler.setFormatter(_OneLine())
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)


class _OneLine(logging.Formatter):
    """The message alone: no traceback, no stack."""

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()
