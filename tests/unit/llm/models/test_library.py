"""Finding the GGUF models already on the computer, in the folders real apps lay out."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from desktop.llm.models.library import (
    GONE,
    NOT_GGUF,
    OLLAMA_BLOB_MISSING,
    FoundModel,
    ModelSource,
    discover,
    split_parts,
)
from desktop.llm.models.locations import default_locations
from tests.fixtures.tiny_gguf import write_gguf

SPLIT_NAMES = [f"big-{index:05d}-of-00003.gguf" for index in (1, 2, 3)]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny model and one split into three parts, written once and copied where each test needs."""
    folder = tmp_path_factory.mktemp("made")
    single = write_gguf(folder / "tiny.gguf")
    (folder / "split").mkdir()
    first = write_gguf(folder / "split" / "big.gguf", split_max_tensors=8)
    assert sorted(path.name for path in first.parent.iterdir()) == SPLIT_NAMES
    return {"single": single, "split": first.parent}


def place(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def place_split(made: dict[str, Path], folder: Path) -> list[Path]:
    return [place(made["split"] / name, folder / name) for name in SPLIT_NAMES]


def by_name(models: list[FoundModel]) -> dict[str, FoundModel]:
    names = [model.name for model in models]
    assert len(names) == len(set(names)), names
    return {model.name: model for model in models}


def ollama_manifest(
    root: Path, relative: str, digest: str, media: str = "application/vnd.ollama.image.model"
) -> Path:
    layers = [
        {"mediaType": "application/vnd.ollama.image.license", "digest": "sha256:" + "1" * 64, "size": 10},
        {"mediaType": media, "digest": digest, "size": 123},
        {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "2" * 64, "size": 10},
    ]
    manifest = {"schemaVersion": 2, "config": {"digest": "sha256:" + "3" * 64}, "layers": layers}
    path = root / "manifests" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest))
    return path


def ollama_blob(made: dict[str, Path], root: Path) -> str:
    data = made["single"].read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / f"sha256-{digest}").write_bytes(data)
    return digest


def test_each_app_layout_is_found_with_a_human_name(made: dict[str, Path], tmp_path: Path) -> None:
    ours = place(made["single"], tmp_path / "app" / "my-model.gguf")
    lms = place(made["single"], tmp_path / "lms" / "lmstudio-community" / "Qwen-GGUF" / "qwen-q4_k_m.gguf")
    jan = place(
        made["single"], tmp_path / "jan" / "llamacpp" / "models" / "unsloth" / "gemma-GGUF" / "model.gguf"
    )
    old_jan = place(made["single"], tmp_path / "oldjan" / "trinity-v1-7b" / "trinity-v1.Q4_K_M.gguf")
    locations = [
        (ModelSource.LM_STUDIO, tmp_path / "lms"),
        (ModelSource.JAN, tmp_path / "jan" / "llamacpp" / "models"),
        (ModelSource.JAN, tmp_path / "oldjan"),
    ]

    found = by_name(discover(tmp_path / "app", [], locations))

    size = made["single"].stat().st_size
    assert found["my-model"] == FoundModel(ours, (ours,), ModelSource.APP, "my-model", size, False)
    assert found["qwen-q4_k_m"] == FoundModel(lms, (lms,), ModelSource.LM_STUDIO, "qwen-q4_k_m", size, True)
    assert found["unsloth/gemma-GGUF"].path == jan
    assert found["trinity-v1.Q4_K_M"].path == old_jan
    assert all(model.problem is None for model in found.values())
    assert [model.source.label for model in found.values()] == ["MCP Desk", "LM Studio", "Jan", "Jan"]


def test_results_are_sorted_by_name_whatever_the_source(made: dict[str, Path], tmp_path: Path) -> None:
    for name in ("zeta", "Alpha", "mid"):
        place(made["single"], tmp_path / "lms" / "p" / name / f"{name}.gguf")
    place(made["single"], tmp_path / "app" / "beta.gguf")

    found = discover(tmp_path / "app", [], [(ModelSource.LM_STUDIO, tmp_path / "lms")])

    assert [model.name for model in found] == ["Alpha", "beta", "mid", "zeta"]


def test_hugging_face_cache_snapshots_are_links_into_blobs(made: dict[str, Path], tmp_path: Path) -> None:
    repo = tmp_path / "hub" / "models--bartowski--Llama-3.2-3B-Instruct-GGUF"
    data = made["single"].read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    (repo / "blobs").mkdir(parents=True)
    (repo / "blobs" / sha).write_bytes(data)
    links = []
    for revision in ("a" * 40, "b" * 40):  # two revisions holding the same file
        link = repo / "snapshots" / revision / "Llama-3.2-3B-Instruct-Q4_K_M.gguf"
        link.parent.mkdir(parents=True)
        link.symlink_to(Path("..") / ".." / "blobs" / sha)
        links.append(link)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("b" * 40)
    (tmp_path / "hub" / "datasets--someone--data" / "snapshots" / "c").mkdir(parents=True)

    found = discover(tmp_path / "app", [], [(ModelSource.HF_CACHE, tmp_path / "hub")])

    assert len(found) == 1
    model = found[0]
    assert model.name == "bartowski/Llama-3.2-3B-Instruct-GGUF · Llama-3.2-3B-Instruct-Q4_K_M"
    assert model.path in links
    assert model.path.suffix == ".gguf"
    assert (model.source, model.read_only, model.problem) == (ModelSource.HF_CACHE, True, None)
    assert model.size_bytes == len(data)


def test_ollama_manifests_map_to_blobs_and_get_ollama_names(made: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "ollama"
    digest = ollama_blob(made, root)
    ollama_manifest(root, "registry.ollama.ai/library/llama3.2/3b", f"sha256:{digest}")
    ollama_manifest(root, "registry.ollama.ai/library/llama3.2/latest", f"sha256:{digest}")  # same blob
    ollama_manifest(root, "registry.ollama.ai/someone/tool-model/q4", f"sha256:{digest[::-1]}")

    found = by_name(discover(tmp_path / "app", [], [(ModelSource.OLLAMA, root)]))

    assert set(found) == {"llama3.2:3b", "someone/tool-model:q4"}
    model = found["llama3.2:3b"]
    assert model.path == root / "blobs" / f"sha256-{digest}"
    assert (model.parts, model.source, model.read_only, model.problem) == (
        (model.path,),
        ModelSource.OLLAMA,
        True,
        None,
    )
    assert model.size_bytes == made["single"].stat().st_size
    assert found["someone/tool-model:q4"].problem == OLLAMA_BLOB_MISSING


def test_an_ollama_model_from_another_registry_keeps_its_registry_in_the_name(
    made: dict[str, Path], tmp_path: Path
) -> None:
    root = tmp_path / "ollama"
    digest = ollama_blob(made, root)
    ollama_manifest(root, "hf.co/bartowski/Qwen-GGUF/Q4_K_M", f"sha256:{digest}")

    (model,) = discover(tmp_path / "app", [], [(ModelSource.OLLAMA, root)])

    assert model.name == "hf.co/bartowski/Qwen-GGUF:Q4_K_M"


def test_hostile_ollama_manifests_are_ignored(made: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "ollama"
    digest = ollama_blob(made, root)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_bytes(made["single"].read_bytes())
    library = "registry.ollama.ai/library"
    ollama_manifest(root, f"{library}/escape/a", "sha256:../../etc/passwd")
    ollama_manifest(root, f"{library}/escape/b", "sha256:" + "a" * 63 + "/")
    ollama_manifest(root, f"{library}/escape/c", f"sha512:{digest}")
    ollama_manifest(
        root,
        f"{library}/projector-only/x",
        f"sha256:{digest}",
        media="application/vnd.ollama.image.projector",
    )
    bad = root / "manifests" / library / "broken"
    bad.mkdir(parents=True)
    (bad / "not-json").write_text("{ this is not json")
    (bad / "nested").write_text("[" * 200_000)
    (bad / "list").write_text("[1, 2, 3]")
    (bad / "layers-not-a-list").write_text('{"layers": {"mediaType": "x"}}')
    (bad / "not-utf8").write_bytes(b"\xff\xfe\x00garbage")
    with (bad / "huge").open("wb") as handle:  # past the size cap, valid JSON never read
        handle.write(b'{"layers": [' + b" " * (2 << 20) + b"]}")
    (bad / "a-folder").mkdir()
    ollama_manifest(root, f"{library}/fine/1b", f"sha256:{digest}")

    found = discover(tmp_path / "app", [], [(ModelSource.OLLAMA, root)])

    assert [model.name for model in found] == ["fine:1b"]


def test_split_models_are_one_model_and_a_missing_part_is_named(
    made: dict[str, Path], tmp_path: Path
) -> None:
    complete = place_split(made, tmp_path / "lms" / "pub" / "complete")
    incomplete = place_split(made, tmp_path / "lms" / "pub" / "incomplete")
    incomplete[1].unlink()

    found = discover(tmp_path / "app", [], [(ModelSource.LM_STUDIO, tmp_path / "lms")])

    assert [model.name for model in found] == ["big", "big"]
    whole = next(model for model in found if model.problem is None)
    assert whole.path == complete[0]
    assert whole.parts == tuple(complete)
    assert whole.size_bytes == sum(part.stat().st_size for part in complete)
    broken = next(model for model in found if model.problem is not None)
    assert broken.problem is not None and broken.problem.startswith("Part 2 of 3 is missing")
    assert broken.parts == (incomplete[0], incomplete[2])


def test_split_parts_starts_from_any_part(made: dict[str, Path], tmp_path: Path) -> None:
    parts = place_split(made, tmp_path)
    single = place(made["single"], tmp_path / "one.gguf")

    assert split_parts(parts[2]) == (tuple(parts), None)
    assert split_parts(single) == ((single,), None)
    parts[0].unlink()
    parts[2].unlink()
    present, problem = split_parts(parts[1])
    assert present == (parts[1],)
    assert problem is not None and problem.startswith("2 of the 3 parts are missing, starting with part 1")
    odd = tmp_path / "odd-00004-of-00003.gguf"
    assert split_parts(odd)[1] is not None


def test_projectors_are_skipped_and_a_file_that_is_not_gguf_is_reported(
    made: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "lms" / "pub" / "llava"
    place(made["single"], folder / "llava-v1.6-q4.gguf")
    place(made["single"], folder / "mmproj-model-f16.gguf")
    (folder / "page.gguf").write_text("<html>Not found</html>")
    (folder / "empty.gguf").write_bytes(b"")
    (folder / "notes.txt").write_text("GGUF")

    found = by_name(discover(tmp_path / "app", [], [(ModelSource.LM_STUDIO, tmp_path / "lms")]))

    assert set(found) == {"llava-v1.6-q4", "page", "empty"}
    assert found["llava-v1.6-q4"].problem is None
    assert found["page"].problem == NOT_GGUF
    assert found["empty"].problem == NOT_GGUF


def test_the_same_file_reached_twice_is_listed_once_preferring_ours_then_added(
    made: dict[str, Path], tmp_path: Path
) -> None:
    ours = place(made["single"], tmp_path / "app" / "shared.gguf")
    (tmp_path / "lms" / "pub").mkdir(parents=True)
    (tmp_path / "lms" / "pub" / "shared-link.gguf").symlink_to(ours)
    added = place(made["single"], tmp_path / "downloads" / "mine.gguf")
    os.link(added, tmp_path / "lms" / "pub" / "mine-hardlink.gguf")
    (tmp_path / "lms" / "alias").symlink_to(tmp_path / "downloads", target_is_directory=True)
    locations = [(ModelSource.LM_STUDIO, tmp_path / "lms"), (ModelSource.LM_STUDIO, tmp_path / "lms" / "pub")]

    found = discover(tmp_path / "app", [added, added], locations)

    assert [(model.name, model.source, model.path) for model in found] == [
        ("mine", ModelSource.ADDED, added),
        ("shared", ModelSource.APP, ours),
    ]


def test_an_added_file_that_vanished_is_listed_so_the_user_can_remove_it(
    made: dict[str, Path], tmp_path: Path
) -> None:
    gone = tmp_path / "downloads" / "old-model.gguf"
    kept = place(made["single"], tmp_path / "downloads" / "kept.gguf")
    projector = place(made["single"], tmp_path / "downloads" / "mmproj-f16.gguf")

    found = by_name(discover(tmp_path / "app", [gone, kept, projector, tmp_path], []))

    assert found["old-model"] == FoundModel(gone, (gone,), ModelSource.ADDED, "old-model", 0, True, GONE)
    assert found["old-model"].problem is not None
    assert found["kept"].problem is None and found["kept"].read_only
    assert found["mmproj-f16"].problem is not None and "projector" in found["mmproj-f16"].problem
    assert found[tmp_path.name].problem is not None


def test_links_loops_and_missing_folders_never_stop_the_scan(made: dict[str, Path], tmp_path: Path) -> None:
    lms = tmp_path / "lms"
    place(made["single"], lms / "pub" / "repo" / "good.gguf")
    (lms / "pub" / "loop").symlink_to(lms, target_is_directory=True)
    (lms / "pub" / "dangling.gguf").symlink_to(tmp_path / "nowhere.gguf")
    (lms / "pub" / "self.gguf").symlink_to(lms / "pub" / "self.gguf")
    elsewhere = place(made["single"], tmp_path / "other-disk" / "linked-in.gguf")
    (lms / "external").symlink_to(elsewhere.parent, target_is_directory=True)
    deep = lms.joinpath(*[f"d{level}" for level in range(12)])
    place(made["single"], deep / "too-deep.gguf")
    locations = [
        (ModelSource.LM_STUDIO, lms),
        (ModelSource.JAN, tmp_path / "no-such-folder"),
        (ModelSource.OLLAMA, tmp_path / "no-ollama"),
        (ModelSource.HF_CACHE, tmp_path / "no-hub"),
        (ModelSource.LM_STUDIO, elsewhere),  # a file where a folder was expected
    ]

    found = discover(tmp_path / "no-app-folder", [], locations)

    assert [model.name for model in found] == ["good", "linked-in"]


def test_an_unreadable_folder_is_skipped(made: dict[str, Path], tmp_path: Path) -> None:
    place(made["single"], tmp_path / "lms" / "open" / "visible.gguf")
    locked = tmp_path / "lms" / "locked"
    place(made["single"], locked / "hidden.gguf")
    locked.chmod(0)
    try:
        names = [
            model.name
            for model in discover(tmp_path / "app", [], [(ModelSource.LM_STUDIO, tmp_path / "lms")])
        ]
    finally:
        locked.chmod(0o755)
    assert "visible" in names
    if os.geteuid() != 0:  # root reads anything
        assert "hidden" not in names


def test_a_home_laid_out_like_a_real_one_is_found_through_default_locations(
    made: dict[str, Path], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    place(made["single"], home / ".lmstudio" / "models" / "pub" / "repo" / "from-lms.gguf")
    place(
        made["single"],
        home / ".local" / "share" / "Jan" / "data" / "llamacpp" / "models" / "jan-model" / "model.gguf",
    )
    hub_repo = home / ".cache" / "huggingface" / "hub" / "models--org--repo" / "snapshots" / "r1"
    place(made["single"], hub_repo / "from-hub.gguf")
    ollama = home / ".ollama" / "models"
    ollama_manifest(ollama, "registry.ollama.ai/library/phi3/mini", f"sha256:{ollama_blob(made, ollama)}")

    found = discover(home / "app-models", [], default_locations(home, {}, "linux"))

    mine = {(model.source, model.name) for model in found if home in model.path.parents}
    assert mine == {
        (ModelSource.LM_STUDIO, "from-lms"),
        (ModelSource.JAN, "jan-model"),
        (ModelSource.HF_CACHE, "org/repo · from-hub"),
        (ModelSource.OLLAMA, "phi3:mini"),
    }
