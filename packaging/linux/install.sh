#!/usr/bin/env bash
# Install MCP Desk for this user, from the folder this script is in (no root needed):
# the app goes to ~/.local/share/mcp-desk/app, with a menu entry, icons and ~/.local/bin/mcp-desk,
# and MCP bundles (.mcpb files) open in MCP Desk.
# Running it again from a newer download upgrades in place.
#
#   ./install.sh              install or upgrade
#   ./install.sh --uninstall  remove the app; your settings, chats and audit trail are kept
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
share=${XDG_DATA_HOME:-$HOME/.local/share}
target=$share/mcp-desk/app
bin=$HOME/.local/bin
entry=$share/applications/mcp-desk.desktop
mime=$share/mime/packages/mcp-desk.xml
sizes=(16 22 24 32 48 64 128 256 512)

refresh_menus() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
  command -v update-mime-database >/dev/null && update-mime-database "$share/mime" || true
}

if [[ ${1:-} == --uninstall ]]; then
  rm -rf "$share/mcp-desk" "$entry" "$mime"
  [[ -L $bin/mcp-desk ]] && rm -f "$bin/mcp-desk"
  for size in "${sizes[@]}"; do rm -f "$share/icons/hicolor/${size}x${size}/apps/mcp-desk.png"; done
  rm -f "$share/icons/hicolor/scalable/apps/mcp-desk.svg"
  refresh_menus
  echo "MCP Desk was removed. Your settings, chats and audit trail are still in ~/.config/MCP Desk and ~/.local/share/MCP Desk."
  exit 0
fi

if [[ $here != "$target" ]]; then
  mkdir -p "$(dirname "$target")"
  rm -rf "$target.new"
  cp -a "$here" "$target.new"
  rm -rf "$target"
  mv "$target.new" "$target"
fi
mkdir -p "$bin" "$share/applications"
ln -sfn "$target/mcp-desk" "$bin/mcp-desk"
sed "s|^Exec=.*|Exec=\"$target/mcp-desk\" %f|" "$target/mcp-desk.desktop" >"$entry"
install -D -m 644 "$target/mcp-desk-mime.xml" "$mime"
for size in "${sizes[@]}"; do
  install -D -m 644 "$target/icons/hicolor/${size}x${size}/apps/mcp-desk.png" \
    "$share/icons/hicolor/${size}x${size}/apps/mcp-desk.png"
done
install -D -m 644 "$target/_internal/desktop/resources/icons/mcp-desk.svg" \
  "$share/icons/hicolor/scalable/apps/mcp-desk.svg"
refresh_menus
echo "MCP Desk is installed: find it in your applications menu, or run $bin/mcp-desk."
