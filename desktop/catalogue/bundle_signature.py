"""An MCPB bundle's signature, as `mcpb sign` appends it, checked with `cryptography`.

The block is `MCPB_SIG_V1`, a little-endian 4-byte length, a DER PKCS#7 detached signature over
every byte before the block, then `MCPB_SIG_END` (`src/node/sign.ts` in `modelcontextprotocol/mcpb`).
MCP Desk checks that the signature was made by the certificate's key over exactly this file (the
signed `messageDigest` is the file's SHA-256 and the key signed those attributes). It does not ask
an authority whether the certificate's name is true: the note says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

HEADER = b"MCPB_SIG_V1"
FOOTER = b"MCPB_SIG_END"
_TAIL = 1 << 20
"""The block is searched for in the file's last MiB (a signature is a few KiB)."""
_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")  # OID 1.2.840.113549.1.9.4, DER


class SignatureState(StrEnum):
    UNSIGNED = "unsigned"
    VERIFIED = "verified"
    BROKEN = "broken"


@dataclass(frozen=True)
class Signature:
    state: SignatureState
    signer: str = ""
    self_signed: bool = False

    @property
    def trusted(self) -> bool:
        """The file is unchanged since it was signed (who signed it is still only a name)."""
        return self.state is SignatureState.VERIFIED

    @property
    def note(self) -> str:
        if self.state is SignatureState.UNSIGNED:
            return (
                "This bundle is not signed: nothing vouches for who made it. "
                "Install it only if you trust where it came from."
            )
        if self.state is SignatureState.BROKEN:
            return (
                "This bundle carries a signature that doesn't match its contents: it may have been changed "
                "after it was signed. Don't install it unless you know why."
            )
        own = " (a certificate it made for itself)" if self.self_signed else ""
        return (
            f"Signed by “{self.signer}”{own}, and the file is unchanged since it was signed. "
            "MCP Desk doesn't check that name with an authority."
        )


def check_signature(path: Path) -> Signature:
    with path.open("rb") as file:
        size = file.seek(0, 2)
        file.seek(max(0, size - _TAIL))
        tail = file.read()
    if not tail.endswith(FOOTER) or (start := tail.rfind(HEADER)) < 0:
        return Signature(SignatureState.UNSIGNED)
    length = int.from_bytes(tail[start + len(HEADER) : start + len(HEADER) + 4], "little")
    der = tail[start + len(HEADER) + 4 : start + len(HEADER) + 4 + length]
    signed_bytes = size - (len(tail) - start)
    try:
        return _verified(der, _sha256_of(path, signed_bytes))
    except (ValueError, IndexError, StopIteration, InvalidSignature, UnsupportedAlgorithm):
        return Signature(SignatureState.BROKEN)


def _sha256_of(path: Path, length: int) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while length > 0 and (chunk := file.read(min(length, 1 << 16))):
            digest.update(chunk)
            length -= len(chunk)
    return digest.digest()


def _verified(der: bytes, content_digest: bytes) -> Signature:
    certificates = pkcs7.load_der_pkcs7_certificates(der)
    signer_info = _signer_info(der)
    fields = _children(signer_info)
    attributes = next(child for child in fields if child[0] == 0xA0)
    signature = fields[fields.index(attributes) + 2]
    if _message_digest(attributes) != content_digest:
        raise InvalidSignature("the file's digest is not the signed one")
    certificate = certificates[0]
    signed = b"\x31" + attributes[1:]  # signed as a SET, carried as [0] IMPLICIT (RFC 5652 5.4)
    _verify(certificate, _value(signature), signed)
    return Signature(
        SignatureState.VERIFIED,
        signer=_common_name(certificate.subject),
        self_signed=certificate.subject == certificate.issuer,
    )


def _verify(certificate: x509.Certificate, signature: bytes, data: bytes) -> None:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        raise UnsupportedAlgorithm("only RSA and EC signing keys are checked")


def _common_name(name: x509.Name) -> str:
    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(common[0].value) if common else name.rfc4514_string() or "an unnamed signer"


def _signer_info(der: bytes) -> bytes:
    """ContentInfo → [0] → SignedData → the last field (signerInfos) → its first SignerInfo."""
    content_info = _children(der[: _tlv(der, 0)[1]])
    signed_data = _value(content_info[1])
    signer_infos = _children(signed_data)[-1]
    return _children(signer_infos)[0]


def _message_digest(attributes: bytes) -> bytes:
    for attribute in _children(attributes):
        oid, values = _children(attribute)
        if oid == _MESSAGE_DIGEST:
            return _value(_children(values)[0])
    raise ValueError("no messageDigest attribute")


def _tlv(data: bytes, at: int) -> tuple[int, int]:
    """Where the value of the DER element at `at` starts, and where the element ends."""
    length, at = data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        length, at = int.from_bytes(data[at : at + count], "big"), at + count
    if at + length > len(data):
        raise ValueError("a DER element runs past its container")
    return at, at + length


def _value(element: bytes) -> bytes:
    start, end = _tlv(element, 0)
    return element[start:end]


def _children(element: bytes) -> list[bytes]:
    """The elements inside a constructed DER element (each whole: tag, length and value)."""
    start, end = _tlv(element, 0)
    children = []
    while start < end:
        _, child_end = _tlv(element, start)
        children.append(element[start:child_end])
        start = child_end
    return children
