"""The export envelope: only the right passphrase on the untouched file gets a byte out."""

from __future__ import annotations

import pytest

from desktop.core.sealed_file import DAMAGED, NEWER, NOT_OURS, SealedFileProblem, seal, unseal

SECRET = b'{"secrets": {"GH_TOKEN": "ghp_example"}}'


@pytest.fixture(scope="module")
def sealed() -> bytes:
    return seal(SECRET, "correct horse battery")


def test_the_right_passphrase_opens_it(sealed: bytes) -> None:
    assert unseal(sealed, "correct horse battery") == SECRET
    assert b"ghp_example" not in sealed


def test_each_seal_differs(sealed: bytes) -> None:
    assert seal(SECRET, "correct horse battery") != sealed, "a fresh salt and nonce every time"


def _flipped(blob: bytes, at: int) -> bytes:
    return blob[:at] + bytes([blob[at] ^ 0x01]) + blob[at + 1 :]


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("wrong passphrase", lambda blob: blob),
        ("truncated", lambda blob: blob[: len(blob) // 2]),
        ("cut inside the header", lambda blob: blob[:20]),
        ("last byte missing", lambda blob: blob[:-1]),
        ("flipped byte in the salt", lambda blob: _flipped(blob, 14)),
        ("flipped byte in the cost", lambda blob: _flipped(blob, 10)),
        ("flipped byte in the ciphertext", lambda blob: _flipped(blob, 45)),
        ("flipped byte in the tag", lambda blob: _flipped(blob, len(blob) - 1)),
        ("a cost no computer should pay", lambda blob: blob[:9] + bytes([40]) + blob[10:]),
    ],
)
def test_a_wrong_passphrase_or_a_changed_file_is_one_sentence(
    sealed: bytes, case: str, change: object
) -> None:
    passphrase = "wrong horse battery" if case == "wrong passphrase" else "correct horse battery"
    with pytest.raises(SealedFileProblem) as caught:
        unseal(change(sealed), passphrase)  # type: ignore[operator]
    assert caught.value.message == DAMAGED
    assert "nothing was changed" in caught.value.message


def test_an_unknown_version_asks_for_a_newer_mcp_desk(sealed: bytes) -> None:
    with pytest.raises(SealedFileProblem) as caught:
        unseal(sealed[:8] + bytes([2]) + sealed[9:], "correct horse battery")
    assert caught.value.message == NEWER


@pytest.mark.parametrize(
    "blob", [b"", b'{"mcpServers": {}}', b"\x89PNG\r\n\x1a\n" + bytes(64)], ids=["empty", "json", "picture"]
)
def test_a_file_that_is_not_an_export_says_so(blob: bytes) -> None:
    with pytest.raises(SealedFileProblem) as caught:
        unseal(blob, "correct horse battery")
    assert caught.value.message == NOT_OURS
