"""`mcp-desk model list/info/quantize/pull`, run as a user would, against generated models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import gguf
import pytest

from tests.fixtures.fake_hub import FakeHub

ROOT = Path(__file__).resolve().parents[2]


def desk(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env=os.environ | env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def hub(tiny_model: Path) -> Iterator[FakeHub]:
    with FakeHub() as fake:
        fake.add_repo("someone/Tiny-GGUF", {"tiny-Q8_0.gguf": tiny_model, "tiny-F32.gguf": tiny_model})
        yield fake


def test_info_reads_the_file_and_judges_the_fit(tiny_model: Path) -> None:
    shown = desk("model", "info", str(tiny_model), "--ctx", "1024")
    data = json.loads(desk("model", "info", str(tiny_model), "--json").stdout)

    assert shown.returncode == 0, shown.stderr
    assert "Tiny Test (llama" in shown.stdout and "F32" in shown.stdout
    assert data["model"]["layers"] == 2 and data["fit"]["summary"]


def test_info_on_something_that_is_not_a_model_is_one_sentence(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_text("hello")

    shown = desk("model", "info", str(junk))

    assert shown.returncode == 1
    assert shown.stderr.strip() == "junk.gguf is not a GGUF model file, so it can't be loaded."


def test_list_finds_other_apps_models(isolated_home: str, tiny_model: Path) -> None:
    lm_studio = Path(isolated_home) / "home" / ".lmstudio" / "models" / "someone" / "tiny"
    lm_studio.mkdir(parents=True)
    shutil.copy(tiny_model, lm_studio / "tiny-F32.gguf")

    listed = json.loads(desk("model", "list", "--json").stdout)

    assert [(entry["source"], entry["file_type"]) for entry in listed] == [("lm_studio", "F32")]


def test_quantize_writes_a_smaller_copy(tiny_model: Path, tmp_path: Path) -> None:
    target = tmp_path / "tiny-Q8_0.gguf"

    made = desk("model", "quantize", str(tiny_model), str(target), "--type", "Q8_0")

    assert made.returncode == 0, made.stderr
    reader = gguf.GGUFReader(target)
    assert reader.fields["general.file_type"].contents() == gguf.LlamaFileType.MOSTLY_Q8_0
    assert "100.0%" in made.stderr


def test_pull_downloads_the_chosen_quantization(hub: FakeHub, isolated_home: str, tiny_model: Path) -> None:
    listing = desk("model", "pull", "someone/Tiny-GGUF", "--list", HF_ENDPOINT=hub.endpoint)
    pulled = desk("model", "pull", "someone/Tiny-GGUF", "--quant", "q8_0", HF_ENDPOINT=hub.endpoint)

    assert listing.returncode == 0 and "Q8_0" in listing.stdout and "F32" in listing.stdout
    assert pulled.returncode == 0, pulled.stderr
    saved = Path(pulled.stdout.strip().removeprefix("Saved "))
    assert saved.is_relative_to(Path(isolated_home)) and saved.read_bytes() == tiny_model.read_bytes()


def test_pull_of_a_missing_repo_says_what_to_check(hub: FakeHub) -> None:
    pulled = desk("model", "pull", "nobody/Nothing-GGUF", HF_ENDPOINT=hub.endpoint)

    assert pulled.returncode == 1
    assert "Traceback" not in pulled.stderr and "nobody/Nothing-GGUF" in pulled.stderr
