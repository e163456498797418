"""GGUF models from the Hugging Face Hub, against a loopback hub serving generated models over HTTP."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import llama_cpp
import pytest

from desktop.llm.models import download as download_module
from desktop.llm.models.download import DownloadCancelled, DownloadProgress, download_variant
from desktop.llm.models.hub import (
    RECOMMENDED,
    HubProblem,
    HubVariant,
    best_first,
    list_variants,
    quant_of,
)
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.tiny_gguf import TINY, Shape, write_gguf

REPO = "tester/Tiny-Instruct-GGUF"
TOKEN = "hf_SeCrEtTokenThatMustNeverShow123"
BIG = Shape(extra_vocab=6000)
"""About 3.7 MB: several 1 MiB chunks, so cuts and cancels land mid-file."""


@dataclass(frozen=True)
class Models:
    single: Path
    small: Path
    split: tuple[Path, ...]
    projector: Path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    folder = tmp_path_factory.mktemp("hub-models")
    split_first = write_gguf(folder / "tiny-instruct-f16.gguf", TINY, split_max_tensors=8, seed=2)
    return Models(
        single=write_gguf(folder / "Tiny-Instruct-Q4_K_M.gguf", BIG, seed=0),
        small=write_gguf(folder / "Tiny-Instruct-Q8_0.gguf", TINY, seed=1),
        split=tuple(sorted(split_first.parent.glob("tiny-instruct-f16-*-of-*.gguf"))),
        projector=write_gguf(folder / "mmproj-Tiny-Instruct-f16.gguf", TINY, seed=3),
    )


@pytest.fixture
def hub(models: Models, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    files: dict[str, bytes | Path] = {
        path.name: path for path in (models.single, models.small, *models.split)
    }
    files[models.projector.name] = models.projector
    files["README.md"] = b"# Tiny Instruct\n"
    with FakeHub(token=TOKEN) as fake:
        fake.add_repo(REPO, files)
        monkeypatch.setenv("HF_ENDPOINT", fake.endpoint)
        yield fake


def variant(hub: FakeHub, quant: str, repo: str = REPO, token: str | None = None) -> HubVariant:
    found = [item for item in list_variants(repo, token=token, endpoint=hub.endpoint) if item.quant == quant]
    assert len(found) == 1, found
    return found[0]


def test_listing_groups_quants_and_split_parts_and_leaves_out_projectors(
    hub: FakeHub, models: Models
) -> None:
    variants = list_variants(REPO, endpoint=hub.endpoint)

    assert [item.quant for item in variants] == ["Q8_0", "F16", "Q4_K_M"]  # smallest first
    split = variants[1]
    assert [file.filename for file in split.files] == [path.name for path in models.split]
    assert split.name == "tiny-instruct-f16.gguf"
    assert split.size_bytes == sum(path.stat().st_size for path in models.split)
    single = variants[2]
    assert single.size_bytes == single.files[0].size_bytes == models.single.stat().st_size
    assert single.files[0].revision == hub.repos[REPO].commit
    assert single.files[0].sha256 == hub.repos[REPO].sibling(models.single.name)["lfs"]["sha256"]  # type: ignore[index]
    assert all("mmproj" not in file.filename for item in variants for file in item.files)


def test_an_incomplete_split_set_is_not_offered(hub: FakeHub, models: Models) -> None:
    hub.add_repo("tester/broken-GGUF", {path.name: path for path in models.split[:2]})

    assert list_variants("tester/broken-GGUF", endpoint=hub.endpoint) == []


@pytest.mark.parametrize(
    ("filename", "quant"),
    [
        ("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", "Q4_K_M"),
        ("Meta-Llama-3.1-8B-Instruct-IQ2_XS.gguf", "IQ2_XS"),
        ("Hermes-3-Llama-3.1-8B.Q8_0.gguf", "Q8_0"),
        ("Mistral-7B-Instruct-v0.3-Q4_0_4_4.gguf", "Q4_0_4_4"),
        ("Qwen2.5-Coder-7B-Instruct-Q3_K_XL.gguf", "Q3_K_XL"),
        ("Llama-3.2-1B-Instruct-IQ4_NL.gguf", "IQ4_NL"),
        ("gemma-2-2b-it-bf16.gguf", "BF16"),
        ("Q4_K_M/Model-Q4_K_M-00002-of-00003.gguf", "Q4_K_M"),
        ("phi-3-mini-4k-instruct-fp32.gguf", "unknown"),
        ("model.gguf", "unknown"),
    ],
)
def test_quant_is_read_from_the_file_name(filename: str, quant: str) -> None:
    assert quant_of(filename) == quant


def test_download_produces_the_same_file_through_the_hub_redirect(
    hub: FakeHub, models: Models, tmp_path: Path
) -> None:
    chosen = variant(hub, "Q4_K_M")

    path = download_variant(chosen, tmp_path / "models", endpoint=hub.endpoint)

    assert path == tmp_path / "models" / models.single.name
    assert path.read_bytes() == models.single.read_bytes()
    assert sorted(item.name for item in path.parent.iterdir()) == [models.single.name]
    paths = [seen.path.split("?")[0] for seen in hub.downloads()]
    assert paths[0].startswith(f"/{REPO}/resolve/{hub.repos[REPO].commit}/")
    assert paths[1].startswith("/_cdn/")


def test_split_download_loads_in_llama_cpp(hub: FakeHub, models: Models, tmp_path: Path) -> None:
    path = download_variant(variant(hub, "F16"), tmp_path, endpoint=hub.endpoint)

    assert path.name == models.split[0].name
    for source in models.split:
        assert (tmp_path / source.name).read_bytes() == source.read_bytes()
    model = llama_cpp.Llama(model_path=str(path), n_ctx=64, verbose=False)
    assert model.n_vocab() > 256


def test_a_cut_connection_is_resumed_by_the_next_download(
    hub: FakeHub, models: Models, tmp_path: Path
) -> None:
    chosen = variant(hub, "Q4_K_M")
    hub.cut_after = 1_500_000

    with pytest.raises(HubProblem, match="continue where it stopped"):
        download_variant(chosen, tmp_path, endpoint=hub.endpoint, retries=0)

    part = tmp_path / f"{models.single.name}.part"
    kept = part.stat().st_size
    assert 0 < kept <= 1_500_000
    assert not (tmp_path / models.single.name).exists()
    events: list[DownloadProgress] = []
    path = download_variant(chosen, tmp_path, endpoint=hub.endpoint, on_progress=events.append)
    assert path.read_bytes() == models.single.read_bytes()
    assert not part.exists()
    assert hub.downloads()[-1].headers.get("range") == f"bytes={kept}-"
    assert events[0].done_bytes == kept


def test_a_cut_connection_is_resumed_within_one_download(
    hub: FakeHub, models: Models, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(download_module, "RETRY_DELAY_S", 0.01)
    chosen = variant(hub, "Q4_K_M")
    hub.cut_after = 2_000_000

    path = download_variant(chosen, tmp_path, endpoint=hub.endpoint, retries=1)

    assert path.read_bytes() == models.single.read_bytes()
    ranges = [seen.headers.get("range") for seen in hub.downloads()]
    assert ranges[0] is None
    assert ranges[-1] is not None and ranges[-1].startswith("bytes=")


def test_a_server_that_ignores_range_gets_the_file_started_over(
    hub: FakeHub, models: Models, tmp_path: Path
) -> None:
    content = models.single.read_bytes()
    (tmp_path / f"{models.single.name}.part").write_bytes(content[:700_000])
    hub.ignore_range = True

    path = download_variant(variant(hub, "Q4_K_M"), tmp_path, endpoint=hub.endpoint)

    assert path.read_bytes() == content
    assert hub.downloads()[-1].headers.get("range") == "bytes=700000-"


def test_a_damaged_download_is_rejected_and_nothing_is_left(hub: FakeHub, tmp_path: Path) -> None:
    chosen = variant(hub, "Q8_0")
    hub.corrupt = True

    with pytest.raises(HubProblem) as caught:
        download_variant(chosen, tmp_path, endpoint=hub.endpoint)

    assert caught.value.message == f"The download of {chosen.files[0].name} was damaged; try again."
    assert list(tmp_path.iterdir()) == []


def test_cancel_stops_between_chunks_and_keeps_the_part(hub: FakeHub, models: Models, tmp_path: Path) -> None:
    chosen = variant(hub, "Q4_K_M")
    cancel = threading.Event()

    def stop_after_first_chunk(progress: DownloadProgress) -> None:
        if progress.done_bytes > 0:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        download_variant(
            chosen, tmp_path, endpoint=hub.endpoint, on_progress=stop_after_first_chunk, cancel=cancel
        )

    kept = (tmp_path / f"{models.single.name}.part").stat().st_size
    assert 0 < kept < models.single.stat().st_size
    assert not (tmp_path / models.single.name).exists()
    path = download_variant(chosen, tmp_path, endpoint=hub.endpoint)
    assert path.read_bytes() == models.single.read_bytes()
    assert hub.downloads()[-1].headers.get("range") == f"bytes={kept}-"


def test_progress_only_grows_and_ends_at_the_total(hub: FakeHub, models: Models, tmp_path: Path) -> None:
    chosen = variant(hub, "F16")
    events: list[DownloadProgress] = []

    download_variant(chosen, tmp_path, endpoint=hub.endpoint, on_progress=events.append)

    done = [event.done_bytes for event in events]
    assert done == sorted(done)
    assert done[-1] == chosen.size_bytes
    assert {event.total_bytes for event in events} == {chosen.size_bytes}
    assert {event.filename for event in events} == {path.name for path in models.split}
    assert all(event.bytes_per_second >= 0 for event in events)


def test_files_already_downloaded_are_not_fetched_again(hub: FakeHub, tmp_path: Path) -> None:
    chosen = variant(hub, "F16")
    download_variant(chosen, tmp_path, endpoint=hub.endpoint)
    fetched = len(hub.downloads())

    download_variant(chosen, tmp_path, endpoint=hub.endpoint)

    assert len(hub.downloads()) == fetched


def test_private_repo_asks_for_a_token_and_never_shows_it(
    hub: FakeHub, models: Models, tmp_path: Path
) -> None:
    hub.add_repo("tester/private-GGUF", {models.small.name: models.small}, private=True)

    with pytest.raises(HubProblem) as anonymous:
        list_variants("tester/private-GGUF", endpoint=hub.endpoint)
    with pytest.raises(HubProblem) as wrong:
        list_variants("tester/private-GGUF", token="hf_wrongButSecret987", endpoint=hub.endpoint)
    chosen = variant(hub, "Q8_0", repo="tester/private-GGUF", token=TOKEN)
    with pytest.raises(HubProblem) as download_without_token:
        download_variant(chosen, tmp_path, endpoint=hub.endpoint)

    assert "check the name, or add a Hugging Face token in Secrets" in anonymous.value.message
    assert "token in Secrets" in download_without_token.value.message
    assert "did not accept the token" in wrong.value.message
    for problem in (anonymous.value, wrong.value, download_without_token.value):
        for text in (problem.message, problem.details, str(problem)):
            assert TOKEN not in text and "hf_wrongButSecret987" not in text
    path = download_variant(chosen, tmp_path, token=TOKEN, endpoint=hub.endpoint)
    assert path.read_bytes() == models.small.read_bytes()
    assert hub.downloads()[-2].headers["authorization"] == f"Bearer {TOKEN}"


def test_missing_repo_says_check_the_name(hub: FakeHub) -> None:
    with pytest.raises(HubProblem, match="check the name"):
        list_variants("tester/does-not-exist", token=TOKEN, endpoint=hub.endpoint)


def test_hub_trouble_is_one_plain_sentence(hub: FakeHub) -> None:
    hub.force_status = 503

    with pytest.raises(HubProblem) as caught:
        list_variants(REPO, endpoint=hub.endpoint)

    assert caught.value.message == "Hugging Face answered with an error (HTTP 503); try again later."


def test_no_network_says_check_the_connection() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(HubProblem, match=r"^Hugging Face could not be reached; check the internet"):
        list_variants(REPO, endpoint=f"http://127.0.0.1:{port}")


def test_not_enough_disk_space_stops_before_downloading(
    hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = variant(hub, "Q4_K_M")
    full = shutil._ntuple_diskusage(10**9, 10**9, 1000)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: full)

    with pytest.raises(HubProblem, match="not enough free disk space"):
        download_variant(chosen, tmp_path, endpoint=hub.endpoint)

    assert hub.downloads() == []


def test_recommendations_name_real_repos_and_quants() -> None:
    assert 5 <= len(RECOMMENDED) <= 6
    for item in RECOMMENDED:
        owner, name = item.repo.split("/")
        assert owner and name.endswith("GGUF")
        assert quant_of(f"model-{item.quant}.gguf") == item.quant
        assert item.summary.endswith(".") and 0 < item.params_billions < 20


def test_the_recommended_models_that_fit_come_first_and_the_rest_smallest_first() -> None:
    eight_gb_card = best_first(RECOMMENDED, 8_000_000_000)
    assert eight_gb_card[0].repo == "Qwen/Qwen2.5-7B-Instruct-GGUF"
    assert [r.repo for r in best_first(RECOMMENDED, 4_000_000_000)][:2] == [
        "Qwen/Qwen2.5-3B-Instruct-GGUF",
        "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
    ]
    nothing_fits = best_first(RECOMMENDED, 1_000_000_000)
    assert [r.params_billions for r in nothing_fits] == sorted(r.params_billions for r in RECOMMENDED)
    assert best_first(RECOMMENDED, None) == RECOMMENDED


def test_without_a_graphics_card_a_small_model_that_fits_half_the_memory_comes_first() -> None:
    half_of_24_gb = best_first(RECOMMENDED, 12_000_000_000, processor_only=True)
    assert [r.repo for r in half_of_24_gb][:2] == [
        "Qwen/Qwen2.5-3B-Instruct-GGUF",
        "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
    ]
    assert half_of_24_gb[2].repo == "Qwen/Qwen2.5-7B-Instruct-GGUF", "the bigger ones that fit follow"
    assert best_first(RECOMMENDED, 3_000_000_000, processor_only=True)[0].params_billions == 1.5


def test_a_recommendation_says_what_the_model_is_not_what_hardware_it_needs() -> None:
    for item in RECOMMENDED:
        assert not any(word in item.summary for word in ("GPU", "GB", "laptop", "anywhere")), item.summary
