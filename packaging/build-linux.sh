#!/usr/bin/env bash
# Build MCP Desk for Linux: the one-folder bundle dist/mcp-desk/ and the tarball
# dist/mcp-desk-VERSION-linux-ARCH.tar.gz, which unpacks to mcp-desk/ holding the app,
# its menu entry and icons, and install.sh (a per-user install: no root needed).
#
#   packaging/build-linux.sh            (PYTHON=/path/to/python to pick the interpreter)
#
# The interpreter needs MCP Desk's dependencies and PyInstaller: pip install -e ".[package]".
# For a GPU build of the model runtime, see packaging/README.md before running this.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

# shellcheck source=packaging/freeze.sh
source packaging/freeze.sh

bundle=dist/mcp-desk
install -m 644 resources/mcp-desk.desktop "$bundle/mcp-desk.desktop"
rm -rf "$bundle/icons" && mkdir -p "$bundle/icons" && cp -r resources/icons/hicolor "$bundle/icons/"
install -m 755 packaging/linux/install.sh "$bundle/install.sh"
install -m 644 packaging/linux/mcp-desk-mime.xml "$bundle/mcp-desk-mime.xml"

tarball="dist/mcp-desk-$version-linux-$(uname -m).tar.gz"
tar -C dist -czf "$tarball" mcp-desk
echo "Built $bundle ($(du -sh "$bundle" | cut -f1)) and $tarball ($(du -sh "$tarball" | cut -f1))."
