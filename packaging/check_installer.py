"""Check installer.iss without Windows: sections, keys, and that every file it ships exists.

    python3 packaging/check_installer.py [--iss installer.iss] [--bundle dist/mcp-desk]

Every `[Files]` source must exist in the built bundle (`--bundle` stands in for the
script's `BundleDir`). A bundle built on Linux or macOS has the same layout as the Windows
one except that the program has no `.exe` at the end, so `X.exe` is found as `X` there.
Prints each problem as a sentence and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop.core.autostart import RUN_KEY, RUN_VALUE  # noqa: E402
from desktop.core.paths import APP_NAME  # noqa: E402

REQUIRED_SECTIONS = ("Setup", "Languages", "Tasks", "Files", "Icons", "Registry", "Run", "Code")
REQUIRED_SETUP_KEYS = (
    "AppId",
    "AppName",
    "AppVersion",
    "AppPublisher",
    "DefaultDirName",
    "PrivilegesRequired",
    "OutputBaseFilename",
    "SetupIconFile",
    "UninstallDisplayIcon",
    "UsePreviousTasks",
    "SignTool",
)
FIXED_APP_ID = re.compile(r"^\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$")
REQUIRED_CODE = ("InitializeUninstall", "CurUninstallStepChanged", "DelTree", "RegDeleteValue")
INLINE_DEFINE = re.compile(r"\{#(\w+)\}")


@dataclass
class Script:
    """installer.iss read as sections of lines, with its `#define`s."""

    defines: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""

    @classmethod
    def read(cls, path: Path) -> Script:
        script = cls(text=path.read_text(encoding="utf-8-sig"))
        section: list[str] | None = None
        for raw in script.text.splitlines():
            line = raw.strip()
            if define := re.match(r'#define\s+(\w+)\s+"?(.*?)"?$', line):
                script.defines[define[1]] = define[2]
            elif heading := re.match(r"^\[(\w+)\]$", line):
                section = script.sections.setdefault(heading[1], [])
            elif section is not None and line and not line.startswith((";", "#")):
                section.append(line)
        return script

    def expand(self, value: str) -> str:
        return INLINE_DEFINE.sub(lambda m: self.defines.get(m[1], m[0]), value)

    def setup(self) -> dict[str, str]:
        pairs = (line.split("=", 1) for line in self.sections.get("Setup", []) if "=" in line)
        return {key.strip(): value.strip() for key, value in pairs}

    def entries(self, section: str) -> list[dict[str, str]]:
        """`Name: "x"; Flags: y` lines as dictionaries (quotes removed, defines expanded)."""
        found = []
        for line in self.sections.get(section, []):
            pairs = re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)', line)
            found.append(
                {key: self.expand(value.strip().strip('"').replace('""', '"')) for key, value in pairs}
            )
        return found


def problems(iss: Path, bundle: Path | None) -> list[str]:
    script = Script.read(iss)
    if bundle is not None:
        script.defines["BundleDir"] = str(bundle)
    return [
        *_structure(script),
        *_setup(script, iss.parent),
        *_files(script, iss.parent),
        *_shortcuts_and_startup(script),
    ]


def _structure(script: Script) -> list[str]:
    found = [f"The section [{name}] is missing." for name in REQUIRED_SECTIONS if name not in script.sections]
    if "#ifndef AppVersion" not in script.text:
        found.append("The script does not insist on being given AppVersion (#ifndef AppVersion ... #error).")
    code = "\n".join(script.sections.get("Code", []))
    found += [
        f"[Code] lacks {name}: the uninstaller must ask about user data."
        for name in REQUIRED_CODE
        if name not in code
    ]
    if script.defines.get("AppName") != APP_NAME:
        found.append(f"AppName must be “{APP_NAME}”: the uninstaller deletes the data folder of that name.")
    return found


def _setup(script: Script, base: Path) -> list[str]:
    setup = script.setup()
    found = [f"[Setup] lacks {key}." for key in REQUIRED_SETUP_KEYS if key not in setup]
    expected = {
        "PrivilegesRequired": "lowest",
        "AppVersion": "{#AppVersion}",
        "SignTool": "{#SignToolName}",
        "UsePreviousTasks": "no",
    }
    for key, value in expected.items():
        if key in setup and setup[key] != value:
            found.append(f"[Setup] {key} must be {value}, not {setup[key]}.")
    if "AppId" in setup and not FIXED_APP_ID.match(setup["AppId"]):
        found.append(
            "[Setup] AppId must be one fixed GUID written as {{GUID}, so new versions upgrade in place."
        )
    if "SetupIconFile" in setup and not (base / _local(script.expand(setup["SetupIconFile"]))).is_file():
        found.append(
            f"The installer icon {setup['SetupIconFile']} does not exist (run packaging/make_icons.py)."
        )
    return found


def _files(script: Script, base: Path) -> list[str]:
    found = []
    for entry in script.entries("Files"):
        source = entry.get("Source", "")
        if not source:
            found.append("A [Files] entry has no Source.")
        elif "{#" in source:
            found.append(f"[Files] source {source} uses a name that is never defined.")
        elif not _exists(base / _local(source)):
            found.append(f"[Files] source {source} is not in the built bundle.")
    return found


def _shortcuts_and_startup(script: Script) -> list[str]:
    found = []
    tasks = {entry.get("Name") for entry in script.entries("Tasks")}
    found += [f"[Tasks] lacks {name}." for name in ("desktopicon", "startatsignin") if name not in tasks]
    icons = script.entries("Icons")
    if not any(entry.get("Name", "").startswith(("{autoprograms}", "{group}")) for entry in icons):
        found.append("[Icons] makes no Start menu entry.")
    if not any(entry.get("Tasks") == "desktopicon" for entry in icons):
        found.append("[Icons] makes no desktop icon for the desktopicon task.")
    run_entries = [
        entry
        for entry in script.entries("Registry")
        if entry.get("Subkey") == RUN_KEY and entry.get("ValueName") == RUN_VALUE
    ]
    if not any(entry.get("Tasks") == "startatsignin" for entry in run_entries):
        found.append(f"[Registry] does not write the “{RUN_VALUE}” sign-in value the app itself uses.")
    if not any("postinstall" in entry.get("Flags", "") for entry in script.entries("Run")):
        found.append("[Run] does not offer to start MCP Desk at the end.")
    return found


def _local(windows_path: str) -> Path:
    return Path(windows_path.replace("\\", "/"))


def _exists(path: Path) -> bool:
    """True when `path` (a wildcard is allowed in its last part) names at least one file."""
    candidates = [path]
    if path.suffix == ".exe" and sys.platform != "win32":
        candidates.append(path.with_suffix(""))
    for candidate in candidates:
        if any(ch in candidate.name for ch in "*?"):
            if any(candidate.parent.glob(candidate.name)):
                return True
        elif candidate.is_file():
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iss", type=Path, default=ROOT / "installer.iss")
    parser.add_argument(
        "--bundle", type=Path, help="the built one-folder bundle (default: the script's BundleDir)"
    )
    args = parser.parse_args(argv)
    found = problems(args.iss, args.bundle)
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        return 1
    print(f"{args.iss.name} looks right: every file it ships is in the bundle.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
