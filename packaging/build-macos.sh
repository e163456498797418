#!/usr/bin/env bash
# Build MCP Desk for macOS: dist/MCP Desk.app and dist/MCP-Desk-VERSION-macos-ARCH.dmg
# (a disk image with the app and a link to Applications: the user drags one onto the other).
#
#   packaging/build-macos.sh            (PYTHON=/path/to/python to pick the interpreter)
#
# Signing, when these are set (otherwise the app is unsigned and Gatekeeper asks the user
# to open it with right-click > Open the first time):
#   MCP_DESK_CODESIGN_IDENTITY  "Developer ID Application: NAME (TEAMID)": PyInstaller signs
#                               every binary and the .app (hardened runtime, with
#                               packaging/macos/entitlements.plist); this script signs the .dmg
#   MCP_DESK_NOTARY_PROFILE     a `xcrun notarytool store-credentials` profile: the .dmg is
#                               notarized and stapled
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}

# shellcheck source=packaging/freeze.sh
source packaging/freeze.sh

app="dist/MCP Desk.app"
"$app/Contents/MacOS/mcp-desk" --smoke-test

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
dmg="dist/MCP-Desk-$version-macos-$(uname -m).dmg"
rm -f "$dmg"
hdiutil create -volname "MCP Desk" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"

if [[ -n ${MCP_DESK_CODESIGN_IDENTITY:-} ]]; then
  codesign --force --timestamp --sign "$MCP_DESK_CODESIGN_IDENTITY" "$dmg"
fi
if [[ -n ${MCP_DESK_NOTARY_PROFILE:-} ]]; then
  xcrun notarytool submit "$dmg" --keychain-profile "$MCP_DESK_NOTARY_PROFILE" --wait
  xcrun stapler staple "$dmg"
fi
echo "Built $app ($(du -sh "$app" | cut -f1)) and $dmg ($(du -sh "$dmg" | cut -f1))."
