"""npm access tokens."""

from __future__ import annotations

import re
from typing import ClassVar

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.detectors.github import base62_checksum

# ref: https://github.blog/2021-09-23-announcing-npms-new-access-token-format/
# "npm_" + 30 random base62 characters + 6 characters of base62 CRC32, as GitHub's tokens.
PATTERN = re.compile(rb"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])")


class NpmToken(RegexDetector):
    name: ClassVar[str] = "npm_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"npm_[A-Za-z0-9]{36}",)
    reach: ClassVar[tuple[int, int]] = (48, 4)
    pattern = PATTERN

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return base62_checksum(value[4:-6]) == value[-6:]
