"""Bytes sealed with a passphrase: scrypt makes the key, AES-256-GCM encrypts and authenticates.

The envelope (`docs/export-format.md`), all integers unsigned:

    magic    8 bytes   b"MCPDESKX"
    version  1 byte    1
    log2 n   1 byte    scrypt cost (17: n = 131072)
    r        1 byte    scrypt block size (8)
    p        1 byte    scrypt parallelism (1)
    salt     16 bytes
    nonce    12 bytes
    sealed   the rest: AES-256-GCM ciphertext with its 16-byte tag

The 40 bytes before `sealed` are the cipher's associated data, so changing any of them, or any
byte after, or cutting the file short, fails the tag check: a wrong passphrase and a damaged file
can't be told apart, and neither yields a byte.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from desktop.core.problem import Problem

MAGIC = b"MCPDESKX"
VERSION = 1
_HEADER = struct.Struct(">8sBBBB16s12s")
_TAG_BYTES = 16
_MAX_LOG2_N, _MAX_R, _MAX_P = 20, 8, 4
"""What a file may ask of this computer's memory and time (n = 2^20 and r = 8: 1 GiB)."""

NOT_OURS = (
    "This file is not an MCP Desk export. Choose the file “Export everything” saved; nothing was changed."
)
NEWER = (
    "This file was exported by a newer MCP Desk. Update MCP Desk on this computer and import it "
    "again; nothing was changed."
)
DAMAGED = (
    "This file is damaged or the passphrase is wrong; nothing was changed. Type the passphrase "
    "again, or export a new copy on the other computer."
)


class SealedFileProblem(Problem):
    """The file could not be opened; the sentence says why and that nothing changed."""


@dataclass(frozen=True)
class ScryptCost:
    log2_n: int = 17
    r: int = 8
    p: int = 1


def seal(data: bytes, passphrase: str, cost: ScryptCost = ScryptCost()) -> bytes:
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _HEADER.pack(MAGIC, VERSION, cost.log2_n, cost.r, cost.p, salt, nonce)
    return header + AESGCM(_key(passphrase, salt, cost)).encrypt(nonce, data, header)


def unseal(blob: bytes, passphrase: str) -> bytes:
    """The data sealed in `blob`; a `SealedFileProblem` for a wrong passphrase or a changed file."""
    if not blob or not blob.startswith(MAGIC[: len(blob)]):
        raise SealedFileProblem(NOT_OURS)
    if len(blob) < _HEADER.size + _TAG_BYTES:
        raise SealedFileProblem(DAMAGED, f"only {len(blob)} bytes")
    _magic, version, log2_n, r, p, salt, nonce = _HEADER.unpack_from(blob)
    if version != VERSION:
        raise SealedFileProblem(NEWER, f"format version {version}")
    if not (1 <= log2_n <= _MAX_LOG2_N and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        raise SealedFileProblem(DAMAGED, f"scrypt n=2^{log2_n} r={r} p={p} is out of bounds")
    header = blob[: _HEADER.size]
    try:
        return AESGCM(_key(passphrase, salt, ScryptCost(log2_n, r, p))).decrypt(
            nonce, blob[_HEADER.size :], header
        )
    except InvalidTag as error:
        raise SealedFileProblem(DAMAGED, "the authentication tag does not match") from error


def _key(passphrase: str, salt: bytes, cost: ScryptCost) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**cost.log2_n, r=cost.r, p=cost.p).derive(passphrase.encode())
