#!/usr/bin/env python3
"""A stand-in for the user's web browser: opens the sign-in address and follows its redirects.

MCP Desk opens sign-in pages with Python's `webbrowser`, which runs the program named in
$BROWSER with the address. This one loads it like a user who clicks "allow" at once: the
authorization server's redirect ends at MCP Desk's listener on 127.0.0.1. Each address opened
is appended to $MCP_DESK_BROWSER_LOG, if set, so a test can count how often the browser opened.
Standard library only: it runs under any python3.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def main(url: str) -> int:
    log = os.environ.get("MCP_DESK_BROWSER_LOG")
    if log:
        with Path(log).open("a", encoding="utf-8") as opened:
            opened.write(url + "\n")
    try:
        with urllib.request.urlopen(url, timeout=30) as page:
            page.read()
    except urllib.error.HTTPError as error:  # a page that says no is still a page the user saw
        print(f"stand-in browser: {url} ended at HTTP {error.code}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as error:
        print(f"stand-in browser: could not load {url}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
