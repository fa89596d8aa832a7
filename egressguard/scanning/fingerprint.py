"""Keyed fingerprints: the same secret gets the same id in every log line, and the id reveals nothing."""

from __future__ import annotations

import hashlib
import hmac

FINGERPRINT_BYTES = 16  # 128 bits, 32 hex characters


def fingerprint(key: bytes, value: bytes) -> str:
    """Hex of the first 16 bytes of HMAC-SHA256(key, value). Never the value itself."""
    return hmac.new(key, value, hashlib.sha256).digest()[:FINGERPRINT_BYTES].hex()
