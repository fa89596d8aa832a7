"""Passwords written into URLs: scheme://user:password@host."""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import unquote_to_bytes

from egressguard.scanning.base import RegexDetector
from egressguard.scanning.filters.heuristic import is_placeholder

# ref: https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1  (userinfo; "user:password" is deprecated
# precisely because it leaks). Placeholder passwords ("x", "***", "${PASS}", "<password>") and
# GitHub's "x-oauth-basic" convention are not secrets; a token in the user part is found by its
# own detector.
PATTERN = re.compile(
    rb"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s/@:\"'<>`]{1,256}:([^\s/@\"'<>`]{1,256})@"
    rb"(?=[A-Za-z0-9\[])"
)


# RFC 2606 documentation hosts: "https://user:pass@example.com" is an example, not a leak.
_EXAMPLE_HOSTS = (b"example.com", b"example.org", b"example.net", b"www.example.", b"localhost", b"host")


class UrlPassword(RegexDetector):
    name: ClassVar[str] = "url_password"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"://[^\s/@:]{1,256}:[^\s/@]{1,256}@",)
    reach: ClassVar[tuple[int, int]] = (540, 4)
    split_safe: ClassVar[bool] = False
    pattern = PATTERN
    group = 1

    def valid(self, value: bytes, m: re.Match[bytes]) -> bool:
        password = unquote_to_bytes(value)
        if b" " in password or is_placeholder(password):
            return False
        host = m.string[m.end() : m.end() + 64].lower()
        return not host.startswith(_EXAMPLE_HOSTS)
