"""VAPID key pairs for Web Push (RFC 8292): made by `flask push keys` for an operator, and
once into instance/vapid.json outside production so that `make run` has push without setup.

The public key is the browser's ``applicationServerKey`` (base64url of the uncompressed P-256
point); the private key is base64url of its DER (what pywebpush's ``vapid_private_key`` takes).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def generate() -> dict[str, str]:
    """A new key pair: {"public": ..., "private": ...}."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"public": _b64url(public), "private": _b64url(private)}


def development_keys(folder: Path) -> dict[str, str]:
    """The development pair kept in ``folder``/vapid.json (made on first use, owner-only)."""
    path = folder / "vapid.json"
    if not path.exists():
        folder.mkdir(exist_ok=True)
        path.write_text(json.dumps(generate()))
        path.chmod(0o600)
    return json.loads(path.read_text())
