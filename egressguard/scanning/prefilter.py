"""Hyperscan plumbing: compiling the prefilter database, and the encoded forms a managed
secret is looked for in (so one pass finds it raw, base64- or hex-encoded)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

import hyperscan


def literal(value: bytes) -> bytes:
    return b"".join(b"\\x%02x" % b for b in value)


def compile_database(expressions: list[bytes], flags: list[int]) -> hyperscan.Database:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags
    )
    return db


def b64_variants(value: bytes) -> Iterable[bytes]:
    """base64 text that must appear wherever `value` is base64-encoded, at each of 3 alignments."""
    for k in range(3):
        enc = base64.b64encode(b"\x00" * k + value)
        piece = enc[(4 if k else 0) : ((k + len(value)) // 3) * 4]
        if len(piece) >= 8:
            yield piece
            url = piece.translate(bytes.maketrans(b"+/", b"-_"))
            if url != piece:
                yield url


@dataclass(frozen=True, slots=True)
class Variant:
    secret: int
    step: str | None  # None: the raw value; else the encoding it was found through
    length: int
