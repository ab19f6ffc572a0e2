"""Offline signing keys for Content Credentials: a private root CA and a signing certificate.

C2PA validators reject a bare self-signed signing certificate, so ``painterly keys init`` makes a
two-level chain: a root CA (``keyCertSign``) that signs a leaf certificate with ``digitalSignature``
key usage and the extended key usages C2PA accepts (``emailProtection``, ``documentSigning``).
Both use ECDSA P-256 (C2PA's ``es256``). Layout under :func:`keys_dir`::

    root-ca.pem      the root certificate (a trust anchor for ``painterly inspect``)
    root-ca.key      its private key (only needed to issue a new signing certificate)
    signing.pem      the signing certificate followed by the root (the chain C2PA embeds)
    signing.key      the signing private key (mode 0600)

Needs the ``trust`` extra (``cryptography``).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from painterly.errors import InputError, MissingExtraError

ROOT_CERT, ROOT_KEY, SIGN_CERT, SIGN_KEY = "root-ca.pem", "root-ca.key", "signing.pem", "signing.key"
#: id-kp-documentSigning (RFC 9336); emailProtection is the other EKU C2PA's default list accepts.
DOCUMENT_SIGNING_OID = "1.3.6.1.5.5.7.3.36"


def painterly_home() -> Path:
    """``$PAINTERLY_HOME``, else the user's config folder (``$XDG_CONFIG_HOME/painterly``)."""
    home = os.environ.get("PAINTERLY_HOME")
    if home:
        return Path(home).expanduser()
    cfg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(cfg) / "painterly"


def keys_dir(home: Path | None = None) -> Path:
    return (home or painterly_home()) / "keys"


@dataclass(frozen=True)
class KeyPaths:
    folder: Path

    @property
    def root_cert(self) -> Path:
        return self.folder / ROOT_CERT

    @property
    def chain(self) -> Path:
        return self.folder / SIGN_CERT

    @property
    def key(self) -> Path:
        return self.folder / SIGN_KEY

    def exist(self) -> bool:
        return self.root_cert.is_file() and self.chain.is_file() and self.key.is_file()


def key_paths(home: Path | None = None) -> KeyPaths:
    return KeyPaths(keys_dir(home))


def _crypto():
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
    except ImportError:
        raise MissingExtraError("trust", "cryptography") from None
    return x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID, ObjectIdentifier


def init_keys(home: Path | None = None, *, name: str = "painterly", years: int = 5,
              overwrite: bool = False) -> KeyPaths:
    """Create the root CA and signing certificate under ``home`` (see module docstring)."""
    x509, hashes, serialization, ec, EKU, NameOID, OID = _crypto()
    paths = key_paths(home)
    if paths.exist() and not overwrite:
        raise InputError(f"{paths.folder}: keys already exist; pass --force to replace them "
                         "(files signed before stay verifiable only with the old root)")
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=365 * years)

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} root CA"),
                           x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    root = (
        x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
        .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} signing"),
                                 x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)]))
        .issuer_name(root_name).public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([EKU.EMAIL_PROTECTION, OID(DOCUMENT_SIGNING_OID)]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                       critical=False)
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths.folder.mkdir(parents=True, exist_ok=True)
    _write(paths.folder / ROOT_KEY, root_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), private=True)
    _write(paths.key, leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), private=True)
    _write(paths.root_cert, root.public_bytes(pem))
    _write(paths.chain, leaf.public_bytes(pem) + root.public_bytes(pem))
    return paths


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def describe(paths: KeyPaths) -> dict[str, str]:
    """Subject, validity and fingerprint of the signing certificate (for ``painterly keys show``)."""
    x509, hashes, *_ = _crypto()
    cert = x509.load_pem_x509_certificates(paths.chain.read_bytes())[0]
    return {"folder": str(paths.folder), "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "valid_until": cert.not_valid_after_utc.isoformat(),
            "sha256": cert.fingerprint(hashes.SHA256()).hex()}
