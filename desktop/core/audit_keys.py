"""The audit trail's key and checkpoint, kept in the OS keyring.

One Ed25519 key per install seals the trail: its private half stays in the keyring, and
an HMAC-SHA256 key derived from it seals each record (cheap enough for the tool-call path).
Checkpoints (the newest record's number and hash) are signed with the Ed25519 key, so one
kept in the keyring catches records cut off the end, and one written into an export lets
anyone check that export with the public key alone (`audit_export.py`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from desktop.core.secrets import check_backend

KEY_ENTRY = ".audit-key"
CHECKPOINT_ENTRY = ".audit-checkpoint"
"""Keyring entry names; a leading dot keeps them apart from the user's secrets' names."""
_MAC_LABEL = b"mcp-desk audit record seal\n"
_SIGN_LABEL = b"mcp-desk audit checkpoint\n"


class AuditKeyringError(Exception):
    """The keyring could not be used for the audit key; the message is a plain sentence."""


def canonical_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(public: str) -> str:
    """A short, readable name for a public key: four groups of four hex digits."""
    digest = hashlib.sha256(public.encode("ascii")).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def signature_holds(public: str, payload: dict[str, Any], signature: str) -> bool:
    """Whether `signature` is `public`'s over `payload`; any malformed part is a no."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public, validate=True))
        key.verify(base64.b64decode(signature, validate=True), _SIGN_LABEL + canonical_bytes(payload))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


class AuditKey:
    """The install's sealing key: seals records (HMAC) and signs checkpoints (Ed25519)."""

    def __init__(self, seed: bytes) -> None:
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self._mac_key = hashlib.sha256(_MAC_LABEL + seed).digest()
        raw = self._private.public_key().public_bytes_raw()
        self.public = base64.b64encode(raw).decode("ascii")
        self.fingerprint = fingerprint(self.public)

    @classmethod
    def generate(cls) -> AuditKey:
        return cls(Ed25519PrivateKey.generate().private_bytes_raw())

    def seed_text(self) -> str:
        return base64.b64encode(self._private.private_bytes_raw()).decode("ascii")

    def seal(self, record_hash: str) -> str:
        """The record's seal: HMAC-SHA256 over its chain hash."""
        return hmac.digest(self._mac_key, record_hash.encode("ascii"), "sha256").hex()

    def sign(self, payload: dict[str, Any]) -> str:
        return base64.b64encode(self._private.sign(_SIGN_LABEL + canonical_bytes(payload))).decode("ascii")


@dataclass(frozen=True)
class Lost:
    """What a checkpoint remembers once the trail on disk no longer reaches it (kept from then on)."""

    how: Literal["cut", "replaced"]
    seq: int
    """The newest record MCP Desk had written."""
    time: float
    """When that checkpoint was taken."""
    left: int
    """The newest record the file still held when this was noticed."""


@dataclass(frozen=True)
class Checkpoint:
    """The newest record of trail `trail` (begun by the marker record `since`), signed by `key`."""

    trail: str
    since: int
    seq: int
    hash: str
    time: float
    key: str
    lost: Lost | None = None
    signature: str = ""

    def payload(self) -> dict[str, Any]:
        body = asdict(self)
        del body["signature"]
        return body

    def signed(self, key: AuditKey) -> Checkpoint:
        unsigned = replace(self, key=key.public, signature="")
        return replace(unsigned, signature=key.sign(unsigned.payload()))

    def holds(self, public: str) -> bool:
        return self.key == public and signature_holds(public, self.payload(), self.signature)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint | None:
        """The checkpoint in `text`, or None where it is not one."""
        try:
            body = json.loads(text)
            lost = Lost(**body.pop("lost")) if body.get("lost") else None
            body.pop("lost", None)
            return cls(**body, lost=lost)
        except (ValueError, TypeError, AttributeError, KeyError):
            return None


class KeyVault(Protocol):
    """Where the audit key and checkpoint live (blocking; raises `AuditKeyringError`)."""

    def load_key(self) -> AuditKey | None: ...

    def save_key(self, key: AuditKey) -> None: ...

    def load_checkpoint(self) -> Checkpoint | None: ...

    def save_checkpoint(self, checkpoint: Checkpoint) -> None: ...


class KeyringVault:
    """`KeyVault` in the OS keyring, under the app's keyring service."""

    def __init__(self, backend: KeyringBackend, service: str) -> None:
        self._backend = backend
        self._service = service
        self.check = check_backend(backend)

    def load_key(self) -> AuditKey | None:
        text = self._read(KEY_ENTRY)
        if text is None:
            return None
        try:
            return AuditKey(base64.b64decode(text, validate=True))
        except ValueError:
            raise AuditKeyringError(
                "The audit trail's key in the keyring is damaged, so new records can't be sealed."
            ) from None

    def save_key(self, key: AuditKey) -> None:
        self._write(KEY_ENTRY, key.seed_text())

    def load_checkpoint(self) -> Checkpoint | None:
        text = self._read(CHECKPOINT_ENTRY)
        return Checkpoint.from_json(text) if text is not None else None

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._write(CHECKPOINT_ENTRY, checkpoint.to_json())

    def forget(self) -> None:
        """Remove the key and checkpoint (what a new computer looks like)."""
        for entry in (KEY_ENTRY, CHECKPOINT_ENTRY):
            try:
                self._backend.delete_password(self._service, entry)
            except PasswordDeleteError:
                pass
            except KeyringError as error:
                raise _unreachable(error) from error

    def _read(self, entry: str) -> str | None:
        self._require_usable()
        try:
            return self._backend.get_password(self._service, entry)
        except KeyringError as error:
            raise _unreachable(error) from error

    def _write(self, entry: str, value: str) -> None:
        self._require_usable()
        try:
            self._backend.set_password(self._service, entry, value)
        except KeyringError as error:
            raise _unreachable(error) from error

    def _require_usable(self) -> None:
        if not self.check.usable:
            raise AuditKeyringError(f"{self.check.problem} {self.check.fix}")


def _unreachable(error: Exception) -> AuditKeyringError:
    return AuditKeyringError(f"The system keyring did not answer ({error}).")
