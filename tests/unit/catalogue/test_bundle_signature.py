"""A bundle signed the way `mcpb sign` signs (PKCS#7, detached, appended), checked or found broken."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from desktop.catalogue.bundle_signature import FOOTER, HEADER, SignatureState, check_signature
from tests.fixtures.mcpb_bundles import python_manifest, write_bundle

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def certificate(key: SigningKey, subject: str, issuer: str) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


def signature_block(content: bytes, key: SigningKey, cert: x509.Certificate) -> bytes:
    der = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    return HEADER + len(der).to_bytes(4, "little") + der + FOOTER


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_a_signed_bundle_names_its_signer_and_a_changed_one_is_broken(tmp_path: Path, kind: str) -> None:
    key: SigningKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    bundle = write_bundle(tmp_path / "notes.mcpb", python_manifest())
    content = bundle.read_bytes()
    block = signature_block(content, key, certificate(key, "Acme Tools", "Acme Tools"))
    bundle.write_bytes(content + block)
    signed = check_signature(bundle)
    assert (signed.state, signed.signer, signed.self_signed) == (SignatureState.VERIFIED, "Acme Tools", True)
    assert signed.note.startswith("Signed by “Acme Tools” (a certificate it made for itself)")
    changed = bytearray(content)
    changed[40] ^= 0xFF
    bundle.write_bytes(bytes(changed) + block)
    assert check_signature(bundle).state is SignatureState.BROKEN
    assert "doesn't match its contents" in check_signature(bundle).note


def test_a_certificate_from_an_issuer_is_not_self_signed(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    bundle = write_bundle(tmp_path / "notes.mcpb", python_manifest())
    content = bundle.read_bytes()
    bundle.write_bytes(content + signature_block(content, key, certificate(key, "Acme Tools", "Some CA")))
    assert not check_signature(bundle).self_signed


def test_an_unsigned_bundle_and_a_mangled_block_are_said_so(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "notes.mcpb", python_manifest())
    assert check_signature(bundle).state is SignatureState.UNSIGNED
    assert "not signed" in check_signature(bundle).note
    bundle.write_bytes(bundle.read_bytes() + HEADER + (9000).to_bytes(4, "little") + b"garbage" + FOOTER)
    assert check_signature(bundle).state is SignatureState.BROKEN
