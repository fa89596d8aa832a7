"""GitHub tokens: classic prefixed tokens (with their CRC32 checksum) and fine-grained PATs."""

from __future__ import annotations

import re
import zlib
from typing import ClassVar

from egressguard.scanning.base import RegexDetector

# ref: https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
# ghp_ (personal), gho_ (OAuth), ghu_ (user-to-server), ghs_ (server-to-server), ghr_ (refresh):
# 30 random base62 characters, then 6 base62 characters of CRC32 over those 30.
CLASSIC = re.compile(rb"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9_])")
# ref: https://github.blog/changelog/2022-10-18-introducing-fine-grained-personal-access-tokens/
FINE_GRAINED = re.compile(rb"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])")

BASE62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62_checksum(payload: bytes) -> bytes:
    """The 6-character base62 CRC32 suffix GitHub (and npm) append to a token's random part."""
    n = zlib.crc32(payload)
    out = bytearray()
    while n:
        n, r = divmod(n, 62)
        out.insert(0, BASE62[r])
    return bytes(out).rjust(6, b"0")


class GithubToken(RegexDetector):
    name: ClassVar[str] = "github_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"gh[pousr]_[A-Za-z0-9]{36}",)
    reach: ClassVar[tuple[int, int]] = (48, 4)
    pattern = CLASSIC

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        return base62_checksum(value[4:-6]) == value[-6:]


class GithubFineGrainedToken(RegexDetector):
    name: ClassVar[str] = "github_fine_grained_token"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"github_pat_[A-Za-z0-9]{22}_",)
    reach: ClassVar[tuple[int, int]] = (40, 72)
    pattern = FINE_GRAINED
