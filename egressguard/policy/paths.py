"""Request-path canonicalization and path patterns.

A path is compared after percent-decoding and dot-segment removal. Anything whose meaning
depends on which server decodes it — an encoded `/` or `\\`, NUL and other control bytes,
`%25` (double encoding), invalid or overlong UTF-8, `..;`-style segments, dot segments
mixed with empty segments — is *ambiguous* and gets no canonical form (the request is
denied `path_not_allowed`). Matching ignores empty segments, so `//admin/` cannot slip
past a rule about `/admin`.

Written by hand: no library implements "reject what servers disagree on"; the decoding
itself is `urllib.parse.unquote_to_bytes` plus strict UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_to_bytes

Segments = tuple[str, ...]

# Encoded characters whose decoding changes the path's structure or hides another encoding.
_AMBIGUOUS_ESCAPE = re.compile(r"%(?:2[fF]|5[cC]|25|00)")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


CACHED_PATH_LENGTH = 1024  # longer paths are not cached: a cache of huge keys is a memory leak


def canonical_segments(raw: str) -> Segments | None:
    """The decoded, dot-resolved, non-empty segments of `raw`, or None when ambiguous.

    `raw` is the path as sent (no query string, no fragment).
    """
    if len(raw) > CACHED_PATH_LENGTH:
        return _canonical_segments(raw)
    return _cached_segments(raw)


@lru_cache(maxsize=16384)
def _cached_segments(raw: str) -> Segments | None:
    return _canonical_segments(raw)


def _canonical_segments(raw: str) -> Segments | None:
    if not raw.startswith("/"):
        return None
    if "\\" in raw or "#" in raw or _AMBIGUOUS_ESCAPE.search(raw) or _BAD_ESCAPE.search(raw):
        return None
    try:
        decoded = unquote_to_bytes(raw).decode("utf-8", errors="strict")
    except UnicodeError:
        # invalid or overlong UTF-8 (strict decoding rejects overlongs), or a raw byte that
        # is not UTF-8 (mitmproxy hands it over as a lone surrogate, which cannot be encoded)
        return None
    if _CONTROL.search(decoded):
        return None
    parts = decoded.split("/")[1:]
    has_empty = any(p == "" for p in parts[:-1])
    out: list[str] = []
    for part in parts:
        head = part.split(";", 1)[0]
        if part != head and head in (".", ".."):
            return None  # "..;" / ".;": Tomcat-style path parameters on a dot segment
        if part in (".", ".."):
            if has_empty:
                return None  # "//.." means one thing to a slash-merging server, another to RFC 3986
            if part == ".." and out:
                out.pop()
            continue
        if part:
            out.append(part)
    return tuple(out)


def canonical_path(raw: str) -> str | None:
    """The canonical path string (`/a/b`), or None when ambiguous.

    A decoded `#` stays encoded (`%23`): a raw `#` is ambiguous, so the canonical form of
    `/c%23` must not be `/c#` or it would not be its own canonical form.
    """
    segs = canonical_segments(raw)
    if segs is None:
        return None
    return "/" + "/".join(segs).replace("#", "%23")


class PathPatternError(ValueError):
    """A path pattern that cannot be used. The message says what to write."""


@dataclass(frozen=True, slots=True)
class PathPattern:
    """`/repos/acme/*/issues/**`: `*` is exactly one segment, `**` any number (zero too)."""

    text: str
    segments: Segments

    def matches(self, path: Segments) -> bool:
        return _match(self.segments, path)

    def matches_loosely(self, path: Segments) -> bool:
        """Match the way lenient servers route: case-insensitively, `;params` dropped.
        Deny rules use this too, so `/ADMIN;x` cannot slip past a rule about `/admin`."""
        folded = tuple(s.split(";", 1)[0].casefold() for s in path)
        return _match(tuple(s.casefold() for s in self.segments), folded)


def _match(pat: Segments, path: Segments) -> bool:
    # One pass over the pattern, tracking every path position the pattern so far can
    # reach: O(len(pattern) x len(path)) whatever the number of `**` (backtracking over
    # several `**` is exponential in them, and the path is the client's).
    reach = {0}
    for seg in pat:
        if seg == "**":
            reach = set(range(min(reach), len(path) + 1))
        else:
            reach = {j + 1 for j in reach if j < len(path) and (seg == "*" or seg == path[j])}
        if not reach:
            return False
    return len(path) in reach


def parse_path_pattern(raw: str) -> PathPattern:
    if not raw.startswith("/"):
        raise PathPatternError(f'path "{raw}" does not start with "/"; write e.g. "/{raw.lstrip("/")}"')
    if "?" in raw or "#" in raw:
        raise PathPatternError(
            f'path "{raw}" has a query or fragment; paths match only the path part, drop "?…"'
        )
    for seg in raw.split("/"):
        if "*" in seg and seg not in ("*", "**"):
            raise PathPatternError(
                f'path "{raw}" has "*" inside a segment ("{seg}"); use a whole segment: "*" or "**"'
            )
    segs = canonical_segments(raw)
    if segs is None:
        raise PathPatternError(
            f'path "{raw}" has an ambiguous encoding (encoded "/" or "\\", "%25", NUL or dot segments); '
            "write the plain decoded path"
        )
    if raw != "/" and any(s in (".", "..") for s in raw.split("/")):
        raise PathPatternError(f'path "{raw}" has "." or ".." segments; write the resolved path')
    return PathPattern(text=raw, segments=segs)
