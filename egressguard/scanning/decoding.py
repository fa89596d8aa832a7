"""Bounded decoders: content encodings, embedded archives, percent/escape/base64/hex, forms, multipart.

Every decoder is linear in its input and takes an output `limit`; decompression streams with
`max_length` so a bomb costs at most `limit` bytes of memory before it is stopped. Failure is
an exception (`Undecodable`) for declared encodings and `None` for opportunistic ones (bytes
that merely look like gzip or base64 inside a body).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import zlib
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import brotli

try:  # Python 3.14+
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the interpreter
    from backports import zstd  # type: ignore[import-not-found,no-redef,unused-ignore]

_CHUNK = 64 * 1024


class Undecodable(Exception):
    """Declared content could not be decoded within the limits (corrupt, bomb-sized, unknown)."""


class LimitExceeded(Undecodable):
    """Decoding would produce more than the allowed number of bytes."""


# --- compression -------------------------------------------------------------------------------------


def _zlib_stream(data: bytes, wbits: int, limit: int, *, multi_member: bool) -> bytes:
    out = bytearray()
    rest = data
    while True:
        d = zlib.decompressobj(wbits)
        try:
            chunk = d.decompress(rest, limit - len(out) + 1)
            out += chunk
            while d.unconsumed_tail and len(out) <= limit:
                out += d.decompress(d.unconsumed_tail, limit - len(out) + 1)
            if len(out) > limit:
                raise LimitExceeded("decompressed output over the limit")
            if not d.eof:
                out += d.flush(limit - len(out) + 1)
                if len(out) > limit:
                    raise LimitExceeded("decompressed output over the limit")
                raise Undecodable("truncated compressed stream")
        except zlib.error as exc:
            raise Undecodable("corrupt compressed stream") from exc
        rest = d.unused_data
        if not (multi_member and rest.lstrip(b"\x00")):
            return bytes(out)


def gunzip(data: bytes, limit: int) -> bytes:
    """gzip (all members), stopping past `limit` output bytes."""
    return _zlib_stream(data, 16 + zlib.MAX_WBITS, limit, multi_member=True)


def inflate(data: bytes, limit: int) -> bytes:
    """HTTP "deflate": zlib-wrapped per RFC 9110, raw deflate as sent by some servers."""
    try:
        return _zlib_stream(data, zlib.MAX_WBITS, limit, multi_member=False)
    except LimitExceeded:
        raise
    except Undecodable:
        return _zlib_stream(data, -zlib.MAX_WBITS, limit, multi_member=False)


def unbrotli(data: bytes, limit: int) -> bytes:
    d = brotli.Decompressor()
    out = bytearray()
    try:
        out += d.process(data, output_buffer_limit=limit + 1)
        while len(out) <= limit and not d.can_accept_more_data():
            out += d.process(b"", output_buffer_limit=limit - len(out) + 1)
    except brotli.error as exc:
        raise Undecodable("corrupt brotli stream") from exc
    if len(out) > limit:
        raise LimitExceeded("decompressed output over the limit")
    if not d.is_finished():
        raise Undecodable("truncated brotli stream")
    return bytes(out)


def unzstd(data: bytes, limit: int) -> bytes:
    out = bytearray()
    rest = data
    while rest:
        d = zstd.ZstdDecompressor()
        try:
            out += d.decompress(rest, limit - len(out) + 1)
            while not d.eof and not d.needs_input and len(out) <= limit:
                out += d.decompress(b"", limit - len(out) + 1)
        except zstd.ZstdError as exc:
            raise Undecodable("corrupt zstd stream") from exc
        if len(out) > limit:
            raise LimitExceeded("decompressed output over the limit")
        if not d.eof:
            raise Undecodable("truncated zstd stream")
        rest = d.unused_data
    return bytes(out)


CONTENT_DECODERS = {
    "gzip": gunzip,
    "x-gzip": gunzip,
    "deflate": inflate,
    "br": unbrotli,
    "zstd": unzstd,
}


def content_encodings(header: str | None) -> list[str]:
    """Codings in the order they must be removed (the last applied comes off first)."""
    if not header:
        return []
    codings = [c.strip().lower() for c in header.split(",") if c.strip()]
    return [c for c in reversed(codings) if c != "identity"]


def decode_content(body: bytes, coding: str, limit: int) -> bytes:
    decoder = CONTENT_DECODERS.get(coding)
    if decoder is None:
        raise Undecodable("unknown content-coding")
    return decoder(body, limit)


# --- archives embedded in bytes ------------------------------------------------------------------------

GZIP_MAGIC = b"\x1f\x8b\x08"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZIP_LOCAL = b"PK\x03\x04"


def gzip_member_at(data: bytes, offset: int, limit: int) -> bytes | None:
    """Decode one gzip member starting at `offset`; None if it is not really gzip."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data[offset:], limit + 1)
    except zlib.error:
        return None
    if len(out) > limit:
        raise LimitExceeded("embedded gzip over the limit")
    return out if out or d.eof else None


def zstd_frame_at(data: bytes, offset: int, limit: int) -> bytes | None:
    d = zstd.ZstdDecompressor()
    try:
        out = d.decompress(data[offset:], limit + 1)
    except zstd.ZstdError:
        return None
    if len(out) > limit:
        raise LimitExceeded("embedded zstd over the limit")
    return out or None


@dataclass(frozen=True, slots=True)
class ZipScan:
    contents: bytes  # member contents joined by newlines
    total: int  # uncompressed bytes seen
    members: int
    encrypted: bool


def zip_members(data: bytes, offset: int, limit: int, max_members: int) -> ZipScan:
    """Walk local file headers from `offset` (no central directory needed: robust to truncation)."""
    out = bytearray()
    total = members = 0
    encrypted = False
    pos = offset
    while data.startswith(ZIP_LOCAL, pos) and members < max_members and pos + 30 <= len(data):
        flags, method, csize, nlen, xlen = struct.unpack_from("<2xHH8xI4xHH", data, pos + 4)
        start = pos + 30 + nlen + xlen
        members += 1
        if flags & 1:
            encrypted = True
        if flags & 8 and method == 8:  # sizes in a trailing descriptor: inflate to find the end
            d = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                chunk = d.decompress(data[start:], limit - total + 1)
            except zlib.error:
                break
            used = len(data) - start - len(d.unused_data)
            nxt = data.find(ZIP_LOCAL, start + used)
            pos = nxt if nxt >= 0 else len(data)
        else:
            body = data[start : start + csize]
            pos = start + csize
            if method == 0:
                chunk = body[: limit - total + 1]
            elif method == 8 and not flags & 1:
                d = zlib.decompressobj(-zlib.MAX_WBITS)
                try:
                    chunk = d.decompress(body, limit - total + 1)
                except zlib.error:
                    chunk = b""
            else:
                chunk = b""
        total += len(chunk)
        if total > limit:
            raise LimitExceeded("zip contents over the limit")
        out += chunk + b"\n"
    return ZipScan(bytes(out), total, members, encrypted)


def is_tar(data: bytes) -> bool:
    return data[257:262] == b"ustar"


def is_git_pack(data: bytes) -> bool:
    return data[:4] == b"PACK" and data[4:8] in (b"\x00\x00\x00\x02", b"\x00\x00\x00\x03")


# --- text encodings ------------------------------------------------------------------------------------

_PCT = re.compile(rb"%[0-9A-Fa-f]{2}")
_ESC = re.compile(rb"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})|\\([/\\\"'])")


def percent_decode(data: bytes, *, plus: bool = False) -> bytes:
    if plus:
        data = data.replace(b"+", b" ")
    return unquote_to_bytes(data)


def _unescape_one(m: re.Match[bytes]) -> bytes:
    if m.group(1) is not None:
        return chr(int(m.group(1), 16)).encode("utf-8", "surrogatepass")
    if m.group(2) is not None:
        return bytes([int(m.group(2), 16)])
    return m.group(3)


def unescape(data: bytes) -> bytes:
    """JSON/JS-style escapes (\\uXXXX, \\xXX, \\/) replaced by what they stand for."""
    return _ESC.sub(_unescape_one, data)


HEX_CHARS = frozenset(b"0123456789abcdefABCDEF")
_UPPER = re.compile(rb"[A-Z]")
_LOWER = re.compile(rb"[a-z]")


def decode_run(run: bytes) -> tuple[str, bytes] | None:
    """Decode a base64/base64url/hex candidate run; None when it is not plausibly an encoding."""
    if len(run) % 2 == 0 and HEX_CHARS.issuperset(run):
        try:
            return "hex", bytes.fromhex(run.decode("ascii"))
        except ValueError:
            return None
    if _UPPER.search(run) is None or _LOWER.search(run) is None:
        return None  # snake_case / lowercase identifiers, not base64
    std, url = b"+" in run or b"/" in run, b"-" in run or b"_" in run
    if std and url:
        return None
    if len(run) % 4 == 1:
        run = run[:-1]
    padded = run + b"=" * (-len(run) % 4)
    try:
        if url:
            return "base64", base64.urlsafe_b64decode(padded)
        return "base64", base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def parse_form(data: bytes) -> list[tuple[bytes, bytes]]:
    pairs = []
    for field in data.split(b"&"):
        if not field:
            continue
        name, _, value = field.partition(b"=")
        pairs.append((percent_decode(name, plus=True), percent_decode(value, plus=True)))
    return pairs


@dataclass(frozen=True, slots=True)
class Part:
    headers: dict[str, str]
    content: bytes


_BOUNDARY = re.compile(r"""boundary=(?:"([^"]{1,200})"|([^;,\s]{1,200}))""", re.IGNORECASE)


def multipart_boundary(content_type: str) -> bytes | None:
    m = _BOUNDARY.search(content_type)
    if m is None:
        return None
    return (m.group(1) or m.group(2)).encode("latin-1", "replace")


def parse_multipart(data: bytes, boundary: bytes, max_parts: int) -> tuple[list[Part], bool]:
    """Parts of a multipart body, and whether there were more than `max_parts`."""
    delim = b"--" + boundary
    chunks = data.split(delim)
    parts: list[Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if len(parts) >= max_parts:
            return parts, True
        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        if chunk.startswith((b"\r\n", b"\n")):  # no part headers: the blank line comes first
            head, content = b"", chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        else:
            head, sep, content = chunk.partition(b"\r\n\r\n")
            if not sep:
                head, sep, content = chunk.partition(b"\n\n")
            if not sep:
                head, content = b"", chunk
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers, content.removesuffix(b"\r\n").removesuffix(b"\n")))
    return parts, False


def decode_transfer(part: Part) -> bytes:
    """Apply a part's Content-Transfer-Encoding (base64, quoted-printable)."""
    cte = part.headers.get("content-transfer-encoding", "").lower()
    if cte == "base64":
        try:
            return base64.b64decode(re.sub(rb"\s+", b"", part.content))
        except (binascii.Error, ValueError):
            return part.content
    if cte == "quoted-printable":
        return binascii.a2b_qp(part.content)
    return part.content


# A JSON string literal (unrolled-loop form: no per-character alternation), and whether
# a ":" follows it (then it is a key).
_JSON_STRING = re.compile(rb'"([^"\\]*(?:\\.[^"\\]*)*)"(\s*:)?', re.DOTALL)


@dataclass(frozen=True, slots=True)
class JsonStrings:
    values: list[bytes]  # every non-empty string value (not key), decoded, in document order
    escaped: list[bytes]  # the decoded form of every string (key or value) that had escapes


def json_strings(data: bytes) -> JsonStrings:
    """The strings of a JSON text in one C-speed pass over its string literals.

    Only literals with a backslash are decoded (by the json module, one literal at a time):
    the others already stand in the text as they are. Text that is not well-formed JSON
    still yields its quoted runs, which only widens what is looked at.
    """
    if b"\\" not in data:
        # The common case: no literal needs decoding, so the text between the n-th and the
        # (n+1)-th quote is a string exactly when n is odd, and a key when ":" follows it.
        parts = data.split(b'"')
        return JsonStrings(
            [
                parts[i]
                for i in range(1, len(parts) - 1, 2)
                if parts[i] and not parts[i + 1].lstrip().startswith(b":")
            ],
            [],
        )
    values: list[bytes] = []
    escaped: list[bytes] = []
    for raw, colon in _JSON_STRING.findall(data):
        text = raw
        if b"\\" in raw:
            try:
                text = json.loads(b'"' + raw + b'"').encode("utf-8", "surrogatepass")
            except ValueError:
                text = raw
            escaped.append(text)
        if text and not colon:
            values.append(text)
    return JsonStrings(values, escaped)
