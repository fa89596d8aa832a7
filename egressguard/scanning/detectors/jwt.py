"""JSON Web Tokens (signed, compact serialisation)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://www.rfc-editor.org/rfc/rfc7519#section-3  and  https://www.rfc-editor.org/rfc/rfc7515#section-7.1
# header.payload.signature, each base64url; the header is a JSON object with "alg".
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,2048})\.(eyJ[A-Za-z0-9_-]{4,16384})\.([A-Za-z0-9_-]{16,1024})"
    rb"(?![A-Za-z0-9_-])"
)


def _b64url_json(part: bytes) -> object:
    try:
        raw = base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))
        return json.loads(raw)
    except (binascii.Error, ValueError):
        return None


class JsonWebToken(RegexDetector):
    name: ClassVar[str] = "jwt"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"eyJ[A-Za-z0-9_-]{8}",)
    reach: ClassVar[tuple[int, int]] = (16, 2048 + 16384 + 1024 + 8)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        header = _b64url_json(m.group(1))
        return isinstance(header, dict) and "alg" in header and isinstance(_b64url_json(m.group(2)), dict)
