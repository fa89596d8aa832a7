"""Private keys in PEM / OpenSSH / PGP armour."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from egressguard.scanning.base import Match

# ref: https://www.rfc-editor.org/rfc/rfc7468  (PEM labels: "PRIVATE KEY", "RSA PRIVATE KEY", ...)
# ref: https://www.rfc-editor.org/rfc/rfc4880#section-6.2  ("PGP PRIVATE KEY BLOCK")
# ref: https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key ("OPENSSH PRIVATE KEY")
BEGIN = re.compile(rb"-----BEGIN ((?:[A-Z0-9]{1,12} ){0,3})PRIVATE KEY(?: BLOCK)?-----")
END = b"-----END "
_MAX_BODY = 64 * 1024
_MIN_BODY = 64
# What may separate base64 lines: real newlines, JSON/shell-escaped newlines, armour headers.
_NEWLINES = re.compile(rb"(?:\\r|\\n|\r|\n)+")
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z-]{1,30}: [^\n]{0,200}$", re.MULTILINE)
_BODY = re.compile(rb"[A-Za-z0-9+/=]+")


def _is_key_body(body: bytes) -> bool:
    text = _NEWLINES.sub(b"\n", body)
    text = _HEADER_LINE.sub(b"", text)
    compact = re.sub(rb"[\n\t ]", b"", text)
    return len(compact) >= _MIN_BODY and _BODY.fullmatch(compact) is not None


class PrivateKey:
    name: ClassVar[str] = "private_key"
    prefilter: ClassVar[tuple[bytes, ...]] = (rb"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY",)
    reach: ClassVar[tuple[int, int]] = (64, _MAX_BODY + 64)
    split_safe: ClassVar[bool] = False

    def find(self, data: bytes, start: int, end: int) -> Iterator[Match]:
        for m in BEGIN.finditer(data, start, end):
            stop = data.find(END, m.end(), min(end, m.end() + _MAX_BODY))
            if stop < 0:
                continue
            if _is_key_body(data[m.end() : stop]):
                close = data.find(b"-----", stop + len(END), stop + 80)
                yield Match(m.start(), close + 5 if close >= 0 else stop)
