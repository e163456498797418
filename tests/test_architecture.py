"""The import rules of docs/ARCHITECTURE.md, enforced."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("planted", "source", "contract"),
    [
        ("desktop/core/planted.py", "import desktop.servers.manager\n", "Layers"),
        ("desktop/servers/planted.py", "import desktop.llm.chat.service\n", "Layers"),
        ("desktop/services.py", "import desktop.ui.bridge\n", "Layers"),
        ("desktop/llm/models/planted.py", "import desktop.llm.chat.store\n", "Inside llm"),
        ("desktop/llm/backends/planted.py", "from desktop.llm.chat import control\n", "Inside llm"),
        ("desktop/cli/planted.py", "import desktop.app\n", "Layers"),
        ("desktop/diagnostics.py", "import desktop.app\n", "Layers"),
        ("desktop/core/planted.py", "import PySide6.QtCore\n", "Only the window's side uses Qt"),
        ("desktop/ui/planted.py", "import desktop.core.audit\n", "ui asks services"),
        ("desktop/ui/planted.py", "import desktop.llm.chat.store\n", "ui asks services"),
        ("desktop/ui/planted.py", "import desktop.core.config_store\n", "ui asks services"),
    ],
)
def test_a_planted_wrong_import_breaks_its_contract(
    tmp_path: Path, planted: str, source: str, contract: str
) -> None:
    """A copy of the package with one import that breaks the plan: the contracts must notice."""
    shutil.copytree(ROOT / "desktop", tmp_path / "desktop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / planted
    target.write_text((target.read_text() if target.exists() else "") + source)
    result = subprocess.run(
        [_tool("lint-imports"), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    broken = [name for name, verdict in _verdicts(result.stdout) if verdict == "BROKEN"]
    assert any(name.startswith(contract) for name in broken), result.stdout


def _verdicts(output: str) -> list[tuple[str, str]]:
    """(contract name, KEPT or BROKEN) from import-linter's summary, whose lines it wraps."""
    summary = " ".join(output.split("Contracts:")[0].split())
    return [
        (text.split("-")[-1].strip(), verdict)
        for text, verdict in re.findall(r"(.+?) (KEPT|BROKEN)", summary)
    ]


def test_the_window_does_not_wait_for_the_mcp_sdk() -> None:
    """`import mcp` costs over a second; the GUI modules must paint without it."""
    code = (
        "import sys, desktop.main, desktop.app, desktop.ui.application; "
        "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'llama_cpp'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def _tool(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def test_ruff_finds_nothing() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", "--no-cache", "desktop", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_check_strictly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
