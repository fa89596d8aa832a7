"""Square access tokens and application secrets."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import looks_random

# ref: https://developer.squareup.com/docs/build-basics/access-tokens  ("EAAA" + 60 characters)
# ref: https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/square.go (sq0atp-/sq0csp-)
# An "EAAA" token must stand alone: inside a longer base64 run it is just base64 (e.g. of an image).
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9+/_=-])EAAA[A-Za-z0-9_-]{60}(?![A-Za-z0-9+/_=-])"
    rb"|(?<![A-Za-z0-9_-])sq0(?:atp-[0-9A-Za-z_-]{22}|csp-[0-9A-Za-z_-]{43})(?![A-Za-z0-9_-])"
)


class SquareToken(RegexDetector):
    name: ClassVar[str] = "square_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"EAAA[A-Za-z0-9_-]{60}", rb"sq0(?:atp|csp)-[0-9A-Za-z_-]{22}")
    reach: ClassVar[tuple[int, int]] = (70, 30)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return looks_random(value[4:], min_entropy=4.0 if value.startswith(b"EAAA") else 3.5)
