# Sourced by the Linux and macOS build scripts: icons, then the PyInstaller bundle.
# Expects $python; sets $version (from pyproject.toml).
version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
"$python" packaging/make_icons.py
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/mcp-desk.spec
