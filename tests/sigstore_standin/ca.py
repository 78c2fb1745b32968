"""The Fulcio side of the stand-in: a local CA and a CT log that signs SCTs.

A leaf certificate is issued the way Fulcio issues one: empty subject, the
OIDC identity as a critical SAN, key usage digitalSignature, EKU codeSigning,
the Fulcio OID extensions naming the token's issuer (1.1 raw, 1.8 as a DER
UTF8String), validity of ten minutes, and an embedded SCT (RFC 6962
precertificate entry) signed by a separate CT log key. The SCT covers the
certificate's TBS *without* the SCT extension, which is exactly what
``Certificate.tbs_precertificate_bytes`` gives back when sigstore checks it.
"""

from __future__ import annotations

import hashlib
import struct
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SCT_LIST_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
ISSUER_V1_OID = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
ISSUER_V2_OID = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
CERT_LIFETIME = timedelta(minutes=10)


def der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def der_octet_string(data: bytes) -> bytes:
    return b"\x04" + der_length(len(data)) + data


def der_utf8_string(text: str) -> bytes:
    data = text.encode()
    return b"\x0c" + der_length(len(data)) + data


def spki_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: ec.EllipticCurvePublicKey) -> bytes:
    """RFC 6962 key id: SHA-256 of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(spki_der(key)).digest()


@dataclass
class CTLog:
    """Signs RFC 6962 v1 SCTs over precertificate entries."""

    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    @property
    def log_id(self) -> bytes:
        return key_id(self.key.public_key())

    def sct_list(self, precert_tbs: bytes, issuer: ec.EllipticCurvePublicKey) -> bytes:
        """A TLS-encoded SignedCertificateTimestampList with one SCT."""
        timestamp = int(time.time() * 1000)
        extensions = b""
        signed = (
            struct.pack("!BBQH", 0, 0, timestamp, 1)
            + key_id(issuer)
            + len(precert_tbs).to_bytes(3, "big")
            + precert_tbs
            + struct.pack("!H", len(extensions))
            + extensions
        )
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            struct.pack("!B", 0)
            + self.log_id
            + struct.pack("!Q", timestamp)
            + struct.pack("!H", len(extensions))
            + extensions
            + struct.pack("!BBH", 4, 3, len(signature))
            + signature
        )  # sha256, ecdsa
        return struct.pack("!HH", len(sct) + 2, len(sct)) + sct


@dataclass
class FulcioCA:
    """A self-signed root that issues short-lived code-signing leaves."""

    ct_log: CTLog = field(default_factory=CTLog)
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP384R1())
    )
    root: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "shipline-standin"),
                x509.NameAttribute(NameOID.COMMON_NAME, "standin-fulcio-root"),
            ]
        )
        now = datetime.now(UTC)
        public = self.key.public_key()
        self.root = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self.key, hashes.SHA384())
        )

    def issue(
        self, public_key: ec.EllipticCurvePublicKey, *, san: str, issuer: str
    ) -> x509.Certificate:
        """A leaf for ``public_key`` naming ``san`` (e-mail or URI) and ``issuer``."""
        now = datetime.now(UTC).replace(microsecond=0)
        general_name: x509.GeneralName = (
            x509.RFC822Name(san)
            if "@" in san and "://" not in san
            else x509.UniformResourceIdentifier(san)
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.root.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + CERT_LIFETIME)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .add_extension(x509.SubjectAlternativeName([general_name]), critical=True)
            .add_extension(
                x509.UnrecognizedExtension(ISSUER_V1_OID, issuer.encode()), critical=False
            )
            .add_extension(
                x509.UnrecognizedExtension(ISSUER_V2_OID, der_utf8_string(issuer)), critical=False
            )
        )
        precert = builder.sign(self.key, hashes.SHA384())
        scts = self.ct_log.sct_list(precert.tbs_certificate_bytes, self.key.public_key())
        return builder.add_extension(
            x509.UnrecognizedExtension(SCT_LIST_OID, der_octet_string(scts)), critical=False
        ).sign(self.key, hashes.SHA384())
