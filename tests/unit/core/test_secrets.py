"""Secrets in a real keyring (a private gnome-keyring), and the backends MCP Desk refuses."""

from __future__ import annotations

import pytest
from keyring.backends import fail, null

from desktop.core.secret_refs import SecretsError, references, substitute
from desktop.core.secrets import CHUNK_CHARS, KeyringUnavailable, SecretStore, check_backend


def test_set_get_delete_and_list(keyring_store: SecretStore) -> None:
    keyring_store.set("GITHUB_TOKEN", "ghp_abc123")
    keyring_store.set("db.password", "hunter22")
    assert keyring_store.get("GITHUB_TOKEN") == "ghp_abc123"
    assert keyring_store.names() == ["GITHUB_TOKEN", "db.password"]
    keyring_store.set("GITHUB_TOKEN", "ghp_changed")
    assert keyring_store.get("GITHUB_TOKEN") == "ghp_changed"
    assert keyring_store.names() == ["GITHUB_TOKEN", "db.password"]
    keyring_store.delete("GITHUB_TOKEN")
    keyring_store.delete("GITHUB_TOKEN")
    assert keyring_store.get("GITHUB_TOKEN") is None
    assert keyring_store.names() == ["db.password"]


def test_a_value_too_large_for_one_windows_credential_round_trips(keyring_store: SecretStore) -> None:
    big = "".join(chr(0x41 + i % 26) for i in range(CHUNK_CHARS * 3 + 17)) + "é✓"
    keyring_store.set("certificate", big)
    assert keyring_store.get("certificate") == big
    keyring_store.set("certificate", "short again")
    assert keyring_store.get("certificate") == "short again"
    keyring_store.set("certificate", big[: CHUNK_CHARS * 2])
    assert keyring_store.get("certificate") == big[: CHUNK_CHARS * 2]
    keyring_store.delete("certificate")
    assert keyring_store.get("certificate") is None


def test_resolve_names_every_missing_secret(keyring_store: SecretStore) -> None:
    keyring_store.set("A", "alpha-value")
    assert keyring_store.resolve(["A"]) == {"A": "alpha-value"}
    with pytest.raises(SecretsError, match=r"“B”, “C” are not set\. Add them on the Secrets page"):
        keyring_store.resolve(["A", "B", "C"])


@pytest.mark.parametrize("name", ["", "has space", "-dash-first", "x" * 65, "a/b", "${secret:x}"])
def test_bad_names_are_refused_with_a_sentence(keyring_store: SecretStore, name: str) -> None:
    with pytest.raises(SecretsError, match="cannot be a secret's name"):
        keyring_store.set(name, "value")


def test_an_empty_value_is_refused(keyring_store: SecretStore) -> None:
    with pytest.raises(SecretsError, match="cannot be empty"):
        keyring_store.set("EMPTY", "")


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_fail_and_null_backends_are_refused_never_used(backend: fail.Keyring | null.Keyring) -> None:
    store = SecretStore(backend, "mcp-desk-test-refused")
    assert not store.check.usable
    assert "No system keyring was found" in store.check.problem
    assert "gnome-keyring" in store.check.fix
    with pytest.raises(
        KeyringUnavailable, match=r"cannot store secrets safely\. Install and run a Secret Service"
    ):
        store.set("TOKEN", "value")
    with pytest.raises(KeyringUnavailable):
        store.names()


def test_a_plaintext_backend_is_refused() -> None:
    class PlaintextKeyring(null.Keyring):
        priority = 0.5  # type: ignore[assignment]

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    check = check_backend(PlaintextKeyring())
    assert not check.usable
    assert "keeps passwords in a file" in check.problem


def test_references_and_substitution() -> None:
    text = "Bearer ${secret:TOKEN} and ${secret:other.one} and ${secret:TOKEN}"
    assert references(text) == ["TOKEN", "other.one"]
    assert substitute(text, {"TOKEN": "t0k", "other.one": "x"}) == "Bearer t0k and x and t0k"
    assert references("no secrets ${HOME}") == []
